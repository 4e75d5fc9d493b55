"""Rate limits are shared through Redis when RATELIMIT_STORAGE_URI points at it."""
import os
import re
import socket
import uuid

import pytest

from config import TestingConfig
from eventapp import create_app
from eventapp.extensions import limiter

REDIS = ("127.0.0.1", 6379)


def redis_available() -> bool:
    try:
        with socket.create_connection(REDIS, timeout=0.5):
            return True
    except OSError:
        return False


@pytest.fixture
def restore_limiter_storage():
    """Flask-Limiter keeps one storage per Limiter object, and init_app() replaces it: put
    back the suite's in-memory storage so later tests do not count in Redis."""
    saved = (limiter._storage, limiter._limiter)
    yield
    limiter._storage, limiter._limiter = saved


def test_login_limit_is_shared_between_apps_through_redis(app, restore_limiter_storage):
    if not redis_available():
        if os.environ.get("CI"):
            pytest.fail("Redis is not running on 127.0.0.1:6379 in CI")
        pytest.skip("Redis is not running on 127.0.0.1:6379")
    prefix = f"test-{uuid.uuid4().hex}"
    settings = {
        "SQLALCHEMY_DATABASE_URI": app.config["SQLALCHEMY_DATABASE_URI"],
        "RATELIMIT_STORAGE_URI": "redis://127.0.0.1:6379/15",
        "RATELIMIT_KEY_PREFIX": prefix,
        "LOGIN_RATE_LIMIT": "3 per minute",
    }
    # Two app instances stand for two worker processes behind one proxy.
    first = create_app(TestingConfig, **settings).test_client()
    second = create_app(TestingConfig, **settings).test_client()

    def attempt(client):
        body = client.get("/auth/login").get_data(as_text=True)
        token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', body).group(1)
        return client.post(
            "/auth/login", data={"email": "x@example.org", "password": "wrong", "csrf_token": token}
        ).status_code

    statuses = [attempt(first), attempt(second), attempt(first), attempt(second)]
    assert statuses == [401, 401, 401, 429]
