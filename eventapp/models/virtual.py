"""Virtual sessions: who joined them (attendance) and which reminders went out."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from eventapp.extensions import db
from eventapp.models.base import UTCDateTime, utcnow
from eventapp.models.events import EventSession
from eventapp.models.registrations import Registration


class SessionAttendance(db.Model):
    """A participant's joins of one virtual session through their own join link."""

    __tablename__ = "session_attendances"
    __table_args__ = (
        UniqueConstraint("registration_id", "session_id", name="uq_session_attendances_registration_session"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    registration_id: Mapped[int] = mapped_column(
        ForeignKey("registrations.id", ondelete="CASCADE"), index=True
    )
    session_id: Mapped[int] = mapped_column(
        ForeignKey("event_sessions.id", ondelete="CASCADE"), index=True
    )
    first_joined_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    last_joined_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    join_count: Mapped[int] = mapped_column(default=1, server_default="1")

    registration: Mapped[Registration] = relationship()
    session: Mapped[EventSession] = relationship()


class SessionReminder(db.Model):
    """A reminder mail queued for a registration and a session: at most one, ever."""

    __tablename__ = "session_reminders"
    __table_args__ = (
        UniqueConstraint("registration_id", "session_id", name="uq_session_reminders_registration_session"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    registration_id: Mapped[int] = mapped_column(
        ForeignKey("registrations.id", ondelete="CASCADE"), index=True
    )
    session_id: Mapped[int] = mapped_column(
        ForeignKey("event_sessions.id", ondelete="CASCADE"), index=True
    )
    queued_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    mail_id: Mapped[int | None] = mapped_column(ForeignKey("outbox_mails.id", ondelete="SET NULL"))
