"""Organiser sign-in and sign-out."""
from __future__ import annotations

from flask import current_app, flash, redirect, render_template, request, session, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required, login_user, logout_user
from werkzeug.wrappers import Response

from eventapp.auth import bp
from eventapp.auth.forms import LoginForm, LogoutForm
from eventapp.auth.services import authenticate, end_sessions
from eventapp.extensions import db, limiter
from eventapp.security import is_safe_path


def _login_limit() -> str:
    return current_app.config["LOGIN_RATE_LIMIT"]


@bp.route("/login", methods=["GET", "POST"])
@limiter.limit(_login_limit, methods=["POST"])
def login() -> Response | tuple[str, int] | str:
    form = LoginForm()
    if request.method == "GET":
        form.next.data = request.args.get("next", "")
    if current_user.is_authenticated and request.method == "GET":
        return redirect(url_for("manage.index"))
    if form.validate_on_submit():
        user = authenticate(db.session, form.email.data, form.password.data)
        if user is not None:
            db.session.commit()
            login_user(user, remember=form.remember.data)
            flash(_("You are signed in."), "success")
            target = form.next.data if is_safe_path(form.next.data) else url_for("manage.index")
            return redirect(target)
        flash(_("E-mail or password is wrong."), "error")
        return render_template("auth/login.html", form=form), 401
    if form.is_submitted():
        return render_template("auth/login.html", form=form), 422
    return render_template("auth/login.html", form=form)


@bp.post("/logout")
@login_required
def logout() -> Response:
    form = LogoutForm()
    if not form.validate_on_submit():
        return redirect(url_for("main.home"))
    user = current_user._get_current_object()
    end_sessions(db.session, user)
    db.session.commit()
    logout_user()
    # Flask-Login would clear the remember cookie without Secure, HttpOnly and SameSite;
    # clear it here with the same attributes it was set with.
    session.pop("_remember", None)
    flash(_("You are signed out."), "success")
    response = redirect(url_for("main.home"))
    config = current_app.config
    response.delete_cookie(
        config.get("REMEMBER_COOKIE_NAME", "remember_token"),
        path=config.get("REMEMBER_COOKIE_PATH", "/"),
        domain=config.get("REMEMBER_COOKIE_DOMAIN"),
        secure=bool(config.get("REMEMBER_COOKIE_SECURE")),
        httponly=True,
        samesite=config.get("REMEMBER_COOKIE_SAMESITE", "Lax"),
    )
    return response
