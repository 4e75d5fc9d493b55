"""The organiser's side: who manages which event, what they changed, and agenda releases.

Edits to a published agenda wait as `SessionDraft` rows until the organiser releases them;
the public pages and feeds read only `EventSession`, so a draft can never leak. A release
applies the drafts in one transaction and writes the public `AgendaChange` list.
"""
from __future__ import annotations

import enum
from datetime import datetime

from sqlalchemy import JSON, ForeignKey, Index, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from eventapp.extensions import db
from eventapp.models.base import Translated, UTCDateTime, enum_column, utcnow
from eventapp.models.users import User


class EventOrganiser(db.Model):
    """An organiser assigned to an event: they (and every admin) may manage it."""

    __tablename__ = "event_organisers"

    event_id: Mapped[int] = mapped_column(
        ForeignKey("events.id", ondelete="CASCADE"), primary_key=True
    )
    user_id: Mapped[int] = mapped_column(
        ForeignKey("users.id", ondelete="CASCADE"), primary_key=True, index=True
    )
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    user: Mapped[User] = relationship()


class AuditEntry(db.Model):
    """Who changed what and when; the e-mail is kept so the entry outlives the account."""

    __tablename__ = "audit_entries"
    __table_args__ = (Index("ix_audit_entries_object", "object_type", "object_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)
    user_id: Mapped[int | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL"), index=True
    )
    user_email: Mapped[str | None] = mapped_column(String(254))
    # e.g. "event.create", "session.move", "registration.approve"
    action: Mapped[str] = mapped_column(String(60), index=True)
    object_type: Mapped[str] = mapped_column(String(40))
    object_id: Mapped[int | None]
    # No foreign key: the entry stays when its event is deleted.
    event_id: Mapped[int | None] = mapped_column(index=True)
    summary: Mapped[str] = mapped_column(String(300), default="")
    changes: Mapped[dict] = mapped_column(JSON, default=dict)


class DraftAction(enum.StrEnum):
    CREATE = "create"
    UPDATE = "update"
    CANCEL = "cancel"


class SessionDraft(db.Model):
    """A pending change to one programme item of a published event (one per item).

    `data` holds the whole item as entered (local times in the event zone, speaker ids);
    CREATE drafts have no session yet, the others point at the item they change. A released
    item is never deleted, only cancelled: calendars must see it go as STATUS:CANCELLED.
    """

    __tablename__ = "session_drafts"

    id: Mapped[int] = mapped_column(primary_key=True)
    event_id: Mapped[int] = mapped_column(ForeignKey("events.id", ondelete="CASCADE"), index=True)
    session_id: Mapped[int | None] = mapped_column(
        ForeignKey("event_sessions.id", ondelete="CASCADE"), unique=True
    )
    action: Mapped[DraftAction] = mapped_column(enum_column(DraftAction, "draft_action"))
    data: Mapped[dict] = mapped_column(JSON, default=dict)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class AgendaRelease(db.Model):
    """One release of an event's agenda changes (numbered per event)."""

    __tablename__ = "agenda_releases"
    __table_args__ = (UniqueConstraint("event_id", "number", name="uq_agenda_release_number"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    event_id: Mapped[int] = mapped_column(ForeignKey("events.id", ondelete="CASCADE"), index=True)
    number: Mapped[int]
    released_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    released_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    note_i18n: Mapped[dict] = mapped_column(Translated, default=dict)
    digest_queued_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    changes: Mapped[list[AgendaChange]] = relationship(
        back_populates="release", cascade="all, delete-orphan", order_by="AgendaChange.id"
    )


class ChangeKind(enum.StrEnum):
    ADDED = "added"
    MOVED = "moved"
    CHANGED = "changed"
    CANCELLED = "cancelled"
    REMOVED = "removed"


class AgendaChange(db.Model):
    """One line of the public "agenda changes" list: what moved, was added or cancelled."""

    __tablename__ = "agenda_changes"

    id: Mapped[int] = mapped_column(primary_key=True)
    event_id: Mapped[int] = mapped_column(ForeignKey("events.id", ondelete="CASCADE"), index=True)
    release_id: Mapped[int] = mapped_column(
        ForeignKey("agenda_releases.id", ondelete="CASCADE"), index=True
    )
    # No foreign key: a removed item's change line stays.
    session_id: Mapped[int | None]
    kind: Mapped[ChangeKind] = mapped_column(enum_column(ChangeKind, "change_kind"))
    title_i18n: Mapped[dict] = mapped_column(Translated, default=dict)
    old_starts_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    old_ends_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    new_starts_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    new_ends_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    old_room: Mapped[str | None] = mapped_column(String(120))
    new_room: Mapped[str | None] = mapped_column(String(120))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    release: Mapped[AgendaRelease] = relationship(back_populates="changes")
