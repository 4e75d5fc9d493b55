"""Organisers: who joined the virtual sessions, and the video link pages (applied at once)."""
from __future__ import annotations

from flask import abort, flash, make_response, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from werkzeug.wrappers import Response

from eventapp.auth.decorators import get_managed_event_or_404, organiser_required
from eventapp.extensions import db
from eventapp.i18n import current_language
from eventapp.models import EventSession
from eventapp.registrations import manage_bp
from eventapp.registrations.exports import to_csv
from eventapp.rules.errors import RuleError
from eventapp.virtual import (
    reminders,  # noqa: F401  (registers the reminder mail renderer)
    services,
)
from eventapp.virtual.forms import EventVideoForm, SessionVideoForm

PREFIX = "/manage/events/<slug>"
PRIVATE = "private, no-store"


def _private(response: Response) -> Response:
    response.headers["Cache-Control"] = PRIVATE
    return response


@manage_bp.get(f"{PREFIX}/attendance")
@organiser_required
def attendance(slug: str) -> Response:
    event = get_managed_event_or_404(slug)
    reports = services.list_attendance(db.session, event, current_language())
    body = render_template("manage/attendance.html", event=event, reports=reports,
                           links={report.item.id: services.join_link_for(report.item) for report in reports},
                           default_url=event.default_join_url)
    return _private(make_response(body))


@manage_bp.get(f"{PREFIX}/attendance.csv")
@organiser_required
def attendance_csv(slug: str) -> Response:
    event = get_managed_event_or_404(slug)
    rows = services.attendance_rows(services.list_attendance(db.session, event, current_language()))
    response = make_response(to_csv(rows))
    response.headers["Content-Type"] = "text/csv; charset=utf-8"
    response.headers["Content-Disposition"] = f'attachment; filename="{event.slug}-attendance.csv"'
    return _private(response)


def _get_event_session_or_404(slug: str, session_id: int) -> tuple:
    event = get_managed_event_or_404(slug)
    item = services.get_event_session(db.session, event, session_id)
    if item is None:
        abort(404)
    return event, item


def _fill_session_form(form: SessionVideoForm, item: EventSession) -> None:
    form.url.data = item.join_url
    form.visibility.data = item.join_visibility.value
    form.reveal_minutes.data = item.join_reveal_minutes
    form.meeting_id.data = item.join_meeting_id
    form.passcode.data = item.join_passcode
    form.dial_in.data = item.join_dial_in
    form.fill_channels(item.join_channels)
    form.recording_url.data = item.recording_url
    form.slides_url.data = item.slides_url
    form.recording_visibility.data = item.recording_visibility.value


def _apply_rule_error(form: EventVideoForm, error: RuleError) -> None:
    name = "channel_de_url" if error.field == "channels" else error.field
    target = getattr(form, name, None)
    if target is not None and hasattr(target, "errors"):
        target.errors = [*target.errors, str(error.message)]
    else:
        form.form_errors.append(str(error.message))


@manage_bp.route(f"{PREFIX}/sessions/<int:session_id>/video", methods=["GET", "POST"])
@organiser_required
def session_video(slug: str, session_id: int) -> Response:
    event, item = _get_event_session_or_404(slug, session_id)
    form = SessionVideoForm() if request.method == "POST" else SessionVideoForm(formdata=None)

    def page(status: int = 200) -> Response:
        body = render_template("manage/session_video.html", event=event, item=item, form=form,
                               uses_default=not item.join_url and bool(event.default_join_url))
        return _private(make_response(body, status))

    if not form.is_submitted():
        _fill_session_form(form, item)
        return page()
    if not form.validate():
        if form.csrf_token.errors:
            abort(400)
        return page(422)
    try:
        services.update_session_video(db.session, current_user, item, form.data_object())
    except RuleError as error:
        db.session.rollback()
        event, item = _get_event_session_or_404(slug, session_id)
        _apply_rule_error(form, error)
        return page(422)
    db.session.commit()
    flash(_("The video link is saved and shown at once."), "success")
    return _private(redirect(url_for("registrations_manage.session_video", slug=slug, session_id=session_id)))


@manage_bp.route(f"{PREFIX}/video", methods=["GET", "POST"])
@organiser_required
def event_video(slug: str) -> Response:
    event = get_managed_event_or_404(slug)
    form = EventVideoForm() if request.method == "POST" else EventVideoForm(formdata=None)

    def page(status: int = 200) -> Response:
        body = render_template("manage/event_video.html", event=event, form=form)
        return _private(make_response(body, status))

    if not form.is_submitted():
        form.url.data = event.default_join_url
        form.visibility.data = event.default_join_visibility.value
        form.reveal_minutes.data = event.default_join_reveal_minutes
        form.meeting_id.data = event.default_join_meeting_id
        form.passcode.data = event.default_join_passcode
        form.dial_in.data = event.default_join_dial_in
        return page()
    if not form.validate():
        if form.csrf_token.errors:
            abort(400)
        return page(422)
    try:
        services.update_event_video(db.session, current_user, event, form.data_object())
    except RuleError as error:
        db.session.rollback()
        event = get_managed_event_or_404(slug)
        _apply_rule_error(form, error)
        return page(422)
    db.session.commit()
    flash(_("The default video link is saved and shown at once."), "success")
    return _private(redirect(url_for("registrations_manage.event_video", slug=slug)))
