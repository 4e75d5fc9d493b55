import importlib

import pytest

import config
from eventapp import create_app


@pytest.fixture
def fresh_config(monkeypatch):
    def load(**env):
        for key in ("SECRET_KEY", "DATABASE_URL", "PUBLIC_URL", "RATELIMIT_STORAGE_URI", "PROXY_COUNT",
                    "SECRET_KEY_FALLBACKS"):
            monkeypatch.delenv(key, raising=False)
        for key, value in env.items():
            monkeypatch.setenv(key, value)
        return importlib.reload(config)

    yield load
    monkeypatch.undo()
    importlib.reload(config)


def test_production_refuses_to_start_without_secret_key(fresh_config):
    module = fresh_config()
    with pytest.raises(RuntimeError, match="SECRET_KEY"):
        module.get_config("production")


def test_production_sets_secure_cookies_and_trusted_host(fresh_config):
    module = fresh_config(SECRET_KEY="kV3q9xT0pLm2Zr7YwB5nC8dF1gH4jK6sQeUaIo", PUBLIC_URL="https://events.example.org",
                          DATABASE_URL="sqlite://")
    app = create_app(module.get_config("production"))
    assert app.config["SESSION_COOKIE_SECURE"] is True
    assert app.config["REMEMBER_COOKIE_SECURE"] is True
    assert app.config["TRUSTED_HOSTS"] == ["events.example.org"]
    response = app.test_client().get("/healthz", headers={"Host": "evil.example"})
    assert response.status_code == 400


def test_environment_variables_feed_config(fresh_config):
    module = fresh_config(DATABASE_URL="postgresql+psycopg://u@db/x", RATELIMIT_STORAGE_URI="redis://r:6379/0")
    cls = module.get_config("development")
    assert (cls.SQLALCHEMY_DATABASE_URI, cls.RATELIMIT_STORAGE_URI) == (
        "postgresql+psycopg://u@db/x", "redis://r:6379/0"
    )


def test_secret_key_fallbacks_come_from_the_environment(fresh_config):
    module = fresh_config(SECRET_KEY_FALLBACKS=" old-key-2  old-key-1 ")
    assert (module.get_config("development").SECRET_KEY_FALLBACKS, fresh_config().Config.SECRET_KEY_FALLBACKS) == (
        ["old-key-2", "old-key-1"], [])


def test_unknown_environment_name_is_refused(fresh_config):
    module = fresh_config()
    with pytest.raises(RuntimeError, match="EVENTAPP_ENV"):
        module.get_config("staging")


@pytest.mark.parametrize(("key", "reason"), [
    ("short-but-random-Zq8", "too short"),
    ("a" * 64, "too little entropy"),
    ("abababababababababababababababab", "too little entropy"),
])
def test_production_refuses_weak_secret_key(fresh_config, key, reason):
    module = fresh_config(SECRET_KEY=key)
    with pytest.raises(RuntimeError, match=reason):
        module.get_config("production")


def test_production_accepts_a_random_secret_key(fresh_config):
    import secrets

    module = fresh_config(SECRET_KEY=secrets.token_hex(32))
    assert module.get_config("production").ENV_NAME == "production"


def test_proxy_count_makes_rate_limits_key_on_the_client(app):
    import re

    from config import TestingConfig
    from eventapp.extensions import limiter

    saved = (limiter._storage, limiter._limiter)
    behind_proxy = create_app(TestingConfig, SQLALCHEMY_DATABASE_URI=app.config["SQLALCHEMY_DATABASE_URI"],
                              PROXY_COUNT=1, LOGIN_RATE_LIMIT="2 per minute")
    client = behind_proxy.test_client()

    def attempt(client_address):
        headers = {"X-Forwarded-For": client_address}
        body = client.get("/auth/login", headers=headers).get_data(as_text=True)
        token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', body).group(1)
        return client.post("/auth/login", headers=headers, environ_base={"REMOTE_ADDR": "10.0.0.1"},
                           data={"email": "x@example.org", "password": "wrong", "csrf_token": token}
                           ).status_code

    try:
        statuses = [attempt("198.51.100.7") for _ in range(3)] + [attempt("203.0.113.9")]
    finally:
        limiter.reset()
        limiter._storage, limiter._limiter = saved
    # Every request comes from the proxy 10.0.0.1; the limit follows the forwarded client.
    assert statuses == [401, 401, 429, 401]


def test_proxy_count_must_be_a_number(fresh_config):
    with pytest.raises(RuntimeError, match="PROXY_COUNT"):
        fresh_config(PROXY_COUNT="²")


def test_gunicorn_warns_about_memory_rate_limits_with_several_workers(tmp_path):
    import os
    import secrets
    import signal
    import socket
    import subprocess
    import sys
    import time
    from pathlib import Path

    root = Path(__file__).resolve().parent.parent
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    env = {**os.environ, "EVENTAPP_ENV": "production", "SECRET_KEY": secrets.token_hex(32),
           "DATABASE_URL": f"sqlite:///{tmp_path / 'db.sqlite'}", "RATELIMIT_STORAGE_URI": "memory://",
           "PUBLIC_URL": f"http://127.0.0.1:{port}"}
    # The log goes to a file, not a pipe nobody reads once the warning is found. The
    # warning comes before the workers boot, and a worker signalled while it is still
    # being forked keeps running until the master's graceful timeout: keep that short and
    # wait well past it, so a stop never races the default 30 s.
    log_path = tmp_path / "gunicorn.log"
    with log_path.open("w") as log:
        server = subprocess.Popen(
            [sys.executable, "-m", "gunicorn", "--workers", "2", "--graceful-timeout", "3",
             "--bind", f"127.0.0.1:{port}", "wsgi:app"],
            cwd=root, env=env, stderr=log, text=True)
    text = ""
    try:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline and server.poll() is None:
            text = log_path.read_text()
            if "RATELIMIT_STORAGE_URI" in text:
                break
            time.sleep(0.1)
    finally:
        server.send_signal(signal.SIGTERM)
        try:
            server.wait(timeout=60)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait()
    lines = log_path.read_text().splitlines()
    assert any("RATELIMIT_STORAGE_URI is memory:// with 2 workers" in line for line in lines), lines
