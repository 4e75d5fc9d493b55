"""Registrations of people for events, and their choice of limited sessions."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from eventapp.extensions import db
from eventapp.models.base import UTCDateTime, enum_column, utcnow
from eventapp.models.enums import AttendanceMode, OrganisationKind, RegistrationStatus
from eventapp.models.events import Event, EventSession
from eventapp.models.geo import City, Organisation


class Registration(db.Model):
    __tablename__ = "registrations"
    __table_args__ = (UniqueConstraint("event_id", "email", name="uq_registrations_event_email"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    event_id: Mapped[int] = mapped_column(ForeignKey("events.id", ondelete="CASCADE"), index=True)
    # Only a hash of the secret token is stored; the token itself travels in the mail.
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    # Hashes of secrets derived from the token: the personal feed (safe to hand to calendar
    # services, grants no changes) and the check-in code in the QR image.
    feed_token_hash: Mapped[str | None] = mapped_column(String(64), unique=True)
    checkin_hash: Mapped[str | None] = mapped_column(String(64), unique=True)
    # The token encrypted with a key derived from SECRET_KEY (registrations/sealing.py), so
    # that the same link can be mailed again; None for rows from before it existed.
    token_sealed: Mapped[str | None] = mapped_column(String(255))
    # Raised each time a cancelled registration is taken up again, so that the personal
    # feed's SEQUENCE keeps growing past the CANCELLED version calendars already hold.
    feed_sequence: Mapped[int] = mapped_column(default=0, server_default="0")
    first_name: Mapped[str] = mapped_column(String(100))
    last_name: Mapped[str] = mapped_column(String(100))
    email: Mapped[str] = mapped_column(String(254))  # normalised to lower case
    organisation_id: Mapped[int | None] = mapped_column(ForeignKey("organisations.id"))
    organisation_name: Mapped[str | None] = mapped_column(String(200))
    city_id: Mapped[int | None] = mapped_column(ForeignKey("cities.id"))
    city_other: Mapped[str | None] = mapped_column(String(120))
    participant_type: Mapped[OrganisationKind] = mapped_column(
        enum_column(OrganisationKind, "participant_type")
    )
    position: Mapped[str | None] = mapped_column(String(200))
    attendance_mode: Mapped[AttendanceMode] = mapped_column(
        enum_column(AttendanceMode, "attendance_mode")
    )
    preferred_language: Mapped[str] = mapped_column(String(2), default="de")
    needs_interpretation: Mapped[bool] = mapped_column(default=False)
    notes: Mapped[str | None] = mapped_column(Text)
    status: Mapped[RegistrationStatus] = mapped_column(
        enum_column(RegistrationStatus, "registration_status"), index=True
    )
    consent_privacy_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    consent_listing: Mapped[bool] = mapped_column(default=False)
    checked_in_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # First time the person opened a participants-only join link (online attendance).
    joined_online_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    # Set when personal data was removed (privacy purge); the row stays for the counts.
    purged_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    event: Mapped[Event] = relationship()
    organisation: Mapped[Organisation | None] = relationship()
    city: Mapped[City | None] = relationship()
    session_choices: Mapped[list[RegistrationSession]] = relationship(
        back_populates="registration", cascade="all, delete-orphan"
    )

    def __repr__(self) -> str:
        return f"<Registration {self.id} {self.status}>"


class RegistrationSession(db.Model):
    """A registration's place in a session with its own limit (site visit, B2B slot)."""

    __tablename__ = "registration_sessions"

    registration_id: Mapped[int] = mapped_column(
        ForeignKey("registrations.id", ondelete="CASCADE"), primary_key=True
    )
    session_id: Mapped[int] = mapped_column(
        ForeignKey("event_sessions.id", ondelete="CASCADE"), primary_key=True, index=True
    )
    status: Mapped[RegistrationStatus] = mapped_column(
        enum_column(RegistrationStatus, "registration_session_status")
    )
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    registration: Mapped[Registration] = relationship(back_populates="session_choices")
    session: Mapped[EventSession] = relationship()
