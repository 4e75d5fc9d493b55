"""Accounts, event assignments and the audit log: what only admins change or read."""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, ClassVar

from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from eventapp import audit
from eventapp.auth.services import check_account_name, check_password, create_user
from eventapp.models import AuditEntry, Event, EventOrganiser, User, UserRole
from eventapp.pagination import Paged
from eventapp.rules.errors import RuleError

AUDIT_PAGE_SIZE = 50
# Ids in URLs are checked against this before any query (PostgreSQL integers are 32-bit).
MAX_ID = 2**31 - 1


# --- accounts ----------------------------------------------------------------------------


@dataclass
class AccountRow:
    user: User
    event_count: int


@dataclass
class AccountData:
    name: str | None
    role: UserRole
    is_enabled: bool


def get_user(session: Session, user_id: int) -> User | None:
    """The account with this id, or None (also for ids out of the database's range)."""
    if not 0 < user_id <= MAX_ID:
        return None
    return session.get(User, user_id)


def get_user_by_email(session: Session, email: str) -> User | None:
    email = email.strip().lower()
    if not email or "\x00" in email or len(email) > 254:
        return None
    return session.scalar(select(User).where(User.email == email))


def list_accounts(session: Session) -> list[AccountRow]:
    """Every account, admins first, then by e-mail, with its number of assigned events."""
    # Result objects have keys(): dict() would take them for a mapping.
    counts = {
        user_id: number
        for user_id, number in session.execute(
            select(EventOrganiser.user_id, func.count()).group_by(EventOrganiser.user_id)
        )
    }
    users = session.scalars(select(User).order_by(User.role, User.email)).all()
    return [AccountRow(user, counts.get(user.id, 0)) for user in users]


def create_account(
    session: Session,
    actor: User | None,
    email: str,
    password: str,
    role: UserRole,
    name: str | None = None,
) -> User:
    """Create an account (through auth's create_user); refuses what create_user refuses."""
    user = create_user(session, email, password, role, name=name)
    audit.record(
        session, actor, "user.create", "user", user.id,
        summary=user.email,
        changes={"role": [None, user.role], "name": [None, user.name], "is_enabled": [None, True]},
    )
    return user


def _count_enabled_admins(session: Session) -> int:
    return session.scalar(
        select(func.count()).select_from(User).where(
            User.role == UserRole.ADMIN, User.is_enabled.is_(True)
        )
    ) or 0


def update_account(session: Session, actor: User, user: User, data: AccountData) -> User:
    """Change name, role and enabled state; refuses an admin disabling or demoting themselves
    and anything that would leave no enabled admin."""
    name = check_account_name(data.name)
    loses_admin = user.is_admin and user.is_enabled and (
        data.role != UserRole.ADMIN or not data.is_enabled
    )
    if loses_admin and user.id == actor.id:
        if not data.is_enabled:
            raise RuleError("is_enabled", _l("You cannot disable your own account."))
        raise RuleError("role", _l("You cannot take away your own admin role."))
    if loses_admin and _count_enabled_admins(session) <= 1:
        field_name = "is_enabled" if not data.is_enabled else "role"
        raise RuleError(field_name, _l("This is the last enabled admin account: keep it."))
    before = {"name": user.name, "role": user.role, "is_enabled": user.is_enabled}
    user.name = name
    user.role = data.role
    user.is_enabled = data.is_enabled
    changes = audit.diff(before, {"name": user.name, "role": user.role, "is_enabled": user.is_enabled})
    session.flush()
    if changes:
        audit.record(session, actor, "user.update", "user", user.id, summary=user.email,
                     changes=changes)
    return user


def reset_password(session: Session, actor: User, user: User, password: str) -> User:
    """Set a new password typed by an admin; refuses passwords under 10 characters."""
    check_password(password)
    user.set_password(password)
    session.flush()
    # The audit entry says that it changed, never what it is.
    audit.record(session, actor, "user.password_reset", "user", user.id, summary=user.email)
    return user


# --- event assignments -------------------------------------------------------------------


@dataclass
class AssignedEvent:
    event: Event
    assigned_at: datetime


def list_user_events(session: Session, user: User) -> list[AssignedEvent]:
    """The events this account is assigned to, newest first."""
    rows = session.execute(
        select(Event, EventOrganiser.created_at)
        .join(EventOrganiser, EventOrganiser.event_id == Event.id)
        .where(EventOrganiser.user_id == user.id)
        .order_by(Event.starts_at.desc(), Event.id.desc())
    ).tuples()
    return [AssignedEvent(event, assigned_at) for event, assigned_at in rows]


def list_unassigned_events(session: Session, user: User) -> list[Event]:
    """Events this account could still be assigned to, newest first (archive samples left out)."""
    assigned = select(EventOrganiser.event_id).where(EventOrganiser.user_id == user.id)
    return list(
        session.scalars(
            select(Event)
            .where(Event.id.not_in(assigned), ~Event.slug.like("archive-sample-%"))
            .order_by(Event.starts_at.desc(), Event.id.desc())
        )
    )


def list_event_organisers(session: Session, event: Event) -> list[User]:
    """The accounts assigned to this event, by e-mail."""
    return list(
        session.scalars(
            select(User)
            .join(EventOrganiser, EventOrganiser.user_id == User.id)
            .where(EventOrganiser.event_id == event.id)
            .order_by(User.email)
        )
    )


def list_assignable_users(session: Session, event: Event) -> list[User]:
    """Enabled organiser accounts not yet assigned to this event (admins manage every event)."""
    assigned = select(EventOrganiser.user_id).where(EventOrganiser.event_id == event.id)
    return list(
        session.scalars(
            select(User)
            .where(User.role == UserRole.ORGANISER, User.is_enabled.is_(True),
                   User.id.not_in(assigned))
            .order_by(User.email)
        )
    )


def get_event_by_slug(session: Session, slug: str) -> Event | None:
    if not slug or len(slug) > 80 or "\x00" in slug:
        return None
    return session.scalar(select(Event).where(Event.slug == slug))


def _assignment(session: Session, user: User, event: Event) -> EventOrganiser | None:
    return session.get(EventOrganiser, (event.id, user.id))


def assign_organiser(session: Session, actor: User | None, user: User, event: Event) -> EventOrganiser:
    """Let an account manage an event; refuses admins (they manage every event already)
    and accounts already assigned."""
    if user.is_admin:
        raise RuleError("user_id", _l("Admins manage every event; there is nothing to assign."))
    if _assignment(session, user, event) is not None:
        raise RuleError("user_id", _l("This account already manages this event."))
    assignment = EventOrganiser(event_id=event.id, user_id=user.id)
    session.add(assignment)
    session.flush()
    audit.record(
        session, actor, "event.organiser_add", "user", user.id, event_id=event.id,
        summary=f"{user.email} → {event.slug}",
    )
    return assignment


def manages(session: Session, user: User, event: Event) -> bool:
    """Whether the account is assigned to the event."""
    return _assignment(session, user, event) is not None


def remove_organiser(session: Session, actor: User | None, user: User, event: Event) -> None:
    """Take an event away from an account; refuses accounts not assigned to it."""
    assignment = _assignment(session, user, event)
    if assignment is None:
        raise RuleError("user_id", _l("This account does not manage this event."))
    session.delete(assignment)
    session.flush()
    audit.record(
        session, actor, "event.organiser_remove", "user", user.id, event_id=event.id,
        summary=f"{user.email} ↛ {event.slug}",
    )


# --- audit log ---------------------------------------------------------------------------


@dataclass
class AuditFilters:
    event: str | None = None
    user: str | None = None
    action: str | None = None
    object_type: str | None = None

    def as_args(self) -> dict[str, str]:
        return {key: value for key, value in vars(self).items() if value}


@dataclass
class ChangeLine:
    field: str
    old: str
    new: str | None  # None: the value is shown alone (not an old -> new pair)


@dataclass
class AuditRow:
    entry: AuditEntry
    event_slug: str | None
    changes: list[ChangeLine] = field(default_factory=list)


@dataclass
class AuditPage(Paged):
    per_page: ClassVar[int] = AUDIT_PAGE_SIZE
    rows: list[AuditRow]
    page: int
    total: int


def clean_filter(value: str | None, max_length: int) -> str | None:
    """A filter value as typed, or None when empty, too long or holding control characters."""
    value = (value or "").strip()
    if not value or len(value) > max_length or any(ord(char) < 32 for char in value):
        return None
    return value


def _shown(value: Any) -> str:
    if value is None or value == "":
        return "–"
    if isinstance(value, bool):
        return str(_l("yes") if value else _l("no"))
    if isinstance(value, dict):
        return ", ".join(f"{key}: {_shown(item)}" for key, item in sorted(value.items()))
    if isinstance(value, list):
        return ", ".join(_shown(item) for item in value)
    return str(value)


def change_lines(changes: dict[str, Any] | None) -> list[ChangeLine]:
    """An entry's changes as readable lines: [old, new] pairs from audit.diff() as old -> new."""
    lines = []
    for key in sorted(changes or {}):
        value = (changes or {})[key]
        if isinstance(value, list) and len(value) == 2:
            lines.append(ChangeLine(str(key), _shown(value[0]), _shown(value[1])))
        else:
            lines.append(ChangeLine(str(key), _shown(value), None))
    return lines


def _escape_like(text: str) -> str:
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def list_audit_entries(session: Session, filters: AuditFilters, page: int) -> AuditPage:
    """One page of the audit log, newest first (three queries whatever the page holds)."""
    conditions = []
    if filters.event:
        conditions.append(
            AuditEntry.event_id.in_(select(Event.id).where(Event.slug == filters.event))
        )
    if filters.user:
        conditions.append(func.lower(AuditEntry.user_email) == filters.user.lower())
    if filters.action:
        conditions.append(AuditEntry.action.like(f"{_escape_like(filters.action)}%", escape="\\"))
    if filters.object_type:
        conditions.append(AuditEntry.object_type == filters.object_type)
    total = session.scalar(select(func.count()).select_from(AuditEntry).where(*conditions)) or 0
    entries = session.scalars(
        select(AuditEntry)
        .where(*conditions)
        .order_by(AuditEntry.created_at.desc(), AuditEntry.id.desc())
        .limit(AUDIT_PAGE_SIZE)
        .offset((page - 1) * AUDIT_PAGE_SIZE)
    ).all()
    event_ids = {entry.event_id for entry in entries if entry.event_id is not None}
    slugs: dict[int, str] = {}
    if event_ids:
        slugs = {
            event_id: slug
            for event_id, slug in session.execute(
                select(Event.id, Event.slug).where(Event.id.in_(event_ids))
            )
        }
    rows = [
        AuditRow(entry, slugs.get(entry.event_id) if entry.event_id else None,
                 change_lines(entry.changes))
        for entry in entries
    ]
    return AuditPage(rows, page, total)
