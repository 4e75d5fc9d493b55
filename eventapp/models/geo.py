"""Member cities and the organisations in them."""
from __future__ import annotations

from datetime import date
from typing import TYPE_CHECKING

from sqlalchemy import ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from eventapp.extensions import db
from eventapp.models.base import Translated, TranslatedMixin, enum_column
from eventapp.models.enums import Country, OrganisationKind

if TYPE_CHECKING:
    from eventapp.models.events import Event


class City(TranslatedMixin, db.Model):
    __tablename__ = "cities"

    id: Mapped[int] = mapped_column(primary_key=True)
    slug: Mapped[str] = mapped_column(String(80), unique=True)
    name_i18n: Mapped[dict] = mapped_column(Translated, default=dict)
    country: Mapped[Country] = mapped_column(enum_column(Country, "country"), index=True)
    region_i18n: Mapped[dict] = mapped_column(Translated, default=dict)
    member_since: Mapped[date | None]
    is_member: Mapped[bool] = mapped_column(default=True)

    organisations: Mapped[list[Organisation]] = relationship(
        back_populates="city", order_by="Organisation.name"
    )
    hosted_events: Mapped[list[Event]] = relationship(back_populates="host_city")

    @property
    def content_language(self) -> str:
        return "zh" if self.country == Country.CN else "de"

    def __repr__(self) -> str:
        return f"<City {self.slug}>"


class Organisation(db.Model):
    __tablename__ = "organisations"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(200), unique=True)
    kind: Mapped[OrganisationKind] = mapped_column(enum_column(OrganisationKind, "organisation_kind"))
    city_id: Mapped[int | None] = mapped_column(ForeignKey("cities.id"), index=True)
    website: Mapped[str | None] = mapped_column(String(300))

    city: Mapped[City | None] = relationship(back_populates="organisations")

    def __repr__(self) -> str:
        return f"<Organisation {self.name}>"
