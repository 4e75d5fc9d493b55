"""Template helpers: every time shown names its zone; dates in the reader's language."""
from __future__ import annotations

from datetime import date, datetime
from functools import lru_cache
from typing import NamedTuple
from urllib.parse import quote, urlencode

from babel import Locale
from babel.dates import format_date as babel_format_date
from flask import Flask, current_app, g, request, url_for
from flask_babel import format_date, format_datetime, gettext, pgettext
from flask_babel import lazy_gettext as _l
from markupsafe import Markup, escape

from eventapp.auth.decorators import is_organiser
from eventapp.i18n import current_language, html_language, request_locale
from eventapp.labels import LANGUAGE_ENDONYMS, label
from eventapp.models.base import pick_translation
from eventapp.rules.times import ZonedTime, partner_zones, zoned
from eventapp.security import is_safe_path

ZONE_NAMES = {
    "Europe/Berlin": _l("Berlin"),
    "Asia/Shanghai": _l("Beijing"),
}


def zone_name(zone: str) -> str:
    """A reader's name for a zone: a city for the partner zones, else the IANA name."""
    return _zone_name(zone, request_locale())


@lru_cache(maxsize=256)
def _zone_name(zone: str, locale: Locale | None) -> str:  # noqa: ARG001 - the key of the cache
    """Once per zone and language: a page names its two zones a dozen times."""
    name = ZONE_NAMES.get(zone)
    return str(name) if name is not None else zone.replace("_", " ")


def time_label(moment: datetime, zone: str) -> str:
    """"09:00 Berlin (UTC+1)": a clock time that always names its zone."""
    return _time_text(moment, zone, str(request_locale()))


@lru_cache(maxsize=4096)
def _time_text(moment: datetime, zone: str, locale: str) -> str:
    """Kept per language: an agenda asks for the same slot times hundreds of times, and the
    zone's name is a translation lookup."""
    shown = zoned(moment, zone)
    return f"{shown.local:%H:%M} {zone_name(zone)} ({shown.offset})"


def join_texts() -> dict[str, Markup]:
    """The fixed texts of a join button (macros/video.html) in the reader's language:
    translated once per language instead of five times per button."""
    return _join_texts(str(request_locale()))


@lru_cache(maxsize=8)
def _join_texts(locale: str) -> dict[str, Markup]:
    # Escaped once here; Markup % {...} escapes the placeholders' values too.
    return {
        "opens_at": escape(gettext("Join link opens at %(times)s")),
        "open_now": escape(gettext("Open now: reload the page.")),
        "units": escape(pgettext("countdown units: days|hours|minutes|seconds", "d|h|min|s")),
        "for_participants": escape(gettext("For confirmed participants.")),
        "join": escape(gettext("Join online")),
        "find_link": escape(gettext("Confirmed participants find the join link on their registration page.")),
        "ended": escape(gettext("Ended")),
        "recording": escape(gettext("Recording")),
        "slides": escape(gettext("Slides")),
    }


def time_range_label(starts_at: datetime, ends_at: datetime, zone: str) -> str:
    start, end = zoned(starts_at, zone), zoned(ends_at, zone)
    return f"{start.local:%H:%M}–{end.local:%H:%M} {zone_name(zone)} ({start.offset})"


def date_label(moment: datetime, zone: str, style: str = "full") -> str:
    """The local date of `moment` in `zone`, in the interface language."""
    return day_text(zoned(moment, zone).local.date(), style, str(request_locale()))


@lru_cache(maxsize=4096)
def day_text(day: date, style: str, locale: str) -> str:
    """A day in a babel style and locale; babel is slow and pages repeat days, so each is
    formatted once per style and language."""
    return babel_format_date(day, style, locale=locale)


def datetime_label(moment: datetime, zone: str) -> str:
    local = zoned(moment, zone).local
    return f"{format_date(local.date(), 'medium')} {time_label(moment, zone)}"


def zone_times(starts_at: datetime, ends_at: datetime, event_zone: str) -> list[dict]:
    """The rows an agenda shows for one slot: the event zone first, then the partner zone."""
    rows = []
    event_day = zoned(starts_at, event_zone).local.date()
    for zone in partner_zones(event_zone):
        start: ZonedTime = zoned(starts_at, zone, event_zone)
        end: ZonedTime = zoned(ends_at, zone, event_zone)
        rows.append(
            {
                "zone": zone,
                "zone_name": zone_name(zone),
                "start": f"{start.local:%H:%M}",
                "end": f"{end.local:%H:%M}",
                "offset": start.offset,
                "day_shift": start.day_shift,
                # Days between the end's local date here and the start's date in the event
                # zone: an item crossing midnight in either zone marks its end's day.
                "end_day_shift": (end.local.date() - event_day).days,
                "date": start.local.date(),
                "is_event_zone": zone == event_zone,
            }
        )
    return rows


def translate(values: dict | None, main_language: str) -> str:
    return pick_translation(values, current_language(), main_language)


# Endpoints of the main navigation; a feature appears once its blueprint is registered.
NAV_ITEMS = (
    ("main.home", _l("Home")),
    ("events.index", _l("Events")),
    ("archive.index", _l("Archive")),
    ("cities.index", _l("Member cities")),
    ("manage.index", _l("Back office")),
)
# Shown only to signed-in organisers and admins.
BACK_OFFICE_ENDPOINTS = {"manage.index"}

ERROR_TITLES = {
    400: _l("This request could not be processed"),
    403: _l("Access denied"),
    404: _l("Page not found"),
    405: _l("This action is not allowed here"),
    413: _l("The file is too large"),
    429: _l("Too many attempts"),
}
ERROR_TEXTS = {
    400: _l("The form may have expired. Please go back, reload the page and try again."),
    403: _l("You do not have permission to open this page."),
    404: _l("The page you asked for does not exist or is no longer available."),
    405: _l("Please use the buttons and links on the page."),
    413: _l("Please upload a smaller file."),
    429: _l("Please wait a minute before trying again."),
}


def manage_url(endpoint: str, **values: object) -> str | None:
    """A back-office link, or None where that tool is not installed (shared tab macros)."""
    if endpoint not in current_app.view_functions:
        return None
    return url_for(endpoint, **values)


def _language_url_stem(home_url: str) -> str:
    """This page's link up to its `lang` argument ("/root/path?a=1&" or "/root/path?"):
    a language link shows this page in another interface language (remembered in a cookie)."""
    path = request.path
    # Only a path on this site, and never on an error page: a 404 must not echo what was
    # asked for, and "/\\evil.example/" would be read by browsers as another host.
    if g.get("is_error_page") or not is_safe_path(path):
        return f"{home_url}?"
    args = urlencode([(key, value) for key, value in request.args.items(multi=True) if key != "lang"])
    return f"{quote(request.script_root + path, safe='/-_.~')}?{args}{'&' if args else ''}"


# The page chrome (templates/base.html): header, language switch and footer. A page used
# to make some 60 template calls for it (url_for, _(), nav_items(), language_url()...),
# about 0.2 ms of Jinja overhead on every request; page_chrome() makes them in one call.


class NavLink(NamedTuple):
    href: str
    text: str
    is_current: bool


class LanguageLink(NamedTuple):
    href: str
    tag: str  # BCP 47, for lang and hreflang
    name: str
    is_current: bool


class ChromeTexts(NamedTuple):
    """The chrome's fixed texts in one language, as the template's _() returns them."""

    site_name: Markup
    alliance: Markup
    skip_link: Markup
    main_navigation: Markup
    language: Markup
    time_zones: Markup
    sign_in: Markup
    sign_out: Markup
    nav: dict[str, str]  # endpoint -> text (plain: the template escapes it)


class ChromeUrls(NamedTuple):
    """The chrome's links; they depend only on the app's routes and the script root."""

    app_css: str
    print_css: str
    logo: str
    home: str
    login: str
    logout: str
    nav: tuple[tuple[str, str], ...]  # (endpoint, href) of the links this reader sees


class PageChrome(NamedTuple):
    html_lang: str
    text: ChromeTexts
    url: ChromeUrls
    nav: tuple[NavLink, ...]
    languages: tuple[LanguageLink, ...]


_CHROME_URLS = "eventapp.chrome_urls"
_LANG_QUERIES = {code: urlencode([("lang", code)]) for code in LANGUAGE_ENDONYMS}


def page_chrome() -> PageChrome:
    """Everything base.html shows around a page, for this request."""
    locale = request_locale()
    language = current_language()
    texts = _chrome_texts(locale)
    urls = _chrome_urls(is_organiser())
    endpoint = request.endpoint
    nav = tuple(NavLink(href, texts.nav[name], name == endpoint) for name, href in urls.nav)
    stem = _language_url_stem(urls.home)
    languages = tuple(
        LanguageLink(stem + _LANG_QUERIES[code], html_language(code), name, code == language)
        for code, name in LANGUAGE_ENDONYMS.items()
    )
    return PageChrome(html_language(language), texts, urls, nav, languages)


def _as_template_text(text: str) -> Markup:
    # Exactly what the template's _("...") gives: the translation marked safe, then
    # formatted without variables ("%%" -> "%"), as Jinja's newstyle gettext does.
    return Markup(text) % {}  # noqa: S704 - our own catalog, as in the template


@lru_cache(maxsize=8)
def _chrome_texts(locale: Locale | None) -> ChromeTexts:  # noqa: ARG001 - the key of the cache
    """Once per language (the catalogs are fixed while the process runs)."""
    return ChromeTexts(
        site_name=_as_template_text(gettext("ISA Events")),
        alliance=_as_template_text(gettext("Chinese-German Industrial Cities Alliance")),
        skip_link=_as_template_text(gettext("Skip to content")),
        main_navigation=_as_template_text(gettext("Main navigation")),
        language=_as_template_text(gettext("Language")),
        time_zones=_as_template_text(
            gettext("Times are shown in the event's time zone and in the partner zone (Berlin / Beijing).")
        ),
        sign_in=_as_template_text(gettext("Organiser sign-in")),
        sign_out=_as_template_text(gettext("Sign out")),
        nav={endpoint: str(text) for endpoint, text in NAV_ITEMS},
    )


def _chrome_urls(show_back_office: bool) -> ChromeUrls:
    """Built once per app, script root and audience: url_for costs microseconds a call."""
    cache: dict[tuple[str, bool], ChromeUrls] = current_app.extensions[_CHROME_URLS]
    key = (request.script_root, show_back_office)
    urls = cache.get(key)
    if urls is None:
        if len(cache) >= 16:  # the script root comes from the server, but stay bounded
            cache.clear()
        urls = cache[key] = ChromeUrls(
            app_css=url_for("static", filename="css/app.css"),
            print_css=url_for("static", filename="css/print.css"),
            logo=url_for("static", filename="img/logo.svg"),
            home=url_for("main.home"),
            login=url_for("auth.login"),
            logout=url_for("auth.logout"),
            nav=tuple((endpoint, url_for(endpoint)) for endpoint, _text in _visible_nav_items(show_back_office)),
        )
    return urls


def _visible_nav_items(show_back_office: bool) -> list[tuple[str, object]]:
    return [
        (endpoint, text)
        for endpoint, text in NAV_ITEMS
        if endpoint in current_app.view_functions
        and (show_back_office or endpoint not in BACK_OFFICE_ENDPOINTS)
    ]


def error_title(code: int | None) -> str:
    return str(ERROR_TITLES.get(code or 400, ERROR_TITLES[400]))


def error_text(code: int | None) -> str:
    return str(ERROR_TEXTS.get(code or 400, ERROR_TEXTS[400]))


def init_app(app: Flask) -> None:
    app.extensions[_CHROME_URLS] = {}
    app.jinja_env.globals.update(
        zone_name=zone_name,
        time_label=time_label,
        time_range_label=time_range_label,
        date_label=date_label,
        join_texts=join_texts,
        datetime_label=datetime_label,
        zone_times=zone_times,
        label=label,
        translate=translate,
        language_endonyms=LANGUAGE_ENDONYMS,
        format_datetime=format_datetime,
        page_chrome=page_chrome,
        manage_url=manage_url,
        error_title=error_title,
        error_text=error_text,
    )
