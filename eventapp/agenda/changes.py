"""Released agenda changes as a reader sees them: on the public event page, in the digest
mail and in the back office's list of releases. Times in the event zone and its partner."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from flask_babel import format_date
from flask_babel import lazy_gettext as _l

from eventapp.display import zone_name
from eventapp.models import AgendaChange, ChangeKind, Event
from eventapp.models.base import pick_translation, translation_language
from eventapp.rules.times import partner_zones, zoned

CHANGE_LABELS = {
    ChangeKind.ADDED: _l("Added"),
    ChangeKind.MOVED: _l("Moved"),
    ChangeKind.CHANGED: _l("Changed"),
    ChangeKind.CANCELLED: _l("Cancelled"),
    ChangeKind.REMOVED: _l("Removed"),
}


def change_label(kind: ChangeKind) -> str:
    return str(CHANGE_LABELS[kind])


def slot_labels(starts_at: datetime, ends_at: datetime, event_zone: str) -> list[str]:
    """One "14 Jan 2027, 09:00–10:00 Berlin (UTC+1)" per zone: the event's, then its partner's
    (each with its own date, which differs across midnight)."""
    labels = []
    for zone in partner_zones(event_zone):
        start, end = zoned(starts_at, zone), zoned(ends_at, zone)
        day = format_date(start.local.date(), "medium")
        labels.append(f"{day}, {start.local:%H:%M}–{end.local:%H:%M} {zone_name(zone)} ({start.offset})")
    return labels


@dataclass(frozen=True)
class ChangeLine:
    """One change, ready to show: labels already in the reader's language."""

    kind: ChangeKind
    kind_label: str
    title: str
    title_language: str
    old_times: list[str]
    new_times: list[str]
    old_room: str | None
    new_room: str | None
    released_at: datetime

    @property
    def is_move(self) -> bool:
        return self.kind == ChangeKind.MOVED and self.old_times != self.new_times

    @property
    def has_room_change(self) -> bool:
        return (self.old_room or "") != (self.new_room or "") and self.kind in (
            ChangeKind.MOVED, ChangeKind.CHANGED)


def change_line(change: AgendaChange, event: Event, language: str) -> ChangeLine:
    """A change row as the reader sees it (call inside the reader's locale)."""
    zone = event.timezone
    old_times = (
        slot_labels(change.old_starts_at, change.old_ends_at, zone)
        if change.old_starts_at and change.old_ends_at else []
    )
    new_times = (
        slot_labels(change.new_starts_at, change.new_ends_at, zone)
        if change.new_starts_at and change.new_ends_at else []
    )
    return ChangeLine(
        kind=change.kind,
        kind_label=change_label(change.kind),
        title=pick_translation(change.title_i18n, language, event.main_language),
        title_language=translation_language(change.title_i18n, language, event.main_language),
        old_times=old_times,
        new_times=new_times,
        old_room=change.old_room,
        new_room=change.new_room,
        released_at=change.created_at,
    )


def change_lines(changes: list[AgendaChange], event: Event, language: str) -> list[ChangeLine]:
    return [change_line(change, event, language) for change in changes]
