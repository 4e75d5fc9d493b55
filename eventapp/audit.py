"""The audit log: one helper every organiser-facing service calls after a change."""
from __future__ import annotations

from datetime import date, datetime
from enum import Enum
from typing import Any

from sqlalchemy.orm import Session

from eventapp.models import AuditEntry, User


def _plain(value: Any) -> Any:
    """A JSON-safe form of a changed value (datetimes as ISO text, enums by value)."""
    if isinstance(value, Enum):
        return value.value
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, dict):
        return {str(key): _plain(item) for key, item in value.items()}
    if isinstance(value, list | tuple | set):
        return [_plain(item) for item in value]
    return value


def record(
    session: Session,
    actor: User | None,
    action: str,
    object_type: str,
    object_id: int | None,
    *,
    event_id: int | None = None,
    summary: str = "",
    changes: dict[str, Any] | None = None,
) -> AuditEntry:
    """Add an audit entry ("who changed what and when"); it is committed with the change."""
    entry = AuditEntry(
        user_id=actor.id if actor is not None else None,
        user_email=actor.email if actor is not None else None,
        action=action,
        object_type=object_type,
        object_id=object_id,
        event_id=event_id,
        summary=summary[:300],
        changes=_plain(changes or {}),
    )
    session.add(entry)
    return entry


def diff(before: dict[str, Any], after: dict[str, Any]) -> dict[str, Any]:
    """{field: [old, new]} for every field whose value differs."""
    return {
        key: [_plain(before.get(key)), _plain(after.get(key))]
        for key in sorted(set(before) | set(after))
        if before.get(key) != after.get(key)
    }
