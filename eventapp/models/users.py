"""Organiser and admin accounts."""
from __future__ import annotations

from datetime import datetime

from flask_login import UserMixin
from sqlalchemy import String
from sqlalchemy.orm import Mapped, mapped_column, validates
from werkzeug.security import check_password_hash, generate_password_hash

from eventapp.extensions import db
from eventapp.models.base import UTCDateTime, enum_column, utcnow
from eventapp.models.enums import UserRole


class User(UserMixin, db.Model):
    __tablename__ = "users"

    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(String(254), unique=True)
    name: Mapped[str | None] = mapped_column(String(200))
    password_hash: Mapped[str] = mapped_column(String(256))
    role: Mapped[UserRole] = mapped_column(enum_column(UserRole, "user_role"))
    is_enabled: Mapped[bool] = mapped_column(default=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    last_login_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # Part of every session and remember cookie (get_id): raising it ends them all, on
    # sign-out, a password change or when the account is disabled.
    session_version: Mapped[int] = mapped_column(default=1, server_default="1")

    @property
    def is_active(self) -> bool:  # Flask-Login refuses disabled accounts
        return self.is_enabled

    @property
    def is_admin(self) -> bool:
        return self.role == UserRole.ADMIN

    def get_id(self) -> str:
        return f"{self.id}.{self.session_version or 1}"

    def end_sessions(self) -> None:
        """Invalidate every session and remember cookie of this account (commit to apply)."""
        self.session_version = (self.session_version or 1) + 1

    @validates("is_enabled")
    def _end_sessions_when_disabled(self, _key: str, value: bool) -> bool:
        if self.id is not None and self.is_enabled and not value:
            self.end_sessions()
        return value

    def set_password(self, password: str) -> None:
        if self.password_hash:
            self.end_sessions()  # a new password signs out everywhere else
        self.password_hash = generate_password_hash(password)

    def check_password(self, password: str) -> bool:
        return check_password_hash(self.password_hash, password)

    def __repr__(self) -> str:
        return f"<User {self.email}>"
