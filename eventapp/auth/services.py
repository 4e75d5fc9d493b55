"""Organiser accounts: creation and password checks."""
from __future__ import annotations

from functools import cache

from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select
from sqlalchemy.orm import Session
from werkzeug.security import check_password_hash, generate_password_hash

from eventapp.models import User, UserRole
from eventapp.models.base import utcnow
from eventapp.rules.errors import RuleError
from eventapp.rules.validation import check_email_address

MIN_PASSWORD_LENGTH = 10
MAX_NAME_LENGTH = 200


@cache
def _dummy_hash() -> str:
    """Checked against when the account does not exist, so both paths cost the same."""
    return generate_password_hash("no-such-account")


def normalise_email(email: str) -> str:
    return email.strip().lower()


def check_password(password: str, field: str = "password") -> None:
    """Refuses passwords under 10 characters."""
    if len(password) < MIN_PASSWORD_LENGTH:
        raise RuleError(
            field,
            _l("The password needs at least %(count)s characters.", count=MIN_PASSWORD_LENGTH),
        )


def check_account_name(name: str | None, field: str = "name") -> str | None:
    """Refuses names with line breaks or control characters, or over 200 characters;
    returns the name stripped (None when empty)."""
    name = (name or "").strip()
    if any(ord(char) < 32 or ord(char) == 127 for char in name):
        raise RuleError(field, _l("The name must be a single line."))
    if len(name) > MAX_NAME_LENGTH:
        raise RuleError(
            field, _l("The name may have at most %(count)s characters.", count=MAX_NAME_LENGTH)
        )
    return name or None


def create_user(
    session: Session, email: str, password: str, role: UserRole, name: str | None = None
) -> User:
    """Create an organiser or admin; refuses invalid or taken e-mails, names with line
    breaks and passwords under 10 characters."""
    email = check_email_address(email)
    name = check_account_name(name)
    check_password(password)
    if session.scalar(select(User.id).where(func.lower(User.email) == email)) is not None:
        raise RuleError("email", _l("An account with this e-mail address already exists."))
    user = User(email=email, role=role, name=name)
    user.set_password(password)
    session.add(user)
    session.flush()
    return user


def authenticate(session: Session, email: str, password: str) -> User | None:
    """The enabled user with these credentials, or None."""
    user = session.scalar(select(User).where(User.email == normalise_email(email)))
    if user is None:
        check_password_hash(_dummy_hash(), password)
        return None
    if not user.check_password(password) or not user.is_enabled:
        return None
    user.last_login_at = utcnow()
    session.flush()
    return user


def end_sessions(session: Session, user: User) -> None:
    """Sign the account out everywhere: every session and remember cookie stops working."""
    user.end_sessions()
    session.flush()
