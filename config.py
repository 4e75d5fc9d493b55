"""Configuration classes, chosen by EVENTAPP_ENV and fed from the environment."""
from __future__ import annotations

import math
import os
import secrets
from collections import Counter
from pathlib import Path

BASE_DIR = Path(__file__).resolve().parent
INSTANCE_DIR = BASE_DIR / "instance"


def _bool(name: str, default: bool = False) -> bool:
    value = os.environ.get(name)
    if value is None:
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def _dev_secret_key() -> str:
    """A key generated once into instance/ so that sessions survive restarts."""
    INSTANCE_DIR.mkdir(parents=True, exist_ok=True)
    key_file = INSTANCE_DIR / "secret_key"
    if not key_file.exists():
        key_file.write_text(secrets.token_hex(32))
        key_file.chmod(0o600)
    return key_file.read_text().strip()


# A production SECRET_KEY signs sessions, CSRF tokens and derived participant secrets.
SECRET_KEY_MIN_LENGTH = 32
SECRET_KEY_MIN_BITS = 128


def secret_key_problem(key: str | None) -> str | None:
    """Why a SECRET_KEY is too weak for production, or None when it is fine."""
    if not key:
        return "SECRET_KEY must be set when EVENTAPP_ENV=production."
    if len(key) < SECRET_KEY_MIN_LENGTH:
        return (f"SECRET_KEY is too short ({len(key)} characters); use at least "
                f"{SECRET_KEY_MIN_LENGTH}, e.g. python -c 'import secrets; print(secrets.token_hex(32))'.")
    counts = Counter(key)
    per_character = -sum(n / len(key) * math.log2(n / len(key)) for n in counts.values())
    if per_character * len(key) < SECRET_KEY_MIN_BITS:
        return ("SECRET_KEY has too little entropy (repeated or few distinct characters); "
                "use a random value, e.g. python -c 'import secrets; print(secrets.token_hex(32))'.")
    return None


def _proxy_count() -> int:
    value = (os.environ.get("PROXY_COUNT") or "0").strip()
    if not value.isascii() or not value.isdigit():
        raise RuntimeError(f"PROXY_COUNT must be a whole number of proxies, not {value!r}.")
    return int(value)


class Config:
    ENV_NAME = "base"
    SQLALCHEMY_DATABASE_URI = os.environ.get("DATABASE_URL") or (
        f"sqlite:///{INSTANCE_DIR / 'eventapp.sqlite'}"
    )
    SQLALCHEMY_ENGINE_OPTIONS: dict = {"pool_pre_ping": True}
    PUBLIC_URL = (os.environ.get("PUBLIC_URL") or "http://127.0.0.1:5000").rstrip("/")
    # Reverse proxies in front of the app that append to X-Forwarded-For (0: none). With
    # them, rate limits key on the client's address instead of the proxy's.
    PROXY_COUNT = _proxy_count()
    UPLOAD_FOLDER = os.environ.get("UPLOAD_FOLDER") or str(INSTANCE_DIR / "uploads")
    MAX_UPLOAD_BYTES = int(os.environ.get("MAX_UPLOAD_BYTES", str(20 * 1024 * 1024)))
    # Minutes before a virtual session starts at which its participants get a reminder.
    REMINDER_MINUTES = int(os.environ.get("REMINDER_MINUTES", "60"))
    MAX_CONTENT_LENGTH = MAX_UPLOAD_BYTES + 1024 * 1024

    MAIL_SERVER = os.environ.get("MAIL_SERVER") or None
    MAIL_PORT = int(os.environ.get("MAIL_PORT", "25"))
    MAIL_USERNAME = os.environ.get("MAIL_USERNAME") or None
    MAIL_PASSWORD = os.environ.get("MAIL_PASSWORD") or None
    MAIL_USE_TLS = _bool("MAIL_USE_TLS")
    MAIL_FROM = os.environ.get("MAIL_FROM", "ISA Events <events@isa-alliance.example>")
    # The alliance office: ORGANIZER of every calendar item (RFC 5546 for PUBLISH).
    ORGANIZER_NAME = os.environ.get("ORGANIZER_NAME", "ISA Office")
    ORGANIZER_EMAIL = os.environ.get("ORGANIZER_EMAIL", "office@isa-alliance.example")

    RATELIMIT_STORAGE_URI = os.environ.get("RATELIMIT_STORAGE_URI") or "memory://"
    RATELIMIT_HEADERS_ENABLED = True
    # A moving window: a fixed one resets at each minute boundary, so bursts across it double.
    RATELIMIT_STRATEGY = "moving-window"
    LOGIN_RATE_LIMIT = os.environ.get("LOGIN_RATE_LIMIT", "10 per minute")
    # Registrations per client address; the benchmark raises it through the environment.
    REGISTRATION_RATE_LIMIT = os.environ.get("REGISTRATION_RATE_LIMIT", "10 per minute")

    # Rendered event and archive pages are kept per data version (events/cache.py). Only
    # `make bench` turns this off (PAGE_CACHE=0) for a second server that renders every
    # request; no request can bypass the caches.
    PAGE_CACHE = _bool("PAGE_CACHE", default=True)

    LANGUAGES = ("de", "en", "zh")
    BABEL_DEFAULT_LOCALE = "de"
    BABEL_DEFAULT_TIMEZONE = "UTC"
    BABEL_TRANSLATION_DIRECTORIES = str(BASE_DIR / "eventapp" / "translations")

    WTF_CSRF_TIME_LIMIT = None
    SESSION_COOKIE_HTTPONLY = True
    SESSION_COOKIE_SAMESITE = "Lax"
    REMEMBER_COOKIE_HTTPONLY = True
    REMEMBER_COOKIE_SAMESITE = "Lax"
    PREFERRED_URL_SCHEME = "http"
    SECRET_KEY: str | None = None
    # Earlier keys after a rotation: sessions and sealed participant links made with them
    # stay readable (registrations/sealing.py); new ones use SECRET_KEY.
    SECRET_KEY_FALLBACKS: list[str] = os.environ.get("SECRET_KEY_FALLBACKS", "").split()

    @classmethod
    def init(cls) -> None:
        """Hook for checks that must fail at start-up."""


class DevelopmentConfig(Config):
    ENV_NAME = "development"
    SECRET_KEY = os.environ.get("SECRET_KEY") or None

    @classmethod
    def init(cls) -> None:
        if not cls.SECRET_KEY:
            cls.SECRET_KEY = _dev_secret_key()


class TestingConfig(Config):
    ENV_NAME = "testing"
    TESTING = True
    SECRET_KEY = "testing-only-secret"  # noqa: S105  (tests only; production reads the environment)
    SECRET_KEY_FALLBACKS: list[str] = []
    SQLALCHEMY_DATABASE_URI = os.environ.get("TEST_DATABASE_URL") or "sqlite://"
    RATELIMIT_STORAGE_URI = "memory://"
    MAIL_SERVER = None
    # The defaults whatever the shell exports (the bench's PAGE_CACHE=0, raised rate
    # limits, a proxy count): a test that needs another value sets it itself.
    PAGE_CACHE = True
    PROXY_COUNT = 0
    LOGIN_RATE_LIMIT = "10 per minute"
    REGISTRATION_RATE_LIMIT = "10 per minute"
    REMINDER_MINUTES = 60
    MAX_UPLOAD_BYTES = 20 * 1024 * 1024


class ProductionConfig(Config):
    ENV_NAME = "production"
    SECRET_KEY = os.environ.get("SECRET_KEY") or None
    SESSION_COOKIE_SECURE = True
    REMEMBER_COOKIE_SECURE = True
    SESSION_COOKIE_NAME = "__Host-session"
    PREFERRED_URL_SCHEME = "https"

    @classmethod
    def init(cls) -> None:
        problem = secret_key_problem(cls.SECRET_KEY)
        if problem:
            raise RuntimeError(problem)


CONFIGS: dict[str, type[Config]] = {
    "development": DevelopmentConfig,
    "testing": TestingConfig,
    "production": ProductionConfig,
}


def get_config(name: str | None = None) -> type[Config]:
    """The config class for `name` or EVENTAPP_ENV; refuses unknown names."""
    name = name or os.environ.get("EVENTAPP_ENV", "development")
    try:
        config = CONFIGS[name]
    except KeyError:
        raise RuntimeError(f"Unknown EVENTAPP_ENV {name!r}; use one of {sorted(CONFIGS)}.") from None
    config.init()
    return config
