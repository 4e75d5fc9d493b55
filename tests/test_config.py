import importlib

import pytest

import config
from eventapp import create_app


@pytest.fixture
def fresh_config(monkeypatch):
    def load(**env):
        for key in ("SECRET_KEY", "DATABASE_URL", "PUBLIC_URL", "RATELIMIT_STORAGE_URI"):
            monkeypatch.delenv(key, raising=False)
        for key, value in env.items():
            monkeypatch.setenv(key, value)
        return importlib.reload(config)

    yield load
    importlib.reload(config)


def test_production_refuses_to_start_without_secret_key(fresh_config):
    module = fresh_config()
    with pytest.raises(RuntimeError, match="SECRET_KEY"):
        module.get_config("production")


def test_production_sets_secure_cookies_and_trusted_host(fresh_config):
    module = fresh_config(SECRET_KEY="x" * 40, PUBLIC_URL="https://events.example.org",
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


def test_unknown_environment_name_is_refused(fresh_config):
    module = fresh_config()
    with pytest.raises(RuntimeError, match="EVENTAPP_ENV"):
        module.get_config("staging")
