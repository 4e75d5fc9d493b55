"""Typed models, one module per area, plus the listener that versions events.

Every change to an event or to what hangs off it raises `Event.version` (the key of
rendered-page caches and ETags); a change to the event or session row itself also raises
its iCalendar SEQUENCE. Doing this in one flush listener means no service can forget it.
"""
from __future__ import annotations

from typing import Any

from sqlalchemy import event as sa_event
from sqlalchemy import inspect
from sqlalchemy.orm import Session as OrmSession

from eventapp.models.base import pick_translation, utcnow
from eventapp.models.documents import Document
from eventapp.models.enums import (
    AttendanceMode,
    Country,
    DocumentKind,
    EventFormat,
    EventKind,
    EventStatus,
    OrganisationKind,
    ParticipantType,
    RegistrationStatus,
    SessionKind,
    SessionStatus,
    Topic,
    UserRole,
    VideoPlatform,
    Visibility,
)
from eventapp.models.events import Event, EventParticipant, EventSession, EventTopic, Speaker
from eventapp.models.geo import City, Organisation
from eventapp.models.organising import (
    AgendaChange,
    AgendaRelease,
    AuditEntry,
    ChangeKind,
    DraftAction,
    EventOrganiser,
    SessionDraft,
)
from eventapp.models.outbox import MailStatus, OutboxMail
from eventapp.models.registrations import Registration, RegistrationSession
from eventapp.models.users import User
from eventapp.models.virtual import SessionAttendance, SessionReminder

__all__ = [
    "AgendaChange",
    "AgendaRelease",
    "AttendanceMode",
    "AuditEntry",
    "ChangeKind",
    "DraftAction",
    "EventOrganiser",
    "SessionDraft",
    "City",
    "Country",
    "Document",
    "DocumentKind",
    "Event",
    "EventFormat",
    "EventKind",
    "EventParticipant",
    "EventSession",
    "EventStatus",
    "EventTopic",
    "MailStatus",
    "Organisation",
    "OutboxMail",
    "OrganisationKind",
    "ParticipantType",
    "Registration",
    "RegistrationSession",
    "RegistrationStatus",
    "SessionAttendance",
    "SessionKind",
    "SessionReminder",
    "SessionStatus",
    "Speaker",
    "Topic",
    "User",
    "UserRole",
    "VideoPlatform",
    "Visibility",
    "pick_translation",
]

# Columns whose change is bookkeeping, not content: they raise no SEQUENCE.
_BOOKKEEPING = {
    "sequence", "version", "updated_at", "taken_onsite", "taken_online", "taken", "archived_at",
}
# Collections that are part of what a calendar item says (CATEGORIES, speakers).
_CONTENT_COLLECTIONS = ("topic_links", "speakers")


def _content_changed(obj: Any) -> bool:
    state = inspect(obj)
    for attr in state.mapper.column_attrs:
        if attr.key in _BOOKKEEPING:
            continue
        if state.attrs[attr.key].history.has_changes():
            return True
    return any(
        key in state.mapper.relationships and state.attrs[key].history.has_changes()
        for key in _CONTENT_COLLECTIONS
    )


def _event_of(obj: Any) -> Event | None:
    if isinstance(obj, Event):
        return obj
    if isinstance(obj, (EventSession, Document, EventTopic, EventParticipant)):
        return obj.event if not isinstance(obj, EventTopic) else None
    return None


@sa_event.listens_for(OrmSession, "before_flush")
def _version_events(session: OrmSession, _context: Any, _instances: Any) -> None:
    now = utcnow()
    touched: set[Event] = set()
    for obj in list(session.dirty):
        if isinstance(obj, (Event, EventSession)) and _content_changed(obj):
            obj.sequence = (obj.sequence or 0) + 1
            obj.updated_at = now
            if isinstance(obj, Event):
                # A session's SEQUENCE is its own plus its event's (a cancelled or renamed
                # event changes every session's item): LAST-MODIFIED and DTSTAMP follow.
                for item in obj.sessions:
                    item.updated_at = now
        if isinstance(obj, Speaker) and session.is_modified(obj):
            obj.version = (obj.version or 0) + 1
            # A session's calendar item names its speakers: their change is its change.
            for item in obj.sessions:
                item.sequence = (item.sequence or 0) + 1
                item.updated_at = now
                touched.add(item.event)
    for obj in (*session.new, *session.dirty, *session.deleted):
        if isinstance(obj, Event):
            if obj in session.new or session.is_modified(obj):
                touched.add(obj)
        elif isinstance(obj, EventTopic):
            parent = session.get(Event, obj.event_id) if obj.event_id else None
            if parent is not None:
                touched.add(parent)
        else:
            parent = _event_of(obj)
            if parent is not None and (obj in session.new or obj in session.deleted
                                       or session.is_modified(obj)):
                touched.add(parent)
    for parent in touched:
        if parent in session.new:
            continue
        if inspect(parent).attrs["version"].history.has_changes():
            continue
        parent.version = (parent.version or 0) + 1
        parent.updated_at = now
