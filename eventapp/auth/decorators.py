"""Access checks shared by every back-office view.

Admins manage everything; organisers manage only the events they are assigned to
(`EventOrganiser`). Anonymous visitors are sent to sign in; a signed-in user without the
right gets 403. Every event-scoped back-office view loads its event through
`get_managed_event_or_404`, so no view can forget the assignment check.
"""
from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any

from flask import abort
from flask_login import current_user, login_required
from sqlalchemy import select

from eventapp.extensions import db
from eventapp.models import Event, EventOrganiser, UserRole

BACK_OFFICE_ROLES = (UserRole.ORGANISER, UserRole.ADMIN)


def is_organiser() -> bool:
    """True when the signed-in user may use the back office."""
    return bool(
        current_user.is_authenticated
        and getattr(current_user, "role", None) in BACK_OFFICE_ROLES
    )


def is_admin() -> bool:
    """True when the signed-in user is an admin."""
    return bool(current_user.is_authenticated and getattr(current_user, "role", None) == UserRole.ADMIN)


def organiser_required(view: Callable[..., Any]) -> Callable[..., Any]:
    """Sends anonymous visitors to sign in; refuses signed-in users without a back-office role."""

    @wraps(view)
    @login_required
    def wrapped(*args: Any, **kwargs: Any) -> Any:
        if not is_organiser():
            abort(403)
        return view(*args, **kwargs)

    return wrapped


def admin_required(view: Callable[..., Any]) -> Callable[..., Any]:
    """Sends anonymous visitors to sign in; refuses everyone but admins."""

    @wraps(view)
    @login_required
    def wrapped(*args: Any, **kwargs: Any) -> Any:
        if not is_admin():
            abort(403)
        return view(*args, **kwargs)

    return wrapped


def may_manage_event(event_id: int) -> bool:
    """Whether the signed-in user may manage this event (admin, or assigned organiser)."""
    if not is_organiser():
        return False
    if is_admin():
        return True
    return (
        db.session.scalar(
            select(EventOrganiser.event_id).where(
                EventOrganiser.event_id == event_id, EventOrganiser.user_id == current_user.id
            )
        )
        is not None
    )


def get_managed_event_or_404(slug: str) -> Event:
    """The event (drafts included) by slug: 404 when unknown, 403 when not the user's."""
    event = db.session.scalar(select(Event).where(Event.slug == slug)) if len(slug) <= 80 else None
    if event is None:
        abort(404)
    if not may_manage_event(event.id):
        abort(403)
    return event
