"""Sealed participant secrets: recoverable by this app only, useless in a database dump.

The manage token is stored twice: as a SHA-256 hash for lookups and sealed (Fernet, with a
key derived from SECRET_KEY by HKDF) so that a repeated sign-up can mail the same link again
and the outbox renders links at send time without keeping them. Keys in
SECRET_KEY_FALLBACKS still open what they sealed, so rotating SECRET_KEY breaks no link.

Sign-in links (for registrations whose token cannot be unsealed) are stateless: signed with
the same keys, valid for SIGN_IN_MAX_AGE, bound to the registration's current token hash so
that they die as soon as the person takes a new personal link.
"""
from __future__ import annotations

import base64
import hashlib
import hmac
from functools import lru_cache

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from flask import current_app
from itsdangerous import BadSignature, URLSafeTimedSerializer

SEAL_PURPOSE = b"registration-token"
SIGN_IN_SALT = "registration-sign-in"
SIGN_IN_MAX_AGE = 24 * 3600


def _secret_keys() -> tuple[str, ...]:
    """The current key first, then the fallbacks (Flask's SECRET_KEY_FALLBACKS)."""
    config = current_app.config
    return (config["SECRET_KEY"], *(config.get("SECRET_KEY_FALLBACKS") or ()))


def _as_bytes(key: str | bytes) -> bytes:
    return key if isinstance(key, bytes) else key.encode()


@lru_cache(maxsize=8)
def _fernet(keys: tuple[str | bytes, ...]) -> MultiFernet:
    def derive(key: str | bytes) -> Fernet:
        material = HKDF(algorithm=hashes.SHA256(), length=32, salt=None, info=SEAL_PURPOSE).derive(_as_bytes(key))
        return Fernet(base64.urlsafe_b64encode(material))

    return MultiFernet([derive(key) for key in keys])


def seal_token(token: str) -> str:
    """The token encrypted with the current SECRET_KEY."""
    return _fernet(_secret_keys()).encrypt(token.encode()).decode()


def unseal_token(sealed: str | None) -> str | None:
    """The sealed token, or None when nothing is sealed or no known key opens it."""
    if not sealed:
        return None
    try:
        return _fernet(_secret_keys()).decrypt(sealed.encode()).decode()
    except (InvalidToken, ValueError):
        return None


def reseal(sealed: str) -> str | None:
    """`sealed` sealed anew with the current SECRET_KEY; the same text when that key sealed
    it already, None when no known key opens it."""
    current = _fernet(_secret_keys()[:1])
    try:
        current.decrypt(sealed.encode())
    except (InvalidToken, ValueError):
        pass
    else:
        return sealed
    try:
        return _fernet(_secret_keys()).rotate(sealed.encode()).decode()
    except (InvalidToken, ValueError):
        return None


def _sign_in_serializer() -> URLSafeTimedSerializer:
    # itsdangerous signs with the last key and accepts every key in the list.
    return URLSafeTimedSerializer(list(reversed(_secret_keys())), salt=SIGN_IN_SALT)


def _fingerprint(token_hash: str) -> str:
    return hashlib.sha256(f"sign-in:{token_hash}".encode()).hexdigest()[:16]


def make_sign_in_token(registration_id: int, token_hash: str) -> str:
    """A short-lived link that reaches one registration while its manage token is unchanged."""
    return _sign_in_serializer().dumps([registration_id, _fingerprint(token_hash)])


def read_sign_in_token(token: str, max_age: int = SIGN_IN_MAX_AGE) -> tuple[int, str] | None:
    """(registration id, fingerprint) of a valid sign-in token; None if forged or expired."""
    if not token or len(token) > 200:
        return None
    try:
        value = _sign_in_serializer().loads(token, max_age=max_age)
    except (BadSignature, ValueError, TypeError):
        return None
    if (
        not isinstance(value, list) or len(value) != 2
        or not isinstance(value[0], int) or not isinstance(value[1], str)
    ):
        return None
    return value[0], value[1]


def sign_in_matches(fingerprint: str, token_hash: str) -> bool:
    return hmac.compare_digest(fingerprint, _fingerprint(token_hash))
