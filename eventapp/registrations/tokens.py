"""Registration secrets: the manage token (kept as a hash and sealed), the feed token and
check-in code derived from it, sign-in tokens, and the lookups by each.
"""
from __future__ import annotations

import base64
import hashlib
import secrets
from typing import NamedTuple

from sqlalchemy import ColumnElement, select, update
from sqlalchemy.orm import Session, selectinload

from eventapp.database import begin_write
from eventapp.models import (
    Event,
    Registration,
)
from eventapp.models.base import utcnow
from eventapp.registrations.sealing import (
    read_sign_in_token,
    reseal,
    seal_token,
    sign_in_matches,
    unseal_token,
)

TOKEN_BYTES = 32


def new_token() -> str:
    return secrets.token_urlsafe(TOKEN_BYTES)


def hash_token(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def _derive(token: str, purpose: str) -> str:
    digest = hashlib.sha256(f"{purpose}:{token}".encode()).digest()
    return base64.urlsafe_b64encode(digest).rstrip(b"=").decode()


def feed_token_for(token: str) -> str:
    """The personal feed's secret: derived from the manage token, but grants no changes."""
    return _derive(token, "feed")


def checkin_code_for(token: str) -> str:
    """The code in the check-in QR image: derived from the manage token, grants only check-in."""
    return _derive(token, "checkin")


def set_tokens(registration: Registration, token: str) -> None:
    registration.token_hash = hash_token(token)
    registration.feed_token_hash = hash_token(feed_token_for(token))
    registration.checkin_hash = hash_token(checkin_code_for(token))
    registration.token_sealed = seal_token(token)


def get_manage_token(registration: Registration) -> str | None:
    """The registration's current manage token from its sealed copy; None when there is none
    (rows from before sealing) or no configured key opens it or it is stale."""
    token = unseal_token(registration.token_sealed)
    if token is None or hash_token(token) != registration.token_hash:
        return None
    return token


def renew_manage_token(session: Session, registration: Registration) -> str:
    """Give a registration a new manage token (the person asked for it, confirmed); the old
    link, feed, check-in code and join links stop working. Mails the new link."""
    from eventapp.registrations import mails

    token = new_token()
    set_tokens(registration, token)
    registration.updated_at = utcnow()
    session.flush()
    mails.queue_confirmation(session, registration, variant=mails.RENEWED)
    return token


def _lookup(session: Session, column: ColumnElement, token: str) -> Registration | None:
    if not token or len(token) > 100:
        return None
    return session.scalar(
        select(Registration)
        .where(column == hash_token(token), Registration.purged_at.is_(None))
        .options(
            selectinload(Registration.event).selectinload(Event.sessions),
            selectinload(Registration.session_choices),
            selectinload(Registration.city),
            selectinload(Registration.organisation),
        )
    )


def get_registration_by_token(session: Session, token: str) -> Registration | None:
    return _lookup(session, Registration.token_hash, token)


def get_registration_by_feed_token(session: Session, token: str) -> Registration | None:
    return _lookup(session, Registration.feed_token_hash, token)


def get_registration_by_checkin_code(session: Session, event: Event, code: str) -> Registration | None:
    registration = _lookup(session, Registration.checkin_hash, code.strip())
    return registration if registration is not None and registration.event_id == event.id else None


def get_registration_by_sign_in_token(session: Session, token: str) -> Registration | None:
    """The registration of a valid, unexpired sign-in token whose manage token is unchanged."""
    value = read_sign_in_token(token)
    if value is None or not 0 < value[0] < 2**31:
        return None
    registration = session.get(Registration, value[0])
    if registration is None or registration.purged_at is not None:
        return None
    return registration if sign_in_matches(value[1], registration.token_hash) else None


class ResealCounts(NamedTuple):
    resealed: int
    current: int
    unreadable: int


def reseal_tokens(session: Session, batch: int = 500) -> ResealCounts:
    """Seal each stored token with the current SECRET_KEY, a batch of registrations per
    transaction (each takes the write lock for a moment only). Tokens no known key opens
    stay as they are: their people get sign-in links, as before."""
    resealed = current = unreadable = 0
    last_id = 0
    while True:
        begin_write(session)
        rows = session.execute(
            select(Registration.id, Registration.token_sealed)
            .where(Registration.id > last_id, Registration.token_sealed.is_not(None))
            .order_by(Registration.id)
            .limit(batch)
        ).all()
        if not rows:
            session.commit()
            return ResealCounts(resealed, current, unreadable)
        for registration_id, sealed in rows:
            fresh = reseal(sealed)
            if fresh is None:
                unreadable += 1
            elif fresh == sealed:
                current += 1
            else:
                # Only if unchanged since read: a person who took a new link meanwhile keeps
                # it (on PostgreSQL nothing else holds that row back).
                changed = session.execute(
                    update(Registration)
                    .where(Registration.id == registration_id, Registration.token_sealed == sealed)
                    .values(token_sealed=fresh)
                ).rowcount
                resealed += changed
        last_id = rows[-1].id
        session.commit()
