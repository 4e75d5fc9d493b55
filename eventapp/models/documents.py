"""Archive material: reports, minutes, slides, photos, press releases, recording links."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from eventapp.extensions import db
from eventapp.models.base import Translated, TranslatedMixin, UTCDateTime, enum_column, utcnow
from eventapp.models.enums import DocumentKind, Visibility
from eventapp.models.events import Event


class Document(TranslatedMixin, db.Model):
    __tablename__ = "documents"

    id: Mapped[int] = mapped_column(primary_key=True)
    event_id: Mapped[int] = mapped_column(ForeignKey("events.id", ondelete="CASCADE"), index=True)
    kind: Mapped[DocumentKind] = mapped_column(enum_column(DocumentKind, "document_kind"))
    title_i18n: Mapped[dict] = mapped_column(Translated, default=dict)
    # Either a stored file (generated name under UPLOAD_FOLDER) or an external link.
    stored_name: Mapped[str | None] = mapped_column(String(80), unique=True)
    original_filename: Mapped[str | None] = mapped_column(String(255))
    content_type: Mapped[str | None] = mapped_column(String(120))
    size_bytes: Mapped[int | None]
    url: Mapped[str | None] = mapped_column(String(500))
    visibility: Mapped[Visibility] = mapped_column(
        enum_column(Visibility, "document_visibility"), default=Visibility.PUBLIC
    )
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    event: Mapped[Event] = relationship(back_populates="documents")

    @property
    def content_language(self) -> str:
        return self.event.main_language

    def __repr__(self) -> str:
        return f"<Document {self.id} {self.kind}>"
