"""The agenda's slots and rows as finished HTML strings, built in Python once per render.

A 300-session agenda spent most of its render time in Jinja: about 5,000 Markup objects
and 4,700 escapes per page, a join_button macro call per virtual session. Here the fixed
parts are plain strings, the few user fields (title, room, speakers, recording links) are
escaped once each, and the times of a slot are formatted once per slot and language
(a pure function of its inputs, memoised per process like display.py's labels).

The markup is the one templates/events/_agenda.html and macros/video.html produced
(tests/events compare it); change both together.
"""
from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from functools import lru_cache
from urllib.parse import quote_plus

from flask_babel import gettext, pgettext
from markupsafe import Markup

from eventapp.display import zone_name
from eventapp.events.services import (
    AGENDA_FILTERS,
    AgendaDay,
    AgendaFilters,
    AgendaRow,
    AgendaSlot,
    Distinct,
    ZoneCell,
)
from eventapp.html_text import FinishedHtml, escape_text
from eventapp.i18n import request_locale
from eventapp.models.enums import Visibility
from eventapp.rules.times import iso_instant
from eventapp.virtual.services import JoinView

_e = escape_text


@dataclass(frozen=True)
class RowTexts:
    """The fixed, translated and escaped texts of agenda rows in one language."""

    now: str
    next: str
    cancelled: str
    interpretation: str
    virtual: str
    calendar: str
    opens_at: str
    open_now: str
    units: str
    for_participants: str
    join: str
    find_link: str
    ended: str
    recording: str
    slides: str


def row_texts() -> RowTexts:
    return _row_texts(str(request_locale()))


@lru_cache(maxsize=8)
def _row_texts(locale: str) -> RowTexts:  # noqa: ARG001 - the key of the cache
    return RowTexts(
        now=_e(gettext("Now")),
        next=_e(gettext("Next")),
        cancelled=_e(gettext("Cancelled")),
        interpretation='<span class="interpretation">' + _e(gettext("Interpretation DE ↔ ZH")) + "</span>",
        virtual='<span class="badge badge-virtual">' + _e(gettext("Virtual")) + "</span>",
        calendar=_e(gettext("Add to calendar")),
        # Kept escaped: the reveal times are escaped when put in.
        opens_at=_e(gettext("Join link opens at %(times)s")),
        open_now=_e(gettext("Open now: reload the page.")),
        units=_e(pgettext("countdown units: days|hours|minutes|seconds", "d|h|min|s")),
        for_participants=_e(gettext("For confirmed participants.")),
        join=_e(gettext("Join online")),
        find_link=_e(gettext("Confirmed participants find the join link on their registration page.")),
        ended=_e(gettext("Ended")),
        recording=_e(gettext("Recording")),
        slides=_e(gettext("Slides")),
    )


def _shift(days: int) -> str:
    return f'<span class="day-shift">{days:+d}</span>'


@lru_cache(maxsize=4096)
def _cells_html(cells: tuple[ZoneCell, ...], locale: str) -> str:  # noqa: ARG001 - zone names
    parts = []
    for cell in cells:
        crosses = cell.end_day_shift != cell.day_shift
        parts.append(
            '<span class="zone-time is-event-zone">' if cell.is_event_zone else '<span class="zone-time">'
        )
        parts.append('<span class="clock">' + _e(cell.start))
        if crosses and cell.day_shift:
            parts.append(_shift(cell.day_shift))
        parts.append("–" + _e(cell.end))
        if crosses and cell.end_day_shift:
            parts.append(_shift(cell.end_day_shift))
        parts.append(
            f'</span> <abbr title="{_e(cell.zone)} ({_e(cell.offset)})">{_e(zone_name(cell.zone))}</abbr>'
        )
        if not crosses and cell.day_shift:
            parts.append(" " + _shift(cell.day_shift))
        parts.append("</span>")
    return "".join(parts)


def join_html(view: JoinView, texts: RowTexts) -> str:
    """macros/video.html join_button(view) for a public view (no title, no details)."""
    phase = view.phase
    html = f'\n<div class="join join-{phase}" data-join-phase="{phase}" id="join-{view.session_id}">'
    participants = view.visibility is Visibility.PARTICIPANTS
    if phase == "waiting":
        label = texts.opens_at.replace("%(times)s", _e(view.opens_label))
        html += (
            f'\n  <p class="join-countdown"><span class="join-label">{label}</span>'
            f'\n    <span class="countdown" data-countdown-to="{iso_instant(view.opens_at)}"'
            f' data-countdown-done="{texts.open_now}" data-units="{texts.units}"></span></p>'
        )
        if participants:
            html += f'<p class="help">{texts.for_participants}</p>'
    elif phase == "open":
        if view.href:
            html += (
                f'\n  <p><a class="button join-button" href="{_e(view.href)}"'
                f' rel="nofollow noreferrer">{texts.join}</a></p>'
            )
        elif participants:
            html += f'\n  <p class="help">{texts.find_link}</p>'
    else:
        html += f'\n  <p><span class="badge badge-ended">{texts.ended}</span>'
        if view.recording_url:
            html += f' <a href="{_e(view.recording_url)}" rel="nofollow noreferrer">{texts.recording}</a>'
        if view.slides_url:
            html += f' <a href="{_e(view.slides_url)}" rel="nofollow noreferrer">{texts.slides}</a>'
        html += "</p>"
    return html + "\n</div>"


def _row_html(
    row: AgendaRow, texts: RowTexts, page_language: str, sessions_url: str, escaped: Distinct
) -> str:
    # The optional parts first, then the row in one f-string (each `+=` copied the row).
    row_id = row.id
    state = row.state
    now = f'<strong class="session-now">{texts.now if state == "current" else texts.next}</strong>' if state else ""
    title_language = row.title_language
    lang = ""
    if title_language != page_language:
        lang = f' lang="{"zh-Hans" if title_language == "zh" else _e(title_language)}"'
    meta = escaped[row.meta]
    if row.has_interpretation:
        meta += " · " + texts.interpretation
    if row.is_virtual:
        meta += " " + texts.virtual
    speakers = f'<p class="session-speakers">{_e(row.speakers)}</p>' if row.speakers else ""
    head = f'\n        <li id="session-{row_id}" class="{row.css}">{now}\n          <h4 class="session-title"{lang}>'
    if row.is_cancelled:
        return (
            f"{head}<del>{_e(row.title)}</del></h4>\n          <p class=\"session-meta\">"
            f'<span class="badge badge-cancelled">{texts.cancelled}</span> {meta}</p>{speakers}\n        </li>'
        )
    return (
        f'{head}{_e(row.title)}</h4>\n          <p class="session-meta">{meta}</p>{speakers}'
        '\n          <p class="session-actions no-print">'
        f'\n            <a class="calendar-link" href="{sessions_url}{row_id}/">{texts.calendar}</a>'
        "\n          </p>"
        f"{join_html(row.join, texts) if row.join else ''}\n        </li>"
    )


def _slot_parts(
    slot: AgendaSlot, texts: RowTexts, locale: str, page_language: str, sessions_url: str,
    escaped: Distinct, parts: list[str],
) -> None:
    """Appends one slot's HTML to `parts`, row by row: the day joins them once (a slot
    joined on its own copied each of its rows once more)."""
    state = f" is-{slot.state}" if slot.state else ""
    parts.append(
        f'\n    <li class="slot{state}">'
        f'\n      <p class="slot-times" data-start="{slot.starts_iso}" data-end="{slot.ends_iso}">'
        f'{_cells_html(slot.cells, locale)}</p>\n      <ul class="slot-sessions">'
    )
    parts.extend([_row_html(row, texts, page_language, sessions_url, escaped) for row in slot.rows])
    parts.append("\n      </ul>\n    </li>")


def day_slots_html(day: AgendaDay, page_language: str, sessions_url: str) -> FinishedHtml:
    """The `<ol class="slots">` of one agenda day; `sessions_url` ends with "sessions/"."""
    texts = row_texts()
    locale = str(request_locale())
    url = _e(sessions_url)
    # Rows repeat their meta lines ("Talk · Room 1 · German"): each distinct one is
    # escaped once per render (titles and speakers differ from row to row).
    escaped = Distinct(_e)
    # Every user value went through _e() (tests/events: hostile titles, rooms, names). One
    # join for the day, its list tags included: each further step copied the whole day.
    parts = ['<ol class="slots">']
    for slot in day.slots:
        _slot_parts(slot, texts, locale, page_language, url, escaped, parts)
    parts.append("\n    </ol>")
    return FinishedHtml("".join(parts))


# The characters werkzeug's url_for keeps as they are in a query (what url_for would write).
_QUERY_SAFE = "!$'()*,/:;?@"


def filter_links_html(
    groups: Sequence[tuple[str, str, Sequence[str], Mapping[str, str]]],
    filters: AgendaFilters,
    detail_url: str,
) -> Markup:
    """The agenda's filter groups (day, room, language, topic), each a list of links that
    change that one filter and keep the others: `groups` holds (filter name, title, values,
    value labels). A group shows when it offers a choice or one of its values is chosen.

    Built as plain strings: as a template loop, twenty links cost an urlencode, a merged
    dict and a dozen template calls each, more than the rest of the agenda's head."""
    chosen = dict(zip(AGENDA_FILTERS, filters.key(), strict=True))
    encoded = {name: quote_plus(value, safe=_QUERY_SAFE) for name, value in chosen.items() if value}
    all_text = _e(gettext("All"))
    html = ""
    for name, title, values, names in groups:
        selected = chosen[name]
        if not (len(values) > 1 or (values and selected)):
            continue
        # The other filters' part of the query, in AGENDA_FILTERS order around this one's.
        index = AGENDA_FILTERS.index(name)
        before = [f"{other}={encoded[other]}" for other in AGENDA_FILTERS[:index] if other in encoded]
        after = [f"{other}={encoded[other]}" for other in AGENDA_FILTERS[index + 1:] if other in encoded]
        rest = "&".join(before + after)
        url_all = _e(f"{detail_url}?{rest}" if rest else detail_url)
        current = ' aria-current="true"' if not selected else ""
        title = _e(title)
        html += (
            f'\n    <nav class="filter-group" aria-label="{title}">'
            f'\n      <span class="filter-title">{title}</span>\n      <ul>'
            f'\n        <li><a data-agenda-link href="{url_all}#agenda"{current}>{all_text}</a></li>'
        )
        for value in values:
            query = "&".join([*before, f"{name}={quote_plus(value, safe=_QUERY_SAFE)}", *after])
            url = _e(f"{detail_url}?{query}")
            current = ' aria-current="true"' if selected == value else ""
            html += (
                f'\n        <li><a data-agenda-link href="{url}#agenda"{current}>'
                f"{_e(names.get(value, value))}</a></li>"
            )
        html += "\n      </ul>\n    </nav>"
    # Every value and label in `html` went through _e() (tests/events: hostile rooms, topics).
    return Markup(html)  # noqa: S704
