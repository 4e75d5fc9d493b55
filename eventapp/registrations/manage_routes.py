"""Organiser side: list, counts, approve/reject/promote, check-in, exports, group mail."""
from __future__ import annotations

from flask import abort, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import ngettext
from flask_login import current_user
from werkzeug.wrappers import Response

from eventapp import audit
from eventapp.auth.decorators import get_managed_event_or_404, organiser_required
from eventapp.extensions import db
from eventapp.i18n import current_language
from eventapp.models import AttendanceMode, OrganisationKind, Registration, RegistrationStatus
from eventapp.registrations import exports, mails, manage_bp, services
from eventapp.registrations.forms import CheckinForm, ConfirmForm, FilterForm, MessageForm
from eventapp.registrations.routes import _deliver_new_mails, _last_mail_id
from eventapp.rules.errors import RuleError
from eventapp.rules.validation import parse_number

PREFIX = "/manage/events/<slug>/registrations"



def _enum_or_none(enum_cls: type, value: str | None) -> object | None:
    try:
        return enum_cls(value) if value else None
    except ValueError:
        return None


def _filters(form: FilterForm) -> services.RegistrationFilters:
    city = form.city.data
    return services.RegistrationFilters(
        status=_enum_or_none(RegistrationStatus, form.status.data),  # type: ignore[arg-type]
        attendance_mode=_enum_or_none(AttendanceMode, form.attendance_mode.data),  # type: ignore[arg-type]
        participant_type=_enum_or_none(OrganisationKind, form.participant_type.data),  # type: ignore[arg-type]
        city_id=parse_number(city),
        # A NUL byte matches no name and PostgreSQL refuses it in a parameter: ignored.
        query=(form.q.data or "").replace("\x00", "").strip()[:100] or None,
    )


def _filter_form() -> FilterForm:
    form = FilterForm(request.args)
    form.setup(services.city_choices(db.session, current_language()))
    return form


def _back(slug: str) -> Response:
    args = {key: value for key, value in request.args.items() if value}
    return redirect(url_for("registrations_manage.index", slug=slug, **args))


def _filter_summary(filters: services.RegistrationFilters) -> dict[str, object]:
    """The filters an export or message used, for the audit log (only those set)."""
    values = {
        "status": filters.status, "attendance_mode": filters.attendance_mode,
        "participant_type": filters.participant_type, "city_id": filters.city_id,
        "query": "".join(char for char in filters.query if char.isprintable())[:100]
        if filters.query else None,
    }
    return {key: value for key, value in values.items() if value is not None}


def _record(registration: Registration, action: str, old_status: RegistrationStatus) -> None:
    changes = {}
    if registration.status != old_status:
        changes["status"] = [old_status, registration.status]
    if action == "registration.checkin":
        changes["checked_in_at"] = registration.checked_in_at
    # No name or e-mail in the log: the privacy purge of registrations cannot reach it.
    audit.record(
        db.session, current_user, action, "registration", registration.id,
        event_id=registration.event_id, changes=changes,
    )


@manage_bp.get(f"{PREFIX}/")
@organiser_required
def index(slug: str) -> str:
    event = get_managed_event_or_404(slug)
    form = _filter_form()
    return render_template(
        "manage/registrations.html",
        event=event,
        filter_form=form,
        registrations=services.list_registrations(db.session, event, _filters(form)),
        counts=services.count_registrations(db.session, event, current_language()),
        confirm_form=ConfirmForm(formdata=None),
        checkin_form=CheckinForm(formdata=None),
        availability=services.get_availability(event),
        query_args={key: value for key, value in request.args.items() if value},
    )


@manage_bp.post(f"{PREFIX}/<int:registration_id>/<any(approve, reject, promote, checkin):action>")
@organiser_required
def act(slug: str, registration_id: int, action: str) -> Response:
    services.begin_write(db.session)
    event = get_managed_event_or_404(slug)
    registration = services.get_event_registration(db.session, event, registration_id)
    if registration is None:
        abort(404)
    if not ConfirmForm().validate_on_submit():
        abort(400)
    service = {
        "approve": services.approve_registration,
        "reject": services.reject_registration,
        "promote": services.promote_registration,
        "checkin": services.check_in,
    }[action]
    before = _last_mail_id()
    old_status = registration.status
    try:
        service(db.session, registration)
    except RuleError as error:
        db.session.rollback()
        flash(str(error.message), "error")
        return _back(slug)
    _record(registration, f"registration.{action}", old_status)
    db.session.commit()
    _deliver_new_mails(before)
    messages = {
        "approve": _("Registration approved."),
        "reject": _("Registration rejected."),
        "promote": _("Moved up from the waiting list."),
        "checkin": _("Checked in."),
    }
    flash(messages[action], "success")
    return _back(slug)


@manage_bp.route(f"{PREFIX}/checkin", methods=["GET", "POST"])
@organiser_required
def checkin(slug: str) -> Response:
    """Check in by the QR code's content: scanning opens this URL (GET shows a button)."""
    if request.method == "POST":
        services.begin_write(db.session)
    event = get_managed_event_or_404(slug)
    form = CheckinForm()
    if request.method == "GET":
        form.code.data = request.args.get("code", "")
        return render_template("manage/checkin.html", event=event, form=form)
    if not form.validate_on_submit():
        if form.csrf_token.errors:
            abort(400)
        return render_template("manage/checkin.html", event=event, form=form), 422  # type: ignore[return-value]
    code = form.code.data.strip().rsplit("/", 1)[-1].rsplit("=", 1)[-1]
    registration = services.get_registration_by_checkin_code(db.session, event, code)
    if registration is None:
        form.code.errors = [_("No registration for this event has this code.")]
        return render_template("manage/checkin.html", event=event, form=form), 404  # type: ignore[return-value]
    try:
        services.check_in(db.session, registration)
    except RuleError as error:
        db.session.rollback()
        form.code.errors = [str(error.message)]
        return render_template("manage/checkin.html", event=event, form=form), 409  # type: ignore[return-value]
    _record(registration, "registration.checkin", registration.status)
    db.session.commit()
    flash(
        _("Checked in: %(name)s", name=f"{registration.first_name} {registration.last_name}"),
        "success",
    )
    return redirect(url_for("registrations_manage.checkin", slug=slug))


@manage_bp.get(f"{PREFIX}/export.<any(csv, xlsx):kind>")
@organiser_required
def export(slug: str, kind: str) -> Response:
    event = get_managed_event_or_404(slug)
    filters = _filters(_filter_form())
    registrations = services.list_registrations(db.session, event, filters)
    rows = exports.registration_rows(registrations, current_language())
    if kind == "csv":
        body, mimetype = exports.to_csv(rows), "text/csv"
    else:
        body = exports.to_xlsx(rows, event.slug)
        mimetype = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    # Who took personal data away, and how much of it, belongs in the audit log.
    audit.record(
        db.session, current_user, f"registration.export_{kind}", "event", event.id,
        event_id=event.id, summary=f"{event.slug}-registrations.{kind}",
        changes={"rows": len(registrations), "filters": _filter_summary(filters)},
    )
    db.session.commit()
    response = current_app.response_class(body, mimetype=mimetype)
    response.headers["Content-Disposition"] = f'attachment; filename="{event.slug}-registrations.{kind}"'
    response.headers["Cache-Control"] = "private, no-store"
    return response


@manage_bp.route(f"{PREFIX}/message", methods=["GET", "POST"])
@organiser_required
def message(slug: str) -> Response | str:
    if request.method == "POST":
        services.begin_write(db.session)
    event = get_managed_event_or_404(slug)
    form = MessageForm()
    form.setup()
    if not form.validate_on_submit():
        if form.is_submitted() and form.csrf_token.errors:
            abort(400)
        status = 422 if form.is_submitted() else 200
        return render_template("manage/message.html", event=event, form=form), status  # type: ignore[return-value]
    status_filter = _enum_or_none(RegistrationStatus, form.status.data)
    recipients = [
        registration
        for registration in services.list_registrations(
            db.session,
            event,
            services.RegistrationFilters(
                status=status_filter,  # type: ignore[arg-type]
                attendance_mode=_enum_or_none(AttendanceMode, form.attendance_mode.data),  # type: ignore[arg-type]
            ),
        )
        if registration.status in services.ACTIVE_STATUSES
    ]
    before = _last_mail_id()
    for registration in recipients:
        mails.queue_organiser_message(db.session, registration, form.subject.data, form.message.data)
    audit.record(
        db.session, current_user, "registration.message", "event", event.id, event_id=event.id,
        summary=form.subject.data,
        changes={"recipients": len(recipients), "status": form.status.data or None,
                 "attendance_mode": form.attendance_mode.data or None},
    )
    db.session.commit()
    _deliver_new_mails(before)
    flash(
        ngettext("%(num)d mail queued.", "%(num)d mails queued.", len(recipients)), "success"
    )
    return redirect(url_for("registrations_manage.index", slug=slug))


@manage_bp.context_processor
def _enums() -> dict:
    return {"status_enum": RegistrationStatus, "mode_enum": AttendanceMode, "kind_enum": OrganisationKind,
            "person_name": mails.person_name}
