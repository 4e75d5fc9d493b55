"""Shared column types and the one mechanism for multilingual text."""
from __future__ import annotations

import enum
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import JSON, DateTime, Enum, TypeDecorator
from sqlalchemy.engine import Dialect
from sqlalchemy.ext.mutable import MutableDict

LANGUAGES = ("de", "en", "zh")


class UTCDateTime(TypeDecorator[datetime]):
    """Stores aware datetimes as UTC; refuses naive values; re-attaches UTC on read."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime refused: store aware UTC")
        value = value.astimezone(UTC)
        if dialect.name == "sqlite":
            return value.replace(tzinfo=None)
        return value

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        return None if value is None else as_utc(value)


def as_utc(value: datetime) -> datetime:
    """A stored instant as aware UTC: naive values are UTC (SQLite keeps no zone)."""
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


def utcnow() -> datetime:
    return datetime.now(UTC)


def enum_column(enum_cls: type[enum.Enum], name: str) -> Enum:
    """Enums stored by value, as a VARCHAR with a CHECK constraint on every database."""
    return Enum(
        enum_cls,
        name=name,
        values_callable=lambda members: [m.value for m in members],
        native_enum=False,
        create_constraint=True,
        validate_strings=True,
        length=32,
    )


# One JSON object per multilingual field: {"de": "...", "en": "...", "zh": "..."}.
Translated = MutableDict.as_mutable(JSON)


def translation_with_language(
    values: dict[str, Any] | None, language: str, main_language: str
) -> tuple[str, str]:
    """The text in `language`, else in `main_language`, else in any language given, with
    the language it is in (for lang= attributes); ("", main_language) when there is none."""
    if values:
        for code in (language, main_language, *LANGUAGES):
            text = values.get(code)
            if text:
                return str(text), code
    return "", main_language


def pick_translation(values: dict[str, Any] | None, language: str, main_language: str) -> str:
    """The text in `language`, else in `main_language`, else in any language given."""
    return translation_with_language(values, language, main_language)[0]


def translation_language(values: dict[str, Any] | None, language: str, main_language: str) -> str:
    """The language pick_translation() actually returns text in (for lang= attributes)."""
    return translation_with_language(values, language, main_language)[1]


class TranslatedMixin:
    """Gives models with multilingual columns `text(field, language)`; main language comes
    from `content_language` (the event's main language for sessions)."""

    @property
    def content_language(self) -> str:  # pragma: no cover - overridden
        return "de"

    def text(self, field: str, language: str) -> str:
        return pick_translation(getattr(self, f"{field}_i18n"), language, self.content_language)

    def text_language(self, field: str, language: str) -> str:
        return translation_language(getattr(self, f"{field}_i18n"), language, self.content_language)
