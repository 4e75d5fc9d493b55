"""Access checks shared by every back-office view."""
from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any

from flask import abort
from flask_login import current_user, login_required

from eventapp.models import UserRole

BACK_OFFICE_ROLES = (UserRole.ORGANISER, UserRole.ADMIN)


def is_organiser() -> bool:
    """True when the signed-in user may use the back office."""
    return bool(
        current_user.is_authenticated
        and getattr(current_user, "role", None) in BACK_OFFICE_ROLES
    )


def organiser_required(view: Callable[..., Any]) -> Callable[..., Any]:
    """Sends anonymous visitors to sign in; refuses signed-in users without a back-office role."""

    @wraps(view)
    @login_required
    def wrapped(*args: Any, **kwargs: Any) -> Any:
        if not is_organiser():
            abort(403)
        return view(*args, **kwargs)

    return wrapped
