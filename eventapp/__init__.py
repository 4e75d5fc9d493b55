"""The ISA events platform: create_app() wires configuration, extensions and blueprints."""
from __future__ import annotations

from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from flask import Flask
from werkzeug.middleware.proxy_fix import ProxyFix
from werkzeug.routing import IntegerConverter, Map

from config import BASE_DIR, Config, get_config
from eventapp import database  # engine listeners, JSON reader
from eventapp.extensions import babel, csrf, db, limiter, login_manager, migrate


def create_app(config: type[Config] | str | None = None, **overrides: object) -> Flask:
    """Build the app for a config class or name (default: EVENTAPP_ENV)."""
    config_class = config if isinstance(config, type) else get_config(config)
    app = Flask(
        __name__,
        template_folder=str(BASE_DIR / "templates"),
        instance_path=str(BASE_DIR / "instance"),
    )
    app.config.from_object(config_class)
    app.config.update(overrides)
    Path(app.instance_path).mkdir(parents=True, exist_ok=True)
    options = dict(app.config.get("SQLALCHEMY_ENGINE_OPTIONS") or {})
    options.setdefault("json_deserializer", database.load_json)
    if str(app.config["SQLALCHEMY_DATABASE_URI"]).startswith("postgresql"):
        # A dead database host must fail a connection attempt, not hang a worker.
        options["connect_args"] = {"connect_timeout": 5, **options.get("connect_args", {})}
    app.config["SQLALCHEMY_ENGINE_OPTIONS"] = options
    if app.config["ENV_NAME"] == "production" and not app.config.get("TRUSTED_HOSTS"):
        # Accept only the public host: links and redirects never trust a forged Host header.
        app.config["TRUSTED_HOSTS"] = [urlsplit(app.config["PUBLIC_URL"]).hostname]

    if app.config.get("PROXY_COUNT"):
        count = int(app.config["PROXY_COUNT"])
        app.wsgi_app = ProxyFix(  # type: ignore[method-assign]
            app.wsgi_app, x_for=count, x_proto=count, x_host=0, x_port=0, x_prefix=0
        )
    # Path ids beyond a 32-bit integer can name no row: 404 before any query (PostgreSQL
    # would refuse to compare an INTEGER column with them).
    app.url_map.converters["int"] = BoundedIntegerConverter
    _init_extensions(app)
    _register_blueprints(app)

    from eventapp import cli, display, i18n, security

    i18n.init_app(app)
    security.init_app(app)
    display.init_app(app)
    cli.init_app(app)
    return app


class BoundedIntegerConverter(IntegerConverter):
    """`<int:...>` limited to 0 .. 2**31 - 1 (ASCII digits only, as werkzeug's own)."""

    def __init__(self, map: Map, *args: Any, **kwargs: Any) -> None:  # noqa: A002
        kwargs.setdefault("max", 2**31 - 1)
        super().__init__(map, *args, **kwargs)


def _init_extensions(app: Flask) -> None:
    from eventapp import i18n
    from eventapp.models import User
    from eventapp.rules.validation import parse_number

    db.init_app(app)
    migrate.init_app(app, db, directory=str(BASE_DIR / "migrations"), render_as_batch=True)
    csrf.init_app(app)
    limiter.init_app(app)
    babel.init_app(app, locale_selector=i18n.select_locale)
    login_manager.init_app(app)
    login_manager.login_view = "auth.login"
    login_manager.session_protection = "strong"

    @login_manager.user_loader
    def load_user(user_id: str) -> User | None:
        # A disabled account loads as nobody, so sessions already signed in lose access at
        # once (login_required checks only is_authenticated: do not depend on the mixin).
        # "<id>.<session version>": a cookie minted before the version was raised is void.
        number_text, _, version_text = user_id.partition(".")
        number, version = parse_number(number_text), parse_number(version_text)
        user = db.session.get(User, number) if number is not None else None
        if user is None or not user.is_enabled or user.session_version != version:
            return None
        return user


def _register_blueprints(app: Flask) -> None:
    from eventapp.admin import bp as admin_bp
    from eventapp.agenda import bp as agenda_bp
    from eventapp.archive import bp as archive_bp
    from eventapp.auth import bp as auth_bp
    from eventapp.calendar import bp as calendar_bp
    from eventapp.cities import bp as cities_bp
    from eventapp.events import bp as events_bp
    from eventapp.main import bp as main_bp
    from eventapp.manage import bp as manage_bp
    from eventapp.registrations import bp as registrations_bp
    from eventapp.registrations import manage_bp as registrations_manage_bp
    from eventapp.speakers import bp as speakers_bp

    app.register_blueprint(main_bp)
    app.register_blueprint(auth_bp, url_prefix="/auth")
    app.register_blueprint(registrations_bp)
    app.register_blueprint(registrations_manage_bp)
    app.register_blueprint(archive_bp)
    app.register_blueprint(cities_bp)
    app.register_blueprint(calendar_bp)
    app.register_blueprint(events_bp, url_prefix="/events")
    app.register_blueprint(manage_bp, url_prefix="/manage")
    app.register_blueprint(agenda_bp, url_prefix="/manage/events/<slug>/agenda")
    app.register_blueprint(speakers_bp)
    app.register_blueprint(admin_bp, url_prefix="/manage/admin")
