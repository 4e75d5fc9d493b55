"""The agenda builder's services: save, move, duplicate, cancel and delete programme items,
see the planned agenda with its conflicts, and release changes to a published agenda.

A draft event's items change at once. On a published (or cancelled) event every change
waits as one `SessionDraft` per item until `release_agenda` applies them all in one
transaction: that raises each item's SEQUENCE (the model listener), writes the public
"agenda changes" list and returns the release for the digest mail. Public pages and feeds
read only `EventSession`, so nothing unreleased can reach them.
"""
from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import date, datetime, timedelta

from flask_babel import lazy_gettext as _l
from sqlalchemy import Integer, bindparam, delete, func, select
from sqlalchemy.orm import Session

from eventapp import audit
from eventapp.events import services as event_services
from eventapp.events.services import SessionData
from eventapp.models import (
    AgendaChange,
    AgendaRelease,
    ChangeKind,
    DraftAction,
    Event,
    EventSession,
    EventStatus,
    SessionDraft,
    SessionKind,
    SessionStatus,
    Speaker,
    User,
    Visibility,
)
from eventapp.models.base import pick_translation, utcnow
from eventapp.models.events import session_speakers
from eventapp.registrations.seats import fill_session_places
from eventapp.rules.conflicts import Conflict, Slot, find_conflicts
from eventapp.rules.errors import RuleError
from eventapp.rules.times import local_to_utc, partner_zones, utc_offset_label, utc_to_local, zoned

LOCAL_FORMAT = "%Y-%m-%dT%H:%M"
MAX_ID = 2**31


class ConflictError(RuleError):
    """Saving would create conflicts: errors always block, warnings until accepted."""

    def __init__(self, conflicts: list[Conflict]) -> None:
        message = conflicts[0].message if conflicts else _l("The agenda has conflicts.")
        super().__init__("starts_at", message)
        self.conflicts = conflicts

    @property
    def has_errors(self) -> bool:
        return any(conflict.is_error for conflict in self.conflicts)


# --- SessionData <-> stored draft data ------------------------------------------------------


def data_to_json(data: SessionData) -> dict:
    """A SessionData as JSON-safe values (local times as ISO text, speakers by id)."""
    return {
        "title": dict(data.title),
        "description": dict(data.description),
        "kind": data.kind.value,
        "starts_local": data.starts_local.strftime(LOCAL_FORMAT),
        "ends_local": data.ends_local.strftime(LOCAL_FORMAT),
        "room": data.room,
        "spoken_language": data.spoken_language,
        "has_interpretation": data.has_interpretation,
        "topics": list(data.topics),
        "is_virtual": data.is_virtual,
        "join_url": data.join_url,
        "join_visibility": data.join_visibility.value,
        "join_reveal_minutes": data.join_reveal_minutes,
        "capacity": data.capacity,
        "speaker_ids": [speaker.id for speaker in data.speakers],
    }


def data_from_json(session: Session, values: dict) -> SessionData:
    """The SessionData a draft holds; speakers that no longer exist are dropped."""
    ids = [int(value) for value in values.get("speaker_ids", [])]
    speakers = list(session.scalars(select(Speaker).where(Speaker.id.in_(ids)))) if ids else []
    speakers.sort(key=lambda speaker: ids.index(speaker.id))
    return SessionData(
        title=dict(values.get("title") or {}),
        description=dict(values.get("description") or {}),
        kind=SessionKind(values["kind"]),
        starts_local=datetime.strptime(values["starts_local"], LOCAL_FORMAT),
        ends_local=datetime.strptime(values["ends_local"], LOCAL_FORMAT),
        room=values.get("room"),
        spoken_language=values.get("spoken_language") or "de",
        has_interpretation=bool(values.get("has_interpretation")),
        topics=list(values.get("topics") or []),
        is_virtual=bool(values.get("is_virtual")),
        join_url=values.get("join_url"),
        join_visibility=Visibility(values.get("join_visibility") or Visibility.PARTICIPANTS.value),
        join_reveal_minutes=values.get("join_reveal_minutes"),
        capacity=values.get("capacity"),
        speakers=speakers,
    )


def data_from_session(item: EventSession) -> SessionData:
    """A saved programme item as SessionData (times as local wall times in the event zone)."""
    zone = item.event.timezone
    return SessionData(
        title=dict(item.title_i18n or {}),
        description=dict(item.description_i18n or {}),
        kind=item.kind,
        starts_local=utc_to_local(item.starts_at, zone).replace(tzinfo=None),
        ends_local=utc_to_local(item.ends_at, zone).replace(tzinfo=None),
        room=item.room,
        spoken_language=item.spoken_language,
        has_interpretation=item.has_interpretation,
        topics=list(item.topics or []),
        is_virtual=item.is_virtual,
        join_url=item.join_url,
        join_visibility=item.join_visibility,
        join_reveal_minutes=item.join_reveal_minutes,
        capacity=item.capacity,
        speakers=list(item.speakers),
    )


# --- The planned agenda: saved items with pending changes laid over them ---------------------


@dataclass(frozen=True)
class PlannedSession:
    """One programme item as the organiser plans it: saved values, or its pending draft's.

    `key` names it in forms and URLs: "s<session id>" for a saved item, "d<draft id>" for
    one that exists only as a draft.
    """

    key: str
    session_id: int | None
    draft_id: int | None
    pending: DraftAction | None
    title_i18n: dict
    kind: SessionKind
    status: SessionStatus
    starts_at: datetime
    ends_at: datetime
    room: str | None
    spoken_language: str
    is_virtual: bool
    speakers: tuple[tuple[int, str], ...]

    @property
    def is_cancelled(self) -> bool:
        return self.status == SessionStatus.CANCELLED

    def title(self, language: str, main_language: str) -> str:
        return pick_translation(self.title_i18n, language, main_language)

    def slot(self, language: str, main_language: str) -> Slot:
        return Slot(
            key=self.key,
            title=self.title(language, main_language),
            starts_at=self.starts_at,
            ends_at=self.ends_at,
            room=self.room,
            speakers=self.speakers,
            is_break=self.kind == SessionKind.BREAK,
            is_cancelled=self.is_cancelled,
        )


_PLANNED_COLUMNS = (
    EventSession.id,
    EventSession.title_i18n,
    EventSession.kind,
    EventSession.status,
    EventSession.starts_at,
    EventSession.ends_at,
    EventSession.room,
    EventSession.spoken_language,
    EventSession.is_virtual,
)


def is_staged(event: Event) -> bool:
    """Whether changes to this event's agenda wait for a release (it has been published)."""
    return event.status != EventStatus.DRAFT


def list_planned_sessions(session: Session, event: Event) -> list[PlannedSession]:
    """Saved items with their pending drafts laid over them, plus draft-only items, ordered by
    start, room and key. Four queries whatever the agenda's size."""
    speaker_rows = session.execute(
        select(session_speakers.c.session_id, Speaker.id, Speaker.name)
        .join(Speaker, Speaker.id == session_speakers.c.speaker_id)
        .join(EventSession, EventSession.id == session_speakers.c.session_id)
        .where(EventSession.event_id == event.id)
        .order_by(session_speakers.c.session_id, Speaker.name)
    )
    speakers_of: dict[int, list[tuple[int, str]]] = {}
    for session_id, speaker_id, name in speaker_rows:
        speakers_of.setdefault(session_id, []).append((speaker_id, name))
    drafts = list(
        session.scalars(
            select(SessionDraft).where(SessionDraft.event_id == event.id).order_by(SessionDraft.id)
        )
    )
    draft_speaker_ids = {
        int(speaker_id) for draft in drafts for speaker_id in draft.data.get("speaker_ids", [])
    }
    names: dict[int, str] = {}
    if draft_speaker_ids:
        names = {
            speaker_id: name
            for speaker_id, name in session.execute(
                select(Speaker.id, Speaker.name).where(Speaker.id.in_(draft_speaker_ids))
            )
        }
    by_session = {draft.session_id: draft for draft in drafts if draft.session_id is not None}
    planned: list[PlannedSession] = []
    for row in session.execute(
        select(*_PLANNED_COLUMNS).where(EventSession.event_id == event.id)
    ):
        saved = PlannedSession(
            key=f"s{row.id}", session_id=row.id, draft_id=None, pending=None,
            title_i18n=row.title_i18n or {}, kind=row.kind, status=row.status,
            starts_at=row.starts_at, ends_at=row.ends_at, room=row.room,
            spoken_language=row.spoken_language, is_virtual=row.is_virtual,
            speakers=tuple(speakers_of.get(row.id, ())),
        )
        draft = by_session.get(row.id)
        planned.append(_overlay(saved, draft, event, names) if draft else saved)
    for draft in drafts:
        if draft.session_id is None:
            planned.append(_from_draft(draft, event, names))
    planned.sort(key=lambda item: (item.starts_at, item.room or "", item.key))
    return planned


def _draft_fields(draft: SessionDraft, event: Event, names: dict[int, str]) -> dict:
    values = draft.data
    return {
        "draft_id": draft.id,
        "pending": draft.action,
        "title_i18n": values.get("title") or {},
        "kind": SessionKind(values["kind"]),
        "starts_at": local_to_utc(
            datetime.strptime(values["starts_local"], LOCAL_FORMAT), event.timezone
        ),
        "ends_at": local_to_utc(datetime.strptime(values["ends_local"], LOCAL_FORMAT), event.timezone),
        "room": values.get("room"),
        "spoken_language": values.get("spoken_language") or "de",
        "is_virtual": bool(values.get("is_virtual") or values.get("join_url")),
        "speakers": tuple(
            (int(speaker_id), names[int(speaker_id)])
            for speaker_id in values.get("speaker_ids", [])
            if int(speaker_id) in names
        ),
    }


def _overlay(
    saved: PlannedSession, draft: SessionDraft, event: Event, names: dict[int, str]
) -> PlannedSession:
    fields = _draft_fields(draft, event, names)
    if draft.action == DraftAction.CANCEL:
        fields["status"] = SessionStatus.CANCELLED
    return replace(saved, **fields)


def _from_draft(draft: SessionDraft, event: Event, names: dict[int, str]) -> PlannedSession:
    return PlannedSession(
        key=f"d{draft.id}", session_id=None, status=SessionStatus.SCHEDULED,
        **_draft_fields(draft, event, names),
    )


def planned_conflicts(
    planned: list[PlannedSession], event: Event, language: str, only_key: str | None = None
) -> list[Conflict]:
    """The conflicts of a planned agenda (or only those of one item)."""
    return find_conflicts(
        (item.slot(language, event.main_language) for item in planned),
        event.starts_at, event.ends_at, only_key,
    )


# --- Looking items up by key ------------------------------------------------------------------


@dataclass
class ItemRef:
    """A programme item by key: its saved row, its draft, or both."""

    key: str
    item: EventSession | None
    draft: SessionDraft | None

    def data(self, session: Session) -> SessionData:
        """What the organiser sees now: the draft's values, else the saved ones."""
        if self.draft is not None:
            return data_from_json(session, self.draft.data)
        assert self.item is not None  # noqa: S101 (a ref always has one of the two)
        return data_from_session(self.item)


def get_item(session: Session, event: Event, key: str) -> ItemRef | None:
    """The item of this event named by `key` ("s12" or "d5"); None for anything else."""
    if len(key) < 2 or len(key) > 10 or key[0] not in "sd" or not key[1:].isascii() \
            or not key[1:].isdigit():
        return None
    number = int(key[1:])
    if not 0 < number < MAX_ID:  # PostgreSQL integers overflow above 2**31 - 1
        return None
    if key[0] == "s":
        item = session.scalar(
            select(EventSession).where(EventSession.id == number, EventSession.event_id == event.id)
        )
        if item is None:
            return None
        draft = session.scalar(select(SessionDraft).where(SessionDraft.session_id == item.id))
        return ItemRef(key, item, draft)
    draft = session.scalar(
        select(SessionDraft).where(
            SessionDraft.id == number,
            SessionDraft.event_id == event.id,
            SessionDraft.session_id.is_(None),
        )
    )
    return None if draft is None else ItemRef(key, None, draft)


# --- Saving -------------------------------------------------------------------------------------


def _check_conflicts(
    session: Session,
    event: Event,
    data: SessionData,
    key: str | None,
    accept_warnings: bool,
    language: str,
    *,
    is_cancelled: bool = False,
) -> None:
    if is_cancelled:
        return
    values = event_services.session_values(event, data)
    candidate_key = key or "new"
    candidate = Slot(
        key=candidate_key,
        title=pick_translation(data.title, language, event.main_language),
        starts_at=values["starts_at"],
        ends_at=values["ends_at"],
        room=data.room,
        speakers=tuple((speaker.id, speaker.name) for speaker in data.speakers),
        is_break=data.kind == SessionKind.BREAK,
    )
    others = [
        item.slot(language, event.main_language)
        for item in list_planned_sessions(session, event)
        if item.key != key
    ]
    conflicts = find_conflicts([*others, candidate], event.starts_at, event.ends_at, candidate_key)
    if any(conflict.is_error for conflict in conflicts) or (conflicts and not accept_warnings):
        raise ConflictError(conflicts)


def save_session(
    session: Session,
    event: Event,
    data: SessionData,
    actor: User | None,
    *,
    key: str | None = None,
    accept_warnings: bool = False,
    language: str = "de",
) -> str:
    """Add (no key) or change a programme item; returns its key.

    Refuses what the session rules refuse, conflicts that are errors, and warnings not
    accepted. On a published event the change waits as a draft until released.
    """
    ref = get_item(session, event, key) if key else None
    if key and ref is None:
        raise RuleError("starts_at", _l("This programme item does not exist."))
    event_services.session_values(event, data)  # the field rules first, for field messages
    is_cancelled = bool(
        ref and ((ref.item is not None and ref.item.is_cancelled and ref.draft is None)
                 or (ref.draft is not None and ref.draft.action == DraftAction.CANCEL))
    )
    _check_conflicts(session, event, data, key, accept_warnings, language, is_cancelled=is_cancelled)
    title = pick_translation(data.title, language, event.main_language)
    if not is_staged(event):
        if ref is None:
            item = event_services.add_session(session, event, data)
            audit.record(session, actor, "session.create", "session", item.id, event_id=event.id,
                         summary=title, changes=data_to_json(data))
            return f"s{item.id}"
        assert ref.item is not None  # noqa: S101 (draft events have no drafts)
        before = data_to_json(data_from_session(ref.item))
        event_services.update_session(session, ref.item, data)
        audit.record(session, actor, "session.update", "session", ref.item.id, event_id=event.id,
                     summary=title, changes=audit.diff(before, data_to_json(data)))
        return ref.key
    now = utcnow()
    values = data_to_json(data)
    if ref is None:
        draft = SessionDraft(event_id=event.id, session_id=None, action=DraftAction.CREATE,
                             data=values, created_by_id=actor.id if actor else None,
                             created_at=now, updated_at=now)
        session.add(draft)
        session.flush()
        audit.record(session, actor, "session.stage_create", "session_draft", draft.id,
                     event_id=event.id, summary=title, changes=values)
        return f"d{draft.id}"
    if ref.draft is None:
        assert ref.item is not None  # noqa: S101
        before = data_to_json(data_from_session(ref.item))
        if before == values:
            return ref.key
        ref.draft = SessionDraft(event_id=event.id, session_id=ref.item.id,
                                 action=DraftAction.UPDATE, data=values,
                                 created_by_id=actor.id if actor else None,
                                 created_at=now, updated_at=now)
        session.add(ref.draft)
    else:
        before = dict(ref.draft.data)
        ref.draft.data = values
        ref.draft.updated_at = now
    session.flush()
    audit.record(session, actor, "session.stage_update", "session", ref.item.id if ref.item else None,
                 event_id=event.id, summary=title, changes=audit.diff(before, values))
    return ref.key


def move_session(
    session: Session,
    event: Event,
    key: str,
    starts_local: datetime,
    room: str | None,
    actor: User | None,
    *,
    accept_warnings: bool = False,
    language: str = "de",
) -> str:
    """Move an item to a new local start (keeping its length) and room; refuses what
    save_session refuses."""
    ref = get_item(session, event, key)
    if ref is None:
        raise RuleError("starts_at", _l("This programme item does not exist."))
    data = ref.data(session)
    length = data.ends_local - data.starts_local
    moved = replace(data, starts_local=starts_local, ends_local=starts_local + length, room=room)
    return save_session(session, event, moved, actor, key=key,
                        accept_warnings=accept_warnings, language=language)


def duplicate_session(
    session: Session, event: Event, key: str, actor: User | None, *, language: str = "de"
) -> str:
    """A copy of an item (same times, no room and no speakers, so that it conflicts with
    nothing); its key. Refuses unknown items."""
    ref = get_item(session, event, key)
    if ref is None:
        raise RuleError("starts_at", _l("This programme item does not exist."))
    copy = replace(ref.data(session), room=None, speakers=[])
    return save_session(session, event, copy, actor, accept_warnings=True, language=language)


def cancel_session(session: Session, event: Event, key: str, actor: User | None) -> None:
    """Cancel an item: at once on a draft event, with the next release on a published one.
    Refuses items that exist only as drafts (delete those) and items already cancelled."""
    ref = get_item(session, event, key)
    if ref is None or ref.item is None:
        raise RuleError("starts_at", _l("Only saved programme items can be cancelled."))
    if ref.item.is_cancelled or (ref.draft is not None and ref.draft.action == DraftAction.CANCEL):
        raise RuleError("starts_at", _l("This programme item is already cancelled."))
    title = ref.item.text("title", event.main_language)
    if not is_staged(event):
        event_services.cancel_session(session, ref.item)
        audit.record(session, actor, "session.cancel", "session", ref.item.id,
                     event_id=event.id, summary=title)
        return
    now = utcnow()
    if ref.draft is None:
        ref.draft = SessionDraft(event_id=event.id, session_id=ref.item.id,
                                 action=DraftAction.CANCEL,
                                 data=data_to_json(data_from_session(ref.item)),
                                 created_by_id=actor.id if actor else None,
                                 created_at=now, updated_at=now)
        session.add(ref.draft)
    else:
        ref.draft.action = DraftAction.CANCEL
        ref.draft.updated_at = now
    session.flush()
    audit.record(session, actor, "session.stage_cancel", "session", ref.item.id,
                 event_id=event.id, summary=title)


def delete_session(session: Session, event: Event, key: str, actor: User | None) -> None:
    """Delete an item of a draft event, or one that exists only as a draft; refuses released
    items of a published event (cancel them: calendars must see them go)."""
    ref = get_item(session, event, key)
    if ref is None:
        raise RuleError("starts_at", _l("This programme item does not exist."))
    if ref.item is None:
        assert ref.draft is not None  # noqa: S101
        title = pick_translation(ref.draft.data.get("title"), event.main_language, event.main_language)
        audit.record(session, actor, "session.discard_new", "session_draft", ref.draft.id,
                     event_id=event.id, summary=title)
        session.delete(ref.draft)
        session.flush()
        return
    if is_staged(event):
        raise RuleError(
            "starts_at",
            _l("A published programme item cannot be deleted; cancel it so that calendars "
               "show it as cancelled."),
        )
    title = ref.item.text("title", event.main_language)
    audit.record(session, actor, "session.delete", "session", ref.item.id, event_id=event.id,
                 summary=title, changes=data_to_json(data_from_session(ref.item)))
    session.delete(ref.item)
    session.flush()


def discard_draft(session: Session, event: Event, key: str, actor: User | None) -> None:
    """Drop an item's pending change (a draft-only item disappears); refuses items without one."""
    ref = get_item(session, event, key)
    if ref is None or ref.draft is None:
        raise RuleError("starts_at", _l("This programme item has no pending change."))
    audit.record(session, actor, "session.discard_draft", "session_draft", ref.draft.id,
                 event_id=event.id,
                 summary=pick_translation(ref.draft.data.get("title"), event.main_language,
                                          event.main_language))
    session.delete(ref.draft)
    session.flush()


# --- Releasing ---------------------------------------------------------------------------------


def count_drafts(session: Session, event: Event) -> int:
    return session.scalar(
        select(func.count()).select_from(SessionDraft).where(SessionDraft.event_id == event.id)
    ) or 0


def release_agenda(
    session: Session,
    event: Event,
    actor: User | None,
    *,
    language: str = "de",
    note: dict[str, str] | None = None,
) -> AgendaRelease:
    """Apply every pending change of a published agenda in one transaction and write the
    public changes list. Refuses an agenda with no pending change or with conflicts that
    are errors."""
    drafts = list(
        session.scalars(
            select(SessionDraft).where(SessionDraft.event_id == event.id).order_by(SessionDraft.id)
        )
    )
    if not drafts:
        raise RuleError("release", _l("There are no changes to release."))
    planned = list_planned_sessions(session, event)
    pending = {item.key for item in planned if item.pending is not None}
    # Only conflicts a pending change is part of block: an old clash elsewhere must not
    # hold back the release that fixes something else.
    errors = [
        conflict
        for conflict in planned_conflicts(planned, event, language)
        if conflict.is_error and pending.intersection(conflict.keys)
    ]
    if errors:
        raise ConflictError(errors)
    number = (
        session.scalar(
            select(func.max(AgendaRelease.number)).where(AgendaRelease.event_id == event.id)
        )
        or 0
    ) + 1
    release = AgendaRelease(event_id=event.id, number=number, released_at=utcnow(),
                            released_by_id=actor.id if actor else None,
                            note_i18n=dict(note or {}))
    session.add(release)
    session.flush()
    items = {
        item.id: item
        for item in session.scalars(
            select(EventSession).where(
                EventSession.id.in_([d.session_id for d in drafts if d.session_id is not None])
            )
        )
    }
    raised = []
    for draft in drafts:
        data = data_from_json(session, draft.data)
        if draft.session_id is None:
            item = event_services.add_session(session, event, data)
            _change(session, release, item, ChangeKind.ADDED, None, None, None)
            continue
        item = items[draft.session_id]
        old = (item.starts_at, item.ends_at, item.room)
        old_content = data_to_json(data_from_session(item))
        old_capacity = item.capacity
        event_services.update_session(session, item, data)
        if old_capacity is not None and (item.capacity is None or item.capacity > old_capacity):
            raised.append(item.id)
        if draft.action == DraftAction.CANCEL:
            event_services.cancel_session(session, item)
            _change(session, release, item, ChangeKind.CANCELLED, *old)
        elif old != (item.starts_at, item.ends_at, item.room):
            _change(session, release, item, ChangeKind.MOVED, *old)
        elif old_content != data_to_json(data):
            _change(session, release, item, ChangeKind.CHANGED, *old)
    session.execute(delete(SessionDraft).where(SessionDraft.event_id == event.id))
    session.flush()
    audit.record(session, actor, "agenda.release", "event", event.id, event_id=event.id,
                 summary=f"#{number}", changes={"changes": len(release.changes)})
    # A session whose capacity the release raised gives its new places to its waiting list.
    fill_session_places(session, event, raised)
    return release


def _change(
    session: Session,
    release: AgendaRelease,
    item: EventSession,
    kind: ChangeKind,
    old_starts_at: datetime | None,
    old_ends_at: datetime | None,
    old_room: str | None,
) -> None:
    change = AgendaChange(
        event_id=release.event_id,
        session_id=item.id,
        kind=kind,
        title_i18n=dict(item.title_i18n or {}),
        old_starts_at=old_starts_at,
        old_ends_at=old_ends_at,
        new_starts_at=item.starts_at,
        new_ends_at=item.ends_at,
        old_room=old_room,
        new_room=item.room,
        created_at=release.released_at,
    )
    release.changes.append(change)
    session.add(change)


# Built once (every render of an event page runs it): see events/services._EVENT_QUERY.
_CHANGES_QUERY = (
    select(AgendaChange)
    .where(AgendaChange.event_id == bindparam("event_id"))
    .order_by(AgendaChange.created_at.desc(), AgendaChange.id)
    .limit(bindparam("limit", type_=Integer))
)


def list_agenda_changes(session: Session, event_id: int, limit: int = 50) -> list[AgendaChange]:
    """The public changes list of an event, newest release first (one query)."""
    return list(session.scalars(_CHANGES_QUERY, {"event_id": event_id, "limit": limit}))


# --- Rooms ---------------------------------------------------------------------------------------

ROOM_MAX_LENGTH = 120


def room_key(room: str) -> str:
    """A room name as the rules compare it (spacing and case ignored)."""
    return " ".join(room.split()).casefold()


def add_room(session: Session, event: Event, name: str, actor: User | None) -> str:
    """Add a room to the event's list (returns its tidied name); refuses empty names, names
    over 120 characters and rooms already listed."""
    name = " ".join((name or "").split())
    if not name:
        raise RuleError("name", _l("Please name the room."))
    if len(name) > ROOM_MAX_LENGTH:
        raise RuleError("name", _l("A room name may have at most %(count)s characters.",
                                   count=ROOM_MAX_LENGTH))
    if any(room_key(room) == room_key(name) for room in event.rooms or []):
        raise RuleError("name", _l("%(room)s is already listed.", room=name))
    event.rooms = [*(event.rooms or []), name]
    session.flush()
    audit.record(session, actor, "event.add_room", "event", event.id, event_id=event.id,
                 summary=name, changes={"rooms": list(event.rooms)})
    return name


def remove_room(session: Session, event: Event, name: str, actor: User | None) -> None:
    """Remove a room from the event's list; refuses rooms not listed and rooms that a
    programme item (saved, pending or cancelled) names."""
    listed = [room for room in event.rooms or [] if room == name]
    if not listed:
        raise RuleError("name", _l("This room is not listed."))
    if room_key(name) in used_rooms(list_planned_sessions(session, event)):
        raise RuleError("name", _l("%(room)s is still used by programme items.", room=name))
    event.rooms = [room for room in event.rooms or [] if room != name]
    session.flush()
    audit.record(session, actor, "event.remove_room", "event", event.id, event_id=event.id,
                 summary=name, changes={"rooms": list(event.rooms)})


def used_rooms(planned: list[PlannedSession]) -> set[str]:
    """The rooms planned items use (cancelled ones too), compared like the conflict rules do."""
    return {room_key(item.room) for item in planned if item.room and item.room.strip()}


def room_columns(event: Event, planned: list[PlannedSession]) -> list[str | None]:
    """The grid's columns: the listed rooms in order, then unlisted rooms items use (by name),
    then None for "no room"."""
    listed = list(event.rooms or [])
    known = {room_key(room) for room in listed}
    extra: dict[str, str] = {}
    for item in planned:
        if item.room and item.room.strip() and room_key(item.room) not in known:
            extra.setdefault(room_key(item.room), item.room)
    return [*listed, *sorted(extra.values(), key=str.casefold), None]


# --- The day-by-room grid ---------------------------------------------------------------------


@dataclass(frozen=True)
class ZoneSpan:
    """An item's start and end in one zone; the shifts count days from the grid's day."""

    zone: str
    start: str
    end: str
    start_shift: int
    end_shift: int
    offset: str
    is_event_zone: bool


@dataclass(frozen=True)
class AgendaCard:
    """One item as the grid shows it."""

    item: PlannedSession
    title: str
    times: tuple[ZoneSpan, ...]
    has_conflict: bool
    has_error: bool

    @property
    def key(self) -> str:
        return self.item.key


@dataclass
class GridCell:
    """One <td>: the cards of one room that overlap in time (usually one), or an empty slot."""

    starts_local: str
    room: str | None
    rowspan: int
    cards: list[AgendaCard]


@dataclass
class GridRow:
    starts_local: str
    label: str
    cells: list[GridCell]


@dataclass
class GridDay:
    day: date
    rows: list[GridRow]


def _zone_spans(item: PlannedSession, event_zone: str, day: date) -> tuple[ZoneSpan, ...]:
    spans = []
    for zone in partner_zones(event_zone):
        start = zoned(item.starts_at, zone).local
        end = zoned(item.ends_at, zone).local
        spans.append(ZoneSpan(
            zone=zone, start=f"{start:%H:%M}", end=f"{end:%H:%M}",
            start_shift=(start.date() - day).days, end_shift=(end.date() - day).days,
            offset=utc_offset_label(start), is_event_zone=zone == event_zone,
        ))
    return tuple(spans)


def build_agenda_grid(
    event: Event, planned: list[PlannedSession], conflicts: list[Conflict], language: str
) -> tuple[list[str | None], list[GridDay]]:
    """The planned agenda as one table per local day: columns are rooms, rows the distinct
    start/end boundaries (and full hours between them) of the day."""
    columns = room_columns(event, planned)
    column_of = {room_key(room): index for index, room in enumerate(columns) if room is not None}
    no_room = len(columns) - 1
    error_keys = {key for conflict in conflicts if conflict.is_error for key in conflict.keys}
    warning_keys = {key for conflict in conflicts for key in conflict.keys}
    zone = event.timezone
    by_day: dict[date, list[tuple[datetime, datetime, int, AgendaCard]]] = {}
    for item in planned:
        starts = utc_to_local(item.starts_at, zone).replace(tzinfo=None)
        ends = utc_to_local(item.ends_at, zone).replace(tzinfo=None)
        day = starts.date()
        card = AgendaCard(
            item=item, title=item.title(language, event.main_language),
            times=_zone_spans(item, zone, day),
            has_conflict=item.key in warning_keys, has_error=item.key in error_keys,
        )
        column = column_of.get(room_key(item.room), no_room) if item.room else no_room
        by_day.setdefault(day, []).append((starts, ends, column, card))
    days = []
    for day in sorted(by_day):
        days.append(GridDay(day, _day_rows(by_day[day], columns)))
    return columns, days


def _day_rows(
    entries: list[tuple[datetime, datetime, int, AgendaCard]], columns: list[str | None]
) -> list[GridRow]:
    boundaries = {moment for starts, ends, _column, _card in entries for moment in (starts, ends)}
    first, last = min(boundaries), max(boundaries)
    hour = first.replace(minute=0) + timedelta(hours=1)
    while hour < last:
        boundaries.add(hour)
        hour += timedelta(hours=1)
    ordered = sorted(boundaries)
    index = {moment: number for number, moment in enumerate(ordered)}
    row_count = len(ordered) - 1
    starting: list[dict[int, GridCell]] = [{} for _ in range(row_count)]
    covered = [[False] * len(columns) for _ in range(row_count)]
    per_column: dict[int, list[tuple[datetime, datetime, AgendaCard]]] = {}
    for starts, ends, column, card in entries:
        per_column.setdefault(column, []).append((starts, ends, card))
    for column, items in per_column.items():
        items.sort(key=lambda entry: (entry[0], entry[1], entry[2].key))
        cluster: list[tuple[datetime, datetime, AgendaCard]] = []
        cluster_end = items[0][0]
        for entry in [*items, None]:
            if cluster and (entry is None or entry[0] >= cluster_end):
                top, bottom = index[cluster[0][0]], index[cluster_end]
                starting[top][column] = GridCell(
                    f"{cluster[0][0]:%Y-%m-%dT%H:%M}", columns[column], bottom - top,
                    [card for _starts, _ends, card in cluster],
                )
                for row in range(top, bottom):
                    covered[row][column] = True
                cluster = []
            if entry is not None:
                cluster_end = max(cluster_end, entry[1]) if cluster else entry[1]
                cluster.append(entry)
    rows = []
    for number in range(row_count):
        moment = ordered[number]
        local = f"{moment:%Y-%m-%dT%H:%M}"
        cells = []
        for column, room in enumerate(columns):
            cell = starting[number].get(column)
            if cell is not None:
                cells.append(cell)
            elif not covered[number][column]:
                cells.append(GridCell(local, room, 1, []))
        rows.append(GridRow(local, f"{moment:%H:%M}", cells))
    return rows


def list_event_days(event: Event) -> list[date]:
    """The local days (event zone) the event spans."""
    first = utc_to_local(event.starts_at, event.timezone).date()
    last = utc_to_local(event.ends_at, event.timezone).date()
    return [first + timedelta(days=number) for number in range((last - first).days + 1)]


def preview_times(event: Event, starts_local: datetime, ends_local: datetime) -> tuple[ZoneSpan, ...]:
    """An item's local times in the event zone and the partner zone; refuses local times that
    do not exist or are ambiguous (as saving would)."""
    starts_at = local_to_utc(starts_local, event.timezone, "starts_at")
    ends_at = local_to_utc(ends_local, event.timezone, "ends_at")
    probe = PlannedSession(
        key="new", session_id=None, draft_id=None, pending=None, title_i18n={},
        kind=SessionKind.TALK, status=SessionStatus.SCHEDULED, starts_at=starts_at,
        ends_at=ends_at, room=None, spoken_language="de", is_virtual=False, speakers=(),
    )
    return _zone_spans(probe, event.timezone, starts_local.date())


def list_speakers(session: Session) -> list[Speaker]:
    """Every speaker, by name, for the item form's choice (one query)."""
    return list(session.scalars(select(Speaker).order_by(Speaker.name, Speaker.id)))
