"""Events, their programme (EventSession), speakers, topics and participants."""
from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING

from sqlalchemy import (
    JSON,
    Boolean,
    CheckConstraint,
    Column,
    ForeignKey,
    Index,
    Integer,
    String,
    Table,
    Text,
)
from sqlalchemy.ext.associationproxy import AssociationProxy, association_proxy
from sqlalchemy.orm import Mapped, mapped_column, relationship

from eventapp.extensions import db
from eventapp.models.base import Translated, TranslatedMixin, UTCDateTime, enum_column, utcnow
from eventapp.models.enums import (
    EventFormat,
    EventKind,
    EventStatus,
    SessionKind,
    SessionStatus,
    VideoPlatform,
    Visibility,
)

if TYPE_CHECKING:
    from eventapp.models.documents import Document
    from eventapp.models.geo import City, Organisation

session_speakers = Table(
    "session_speakers",
    db.metadata,
    Column("session_id", ForeignKey("event_sessions.id", ondelete="CASCADE"), primary_key=True),
    Column("speaker_id", ForeignKey("speakers.id", ondelete="CASCADE"), primary_key=True),
)


class EventTopic(db.Model):
    __tablename__ = "event_topics"

    event_id: Mapped[int] = mapped_column(
        ForeignKey("events.id", ondelete="CASCADE"), primary_key=True
    )
    topic: Mapped[str] = mapped_column(String(40), primary_key=True, index=True)


class Event(TranslatedMixin, db.Model):
    __tablename__ = "events"
    __table_args__ = (
        CheckConstraint("ends_at > starts_at", name="ends_after_start"),
        # The archive reads these narrow indexes instead of the wide rows (issue #9): its
        # list in date order with the deep pages' offsets, its count, and the join of a
        # full-text search's matches to the events (by id, with what it filters and sorts on).
        Index("ix_events_archive_order", "status", "starts_at", "id", "ends_at"),
        Index("ix_events_archive_count", "status", "ends_at"),
        Index("ix_events_archive_lookup", "id", "status", "ends_at", "starts_at"),
        # With the id, the archive's "still to end" ids are read from this index alone, also
        # in a plan PostgreSQL made for any "now" (a prepared statement's generic plan).
        Index("ix_events_ends_at", "ends_at", "id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    slug: Mapped[str] = mapped_column(String(80), unique=True)
    main_language: Mapped[str] = mapped_column(String(2), default="de")
    title_i18n: Mapped[dict] = mapped_column(Translated, default=dict)
    summary_i18n: Mapped[dict] = mapped_column(Translated, default=dict)
    report_i18n: Mapped[dict] = mapped_column(Translated, default=dict)
    kind: Mapped[EventKind] = mapped_column(enum_column(EventKind, "event_kind"))
    format: Mapped[EventFormat] = mapped_column(enum_column(EventFormat, "event_format"))
    status: Mapped[EventStatus] = mapped_column(
        enum_column(EventStatus, "event_status"), default=EventStatus.DRAFT, index=True
    )
    timezone: Mapped[str] = mapped_column(String(64))
    starts_at: Mapped[datetime] = mapped_column(UTCDateTime, index=True)
    ends_at: Mapped[datetime] = mapped_column(UTCDateTime)
    venue_name: Mapped[str | None] = mapped_column(String(200))
    venue_address: Mapped[str | None] = mapped_column(String(300))
    host_city_id: Mapped[int | None] = mapped_column(ForeignKey("cities.id"), index=True)
    languages: Mapped[list] = mapped_column(JSON, default=list)
    has_interpretation: Mapped[bool] = mapped_column(default=False)
    # Rooms or tracks offered by the agenda builder, in display order (sessions name theirs).
    rooms: Mapped[list] = mapped_column(JSON, default=list)

    registration_opens_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    registration_closes_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    capacity_onsite: Mapped[int | None] = mapped_column(
        CheckConstraint("capacity_onsite >= 0", name="capacity_onsite_positive")
    )
    capacity_online: Mapped[int | None] = mapped_column(
        CheckConstraint("capacity_online >= 0", name="capacity_online_positive")
    )
    # Seat counters changed only by atomic conditional UPDATEs in the registration service.
    taken_onsite: Mapped[int] = mapped_column(default=0)
    taken_online: Mapped[int] = mapped_column(default=0)
    has_waiting_list: Mapped[bool] = mapped_column(default=True)
    requires_approval: Mapped[bool] = mapped_column(default=False)

    # sequence: iCalendar SEQUENCE of the event itself; version: raised on any change to
    # the event or what hangs off it (sessions, speakers, documents), for caches and ETags.
    sequence: Mapped[int] = mapped_column(default=0)
    version: Mapped[int] = mapped_column(default=1)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)
    # Set when the organisers have written the report and marked the past event archived.
    archived_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    # The join link of the event's virtual sessions that have none of their own.
    default_join_url: Mapped[str | None] = mapped_column(String(500))
    default_join_platform: Mapped[VideoPlatform | None] = mapped_column(
        enum_column(VideoPlatform, "default_video_platform")
    )
    default_join_visibility: Mapped[Visibility] = mapped_column(
        enum_column(Visibility, "default_join_visibility"),
        default=Visibility.PARTICIPANTS,
        server_default=Visibility.PARTICIPANTS.value,
    )
    default_join_reveal_minutes: Mapped[int | None] = mapped_column(Integer)
    default_join_meeting_id: Mapped[str | None] = mapped_column(String(100))
    default_join_passcode: Mapped[str | None] = mapped_column(String(100))
    default_join_dial_in: Mapped[str | None] = mapped_column(Text)

    host_city: Mapped[City | None] = relationship(back_populates="hosted_events")
    sessions: Mapped[list[EventSession]] = relationship(
        back_populates="event",
        cascade="all, delete-orphan",
        order_by="(EventSession.starts_at, EventSession.room, EventSession.id)",
    )
    topic_links: Mapped[list[EventTopic]] = relationship(
        cascade="all, delete-orphan", order_by="EventTopic.topic"
    )
    topics: AssociationProxy[list[str]] = association_proxy(
        "topic_links", "topic", creator=lambda code: EventTopic(topic=code)
    )
    participants: Mapped[list[EventParticipant]] = relationship(
        back_populates="event", cascade="all, delete-orphan"
    )
    documents: Mapped[list[Document]] = relationship(
        back_populates="event", cascade="all, delete-orphan", order_by="Document.id"
    )

    @property
    def content_language(self) -> str:
        return self.main_language

    @property
    def is_published(self) -> bool:
        return self.status == EventStatus.PUBLISHED

    def __repr__(self) -> str:
        return f"<Event {self.slug}>"


class Speaker(TranslatedMixin, db.Model):
    __tablename__ = "speakers"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    affiliation: Mapped[str | None] = mapped_column(String(200))
    main_language: Mapped[str] = mapped_column(String(2), default="de")
    bio_i18n: Mapped[dict] = mapped_column(Translated, default=dict)
    photo_path: Mapped[str | None] = mapped_column(String(200))
    version: Mapped[int] = mapped_column(default=1)

    sessions: Mapped[list[EventSession]] = relationship(
        secondary=session_speakers, back_populates="speakers"
    )

    @property
    def content_language(self) -> str:
        return self.main_language

    def __repr__(self) -> str:
        return f"<Speaker {self.name}>"


class EventSession(TranslatedMixin, db.Model):
    """One programme item. Named so to avoid clashing with SQLAlchemy's and Flask's Session."""

    __tablename__ = "event_sessions"
    __table_args__ = (
        CheckConstraint("ends_at > starts_at", name="ends_after_start"),
        # An event's sessions in agenda order (the event page's query reads them so, with
        # no sort of 300 wide rows; its event_id prefix serves every other look-up).
        Index("ix_event_sessions_agenda", "event_id", "starts_at", "room", "id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    event_id: Mapped[int] = mapped_column(ForeignKey("events.id", ondelete="CASCADE"))
    title_i18n: Mapped[dict] = mapped_column(Translated, default=dict)
    description_i18n: Mapped[dict] = mapped_column(Translated, default=dict)
    kind: Mapped[SessionKind] = mapped_column(enum_column(SessionKind, "session_kind"))
    status: Mapped[SessionStatus] = mapped_column(
        enum_column(SessionStatus, "session_status"), default=SessionStatus.SCHEDULED
    )
    starts_at: Mapped[datetime] = mapped_column(UTCDateTime)
    ends_at: Mapped[datetime] = mapped_column(UTCDateTime)
    room: Mapped[str | None] = mapped_column(String(120))
    spoken_language: Mapped[str] = mapped_column(String(2), default="de")
    has_interpretation: Mapped[bool] = mapped_column(default=False)
    topics: Mapped[list] = mapped_column(JSON, default=list)

    is_virtual: Mapped[bool] = mapped_column(Boolean, default=False)
    join_url: Mapped[str | None] = mapped_column(String(500))
    join_platform: Mapped[VideoPlatform | None] = mapped_column(
        enum_column(VideoPlatform, "video_platform")
    )
    join_visibility: Mapped[Visibility] = mapped_column(
        enum_column(Visibility, "join_visibility"), default=Visibility.PARTICIPANTS
    )
    # Minutes before the start from which an entitled person may see the link (None: always).
    join_reveal_minutes: Mapped[int | None] = mapped_column(Integer)
    join_meeting_id: Mapped[str | None] = mapped_column(String(100))
    join_passcode: Mapped[str | None] = mapped_column(String(100))
    join_dial_in: Mapped[str | None] = mapped_column(Text)
    # Interpretation channels: [{"language": "de"|"en"|"zh", "label": str, "url": https}];
    # shown to whoever may see the main link, at the same time.
    join_channels: Mapped[list] = mapped_column(JSON, default=list, server_default="[]")
    # Published after the session; its own visibility (a closed meeting may have a public
    # recording). Slides are a link too, under the recording's visibility.
    recording_url: Mapped[str | None] = mapped_column(String(500))
    slides_url: Mapped[str | None] = mapped_column(String(500))
    recording_visibility: Mapped[Visibility] = mapped_column(
        enum_column(Visibility, "recording_visibility"),
        default=Visibility.PARTICIPANTS,
        server_default=Visibility.PARTICIPANTS.value,
    )

    capacity: Mapped[int | None] = mapped_column(
        CheckConstraint("capacity >= 0", name="capacity_positive")
    )
    taken: Mapped[int] = mapped_column(default=0)

    sequence: Mapped[int] = mapped_column(default=0)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    event: Mapped[Event] = relationship(back_populates="sessions")
    speakers: Mapped[list[Speaker]] = relationship(
        secondary=session_speakers, back_populates="sessions", order_by="Speaker.name"
    )

    @property
    def content_language(self) -> str:
        return self.event.main_language

    @property
    def is_cancelled(self) -> bool:
        return self.status == SessionStatus.CANCELLED

    def __repr__(self) -> str:
        return f"<EventSession {self.id} of event {self.event_id}>"


class EventParticipant(db.Model):
    """An organisation that took part in an event; listed publicly only with consent."""

    __tablename__ = "event_participants"

    event_id: Mapped[int] = mapped_column(
        ForeignKey("events.id", ondelete="CASCADE"), primary_key=True
    )
    organisation_id: Mapped[int] = mapped_column(
        ForeignKey("organisations.id", ondelete="CASCADE"), primary_key=True, index=True
    )
    is_listed: Mapped[bool] = mapped_column(default=True)

    event: Mapped[Event] = relationship(back_populates="participants")
    organisation: Mapped[Organisation] = relationship()


