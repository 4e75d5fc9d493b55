""""Add to calendar" links for event and session pages (template globals).

In templates: ``calendar_links(event)`` or ``calendar_links(event, item)`` gives a dict
with ``ics`` (download), ``webcal`` (subscribe), ``google`` and ``outlook`` (and
``office365``); ``calendar_feed_links(topic=..., city=..., format=...)`` gives ``ics`` and
``webcal`` for the subscription feed. Every URL is built from PUBLIC_URL.
"""
from __future__ import annotations

from datetime import UTC, datetime
from urllib.parse import urlencode, urlsplit

from eventapp.calendar import bp
from eventapp.calendar.services import (
    event_location,
    event_page_url,
    public_url,
    session_location,
    session_page_url,
)
from eventapp.i18n import current_language
from eventapp.models import Event, EventSession

GOOGLE_URL = "https://calendar.google.com/calendar/render"
OUTLOOK_URL = "https://outlook.live.com/calendar/0/deeplink/compose"
OFFICE365_URL = "https://outlook.office.com/calendar/0/deeplink/compose"


def webcal_url(url: str) -> str:
    """The same feed with the webcal:// scheme, which opens a calendar app's subscribe dialog."""
    parts = urlsplit(url)
    return "webcal://" + url[len(parts.scheme) + 3:]


def _google_time(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y%m%dT%H%M%SZ")


def _outlook_time(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def calendar_links(event: Event, item: EventSession | None = None) -> dict[str, str]:
    """Download, subscribe, Google and Outlook links for an event or one of its sessions."""
    language = current_language()
    if item is None:
        ics = public_url(f"/events/{event.slug}.ics")
        title = event.text("title", language)
        starts_at, ends_at = event.starts_at, event.ends_at
        page, location = event_page_url(event), event_location(event)
    else:
        ics = public_url(f"/events/{event.slug}/sessions/{item.id}.ics")
        title = item.text("title", language)
        starts_at, ends_at = item.starts_at, item.ends_at
        page, location = session_page_url(item), session_location(item)
    google = {
        "action": "TEMPLATE",
        "text": title,
        "dates": f"{_google_time(starts_at)}/{_google_time(ends_at)}",
        "details": page,
        "location": location,
        "ctz": event.timezone,
    }
    outlook = {
        "path": "/calendar/action/compose",
        "rru": "addevent",
        "subject": title,
        "startdt": _outlook_time(starts_at),
        "enddt": _outlook_time(ends_at),
        "body": page,
        "location": location,
    }
    outlook_query = urlencode(outlook)
    return {
        "ics": ics,
        "webcal": webcal_url(ics),
        "google": f"{GOOGLE_URL}?{urlencode(google)}",
        "outlook": f"{OUTLOOK_URL}?{outlook_query}",
        "office365": f"{OFFICE365_URL}?{outlook_query}",
    }


def calendar_feed_links(
    topic: str | None = None, city: str | None = None, format: str | None = None
) -> dict[str, str]:
    """Download and subscribe links of /calendar.ics with the given filters and language."""
    query = {"topic": topic, "city": city, "format": format, "lang": current_language()}
    ics = public_url("/calendar.ics?" + urlencode({k: v for k, v in query.items() if v}))
    return {"ics": ics, "webcal": webcal_url(ics)}


@bp.app_context_processor
def _calendar_globals() -> dict:
    return {"calendar_links": calendar_links, "calendar_feed_links": calendar_feed_links}
