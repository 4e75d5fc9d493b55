"""Interface language: ?lang= (remembered in a cookie), else Accept-Language, else German."""
from __future__ import annotations

from functools import lru_cache

from babel import Locale
from flask import Flask, Response, current_app, g, has_app_context, has_request_context, request
from flask_babel import get_locale, get_translations, refresh

LANG_COOKIE = "lang"
COOKIE_MAX_AGE = 365 * 24 * 3600


# One Locale per interface language, shared by every request. Flask-Babel keeps the
# Locale that select_locale returns (Locale.parse gives a Locale back as it is), so the
# caches keyed by the request's locale find their entries by identity; a new Locale per
# request made each look-up compare five fields (Locale.__eq__), some eighty times a page.
_LOCALES: dict[str, Locale] = {}


def select_locale() -> Locale:
    code = _select_code()
    locale = _LOCALES.get(code)
    if locale is None:
        locale = _LOCALES[code] = Locale.parse(code)
    return locale


def _select_code() -> str:
    languages = current_app.config["LANGUAGES"]
    if not has_request_context():
        return current_app.config["BABEL_DEFAULT_LOCALE"]
    asked = request.args.get("lang")
    if asked in languages:
        return asked
    remembered = request.cookies.get(LANG_COOKIE)
    if remembered in languages:
        return remembered
    best = request.accept_languages.best_match(
        ["de", "en", "zh", "zh-CN", "zh-Hans", "zh-SG"], default=current_app.config["BABEL_DEFAULT_LOCALE"]
    )
    return best[:2]


def request_locale() -> Locale | None:
    """flask_babel.get_locale(), read straight from Flask-Babel's state on `g` once it is
    known: get_locale() goes three times through the `g` proxy (about 3.5 µs a call, and a
    300-session page asks some ninety times). force_locale() sets the same state, so a
    mail rendered in its reader's language gets that language here too."""
    if has_app_context():
        state = g._get_current_object().__dict__.get("_flask_babel")
        locale = getattr(state, "babel_locale", None)
        if locale is not None:
            return locale
    return get_locale()


def current_language() -> str:
    """The two-letter interface language of this request."""
    locale = request_locale()
    return locale.language if locale is not None else "de"


def html_language(code: str | None = None) -> str:
    """BCP 47 tag for lang attributes: zh is written in simplified characters."""
    code = code or current_language()
    return "zh-Hans" if code == "zh" else code


def _remember_language(response: Response) -> Response:
    asked = request.args.get("lang")
    if asked in current_app.config["LANGUAGES"] and request.cookies.get(LANG_COOKIE) != asked:
        response.set_cookie(
            LANG_COOKIE,
            asked,
            max_age=COOKIE_MAX_AGE,
            samesite="Lax",
            secure=current_app.config.get("SESSION_COOKIE_SECURE", False),
            httponly=True,
        )
    if "lang" not in (response.vary or ()):
        response.vary.add("Cookie")
        response.vary.add("Accept-Language")
    return response


def _forget_cached_locale() -> None:
    """Flask-Babel caches the locale on `g`; a request run inside an outer app context
    (a test, a script using the test client) shares that `g` and would keep the first
    request's language. Each request chooses its own."""
    refresh()


@lru_cache(maxsize=4096)
def _translated(locale: Locale | None, message: str) -> str:
    """A message in a locale (the catalogs are fixed while the process runs)."""
    return get_translations().ugettext(message)


def _template_gettext(message: str) -> str:
    """Templates' _() and gettext(): each message is looked up once per locale. Flask-Babel
    finds the request's translations anew for every call (about 6 µs; a page has dozens)."""
    return _translated(request_locale(), message)


def init_app(app: Flask) -> None:
    # As Flask-Babel installs them, with the memoised gettext.
    app.jinja_env.install_gettext_callables(
        gettext=_template_gettext,
        ngettext=lambda s, p, n: get_translations().ungettext(s, p, n),
        newstyle=True,
        pgettext=lambda c, s: get_translations().upgettext(c, s),
        npgettext=lambda c, s, p, n: get_translations().unpgettext(c, s, p, n),
    )
    app.before_request(_forget_cached_locale)
    app.after_request(_remember_language)
    app.jinja_env.globals.update(current_language=current_language, html_language=html_language)
