"""Agenda conflicts: the only home of the rules that compare programme items.

Errors block saving (a room used twice at once, a speaker in two places at once, an item
outside its event's dates); warnings are shown but do not block (a break overlapping a talk
in the same room, which is how a coffee corner at the back of a hall looks).
"""
from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

from flask_babel import lazy_gettext as _l

ERROR = "error"
WARNING = "warning"


@dataclass(frozen=True)
class Slot:
    """What the rules need of one programme item (saved, pending or about to be saved)."""

    key: str
    title: str
    starts_at: datetime
    ends_at: datetime
    room: str | None
    speakers: tuple[tuple[int, str], ...] = ()
    is_break: bool = False
    is_cancelled: bool = False


@dataclass(frozen=True)
class Conflict:
    code: str  # "room", "speaker", "outside", "break"
    severity: str  # ERROR or WARNING
    keys: tuple[str, ...]
    message: object  # a lazy translation

    @property
    def is_error(self) -> bool:
        return self.severity == ERROR


def _overlaps(first: Slot, second: Slot) -> bool:
    return first.starts_at < second.ends_at and second.starts_at < first.ends_at


def _overlapping_pairs(slots: list[Slot]) -> Iterable[tuple[Slot, Slot]]:
    """Every overlapping pair of a group, by a sweep over the start times."""
    ordered = sorted(slots, key=lambda slot: (slot.starts_at, slot.ends_at, slot.key))
    active: list[Slot] = []
    for slot in ordered:
        active = [other for other in active if other.ends_at > slot.starts_at]
        for other in active:
            yield other, slot
        active.append(slot)


def _room_key(room: str) -> str:
    return " ".join(room.split()).casefold()


def find_conflicts(
    slots: Iterable[Slot],
    event_starts_at: datetime,
    event_ends_at: datetime,
    only_key: str | None = None,
) -> list[Conflict]:
    """Conflicts among the items (cancelled ones never conflict); with `only_key`, only those
    that involve that item. Errors come before warnings."""
    live = [slot for slot in slots if not slot.is_cancelled]
    found: list[Conflict] = []
    for slot in live:
        if slot.starts_at < event_starts_at or slot.ends_at > event_ends_at:
            found.append(
                Conflict(
                    "outside", ERROR, (slot.key,),
                    _l("“%(title)s” lies outside the dates of the event.", title=slot.title),
                )
            )
    by_room: dict[str, list[Slot]] = defaultdict(list)
    for slot in live:
        if slot.room and slot.room.strip():
            by_room[_room_key(slot.room)].append(slot)
    for group in by_room.values():
        for first, second in _overlapping_pairs(group):
            if first.is_break and second.is_break:
                continue
            if first.is_break or second.is_break:
                found.append(
                    Conflict(
                        "break", WARNING, (first.key, second.key),
                        _l(
                            "The break “%(first)s” overlaps “%(second)s” in %(room)s.",
                            first=(first if first.is_break else second).title,
                            second=(second if first.is_break else first).title,
                            room=first.room,
                        ),
                    )
                )
            else:
                found.append(
                    Conflict(
                        "room", ERROR, (first.key, second.key),
                        _l(
                            "%(room)s is used twice at once: “%(first)s” and “%(second)s”.",
                            room=first.room, first=first.title, second=second.title,
                        ),
                    )
                )
    by_speaker: dict[int, list[Slot]] = defaultdict(list)
    names: dict[int, str] = {}
    for slot in live:
        for speaker_id, name in slot.speakers:
            by_speaker[speaker_id].append(slot)
            names[speaker_id] = name
    for speaker_id, group in by_speaker.items():
        for first, second in _overlapping_pairs(group):
            found.append(
                Conflict(
                    "speaker", ERROR, (first.key, second.key),
                    _l(
                        "%(name)s would be in two places at once: “%(first)s” and “%(second)s”.",
                        name=names[speaker_id], first=first.title, second=second.title,
                    ),
                )
            )
    if only_key is not None:
        found = [conflict for conflict in found if only_key in conflict.keys]
    found.sort(key=lambda conflict: (conflict.severity != ERROR, conflict.code, conflict.keys))
    return found
