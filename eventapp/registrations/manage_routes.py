"""Organiser side: list, counts, approve/reject/promote, attendance mode, check-in, exports,
group mail."""
from __future__ import annotations

from functools import partial

from flask import abort, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import ngettext
from flask_login import current_user
from werkzeug.wrappers import Response

from eventapp import audit
from eventapp.auth.decorators import get_managed_event_or_404, organiser_required
from eventapp.display import date_label, datetime_label, time_label
from eventapp.extensions import db
from eventapp.i18n import current_language
from eventapp.models import (
    AttendanceMode,
    Event,
    OrganisationKind,
    Registration,
    RegistrationStatus,
)
from eventapp.models.base import utcnow
from eventapp.registrations import exports, mails, manage_bp, organiser, seats, services, tokens
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


def _filters(form: FilterForm) -> organiser.RegistrationFilters:
    city = form.city.data
    return organiser.RegistrationFilters(
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


def _filter_summary(filters: organiser.RegistrationFilters) -> dict[str, object]:
    """The filters an export or message used, for the audit log (only those set)."""
    values = {
        "status": filters.status, "attendance_mode": filters.attendance_mode,
        "participant_type": filters.participant_type, "city_id": filters.city_id,
        "query": "".join(char for char in filters.query if char.isprintable())[:100]
        if filters.query else None,
    }
    return {key: value for key, value in values.items() if value is not None}


def _record(
    registration: Registration, action: str, old_status: RegistrationStatus,
    old_mode: AttendanceMode | None = None,
) -> None:
    changes = {}
    if registration.status != old_status:
        changes["status"] = [old_status, registration.status]
    if old_mode is not None and registration.attendance_mode != old_mode:
        changes["attendance_mode"] = [old_mode, registration.attendance_mode]
    if action == "registration.checkin":
        changes["checked_in_at"] = registration.checked_in_at
    # No name or e-mail in the log: the privacy purge of registrations cannot reach it.
    audit.record(
        db.session, current_user, action, "registration", registration.id,
        event_id=registration.event_id, changes=changes,
    )


def _person(registration: Registration) -> str:
    return mails.person_name(registration.first_name, registration.last_name)


def _already_checked_in(event: Event, registration: Registration) -> str:
    """"Already checked in at 09:12 Berlin (UTC+1): Anna Schmidt" (with the date if not today)."""
    moment = registration.checked_in_at
    assert moment is not None
    same_day = date_label(moment, event.timezone) == date_label(utcnow(), event.timezone)
    when = time_label(moment, event.timezone) if same_day else datetime_label(moment, event.timezone)
    return _("Already checked in at %(time)s: %(name)s", time=when, name=_person(registration))


@manage_bp.get(f"{PREFIX}/")
@organiser_required
def index(slug: str) -> str:
    event = get_managed_event_or_404(slug)
    form = _filter_form()
    return render_template(
        "manage/registrations.html",
        event=event,
        filter_form=form,
        registrations=organiser.list_registrations(db.session, event, _filters(form)),
        counts=organiser.count_registrations(db.session, event, current_language()),
        confirm_form=ConfirmForm(formdata=None),
        checkin_form=CheckinForm(formdata=None),
        availability=seats.get_availability(event),
        mode_switch=organiser.mode_switch,
        query_args={key: value for key, value in request.args.items() if value},
    )


# Organiser actions that cannot be undone: each asks first.
ASKS_FIRST = ("reject", "cancel")
# Moving a participant of a hybrid event to the other attendance mode, as they can do on
# their own page: a seat of the new mode is taken (or their waiting-list place moves), the
# old seat goes to the next person waiting, and both hear of it in their language.
MODE_ACTIONS = {"online": AttendanceMode.ONLINE, "onsite": AttendanceMode.ONSITE}


def _act_confirm_page(event: Event, registration: Registration, action: str) -> str:
    """The second step of a rejection or cancellation: whom it concerns, what follows."""
    args = {key: value for key, value in request.args.items() if value}
    name = _person(registration)
    if action == "reject":
        title, button = _("Reject this registration?"), _("Yes, reject")
        first = _("%(name)s (%(email)s) will be rejected: their place or waiting-list spot is freed "
                  "and they get an e-mail in their language.", name=name, email=registration.email)
    else:
        title, button = _("Cancel this registration?"), _("Yes, cancel the registration")
        first = _("The registration of %(name)s (%(email)s) will be cancelled: their place goes to "
                  "the next person on the waiting list and they get an e-mail in their language.",
                  name=name, email=registration.email)
    confirm = {
        "name": action,
        "title": title,
        "lines": [first, _("This cannot be undone; the person would have to register again.")],
        "url": url_for("registrations_manage.act", slug=event.slug, registration_id=registration.id,
                       action=action, **args),
        "button": button,
        "back_url": url_for("registrations_manage.index", slug=event.slug, **args),
        "back_text": _("No, back to the registrations"),
    }
    return render_template("confirm.html", confirm=confirm, form=ConfirmForm(formdata=None))


@manage_bp.route(
    f"{PREFIX}/<int:registration_id>/<any(approve, reject, promote, checkin, cancel, online, onsite):action>",
    methods=["GET", "POST"],
)
@organiser_required
def act(slug: str, registration_id: int, action: str) -> Response | str:
    """Approve, promote, check in and the move to online or on-site act at once; reject and
    cancel ask first (GET, or a POST without `confirm=1`, shows the confirmation)."""
    event = get_managed_event_or_404(slug)  # permission first: 403 before 405
    if request.method == "GET" and action not in ASKS_FIRST:
        abort(405)
    registration = organiser.get_event_registration(db.session, event, registration_id)
    if registration is None:
        abort(404)
    form = ConfirmForm()
    if request.method == "POST" and not form.validate_on_submit():
        abort(400)
    if action in ASKS_FIRST and not form.is_confirmed:
        db.session.rollback()
        return _act_confirm_page(event, registration, action)
    if action in MODE_ACTIONS and organiser.mode_switch(event, registration) != MODE_ACTIONS[action]:
        db.session.rollback()
        flash(_("%(name)s cannot be moved to this kind of attendance.", name=_person(registration)),
              "error")
        return _back(slug)
    service = {
        "approve": organiser.approve_registration,
        "reject": organiser.reject_registration,
        "promote": organiser.promote_registration,
        "checkin": organiser.check_in,
        "cancel": services.cancel_registration,
        **{name: partial(services.change_attendance_mode, mode=mode) for name, mode in MODE_ACTIONS.items()},
    }[action]
    before = _last_mail_id()
    old_status, old_mode = registration.status, registration.attendance_mode
    try:
        result = service(db.session, registration)
    except RuleError as error:
        db.session.rollback()
        flash(str(error.message), "error")
        return _back(slug)
    _record(registration, "registration.mode" if action in MODE_ACTIONS else f"registration.{action}",
            old_status, old_mode)
    db.session.commit()
    _deliver_new_mails(before)
    name = _person(registration)
    messages = {
        "approve": _("Registration approved."),
        "reject": _("Registration rejected."),
        "promote": _("Moved up from the waiting list."),
        "checkin": _("Checked in."),
        "cancel": _("Registration cancelled."),
        "online": _("%(name)s is now registered to take part online.", name=name),
        "onsite": _("%(name)s is now registered to take part on site.", name=name),
    }
    if isinstance(result, organiser.CheckIn) and result.is_repeat:
        flash(_already_checked_in(event, registration), "warning")
    else:
        flash(messages[action], "success")
    return _back(slug)


@manage_bp.route(f"{PREFIX}/checkin", methods=["GET", "POST"])
@organiser_required
def checkin(slug: str) -> Response:
    """Check in by the QR code's content: scanning opens this URL (GET shows a button)."""
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
    registration = tokens.get_registration_by_checkin_code(db.session, event, code)
    if registration is None:
        form.code.errors = [_("No registration for this event has this code.")]
        return render_template("manage/checkin.html", event=event, form=form), 404  # type: ignore[return-value]
    try:
        result = organiser.check_in(db.session, registration)
    except RuleError as error:
        db.session.rollback()
        form.code.errors = [str(error.message)]
        return render_template("manage/checkin.html", event=event, form=form), 409  # type: ignore[return-value]
    _record(registration, "registration.checkin", registration.status)
    db.session.commit()
    if result.is_repeat:
        flash(_already_checked_in(event, registration), "warning")
    else:
        flash(
            _("Checked in: %(name)s", name=_person(registration)),
            "success",
        )
    return redirect(url_for("registrations_manage.checkin", slug=slug))


@manage_bp.get(f"{PREFIX}/export.<any(csv, xlsx):kind>")
@organiser_required
def export(slug: str, kind: str) -> Response:
    event = get_managed_event_or_404(slug)
    filters = _filters(_filter_form())
    registrations = organiser.list_registrations(db.session, event, filters)
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
        for registration in organiser.list_registrations(
            db.session,
            event,
            organiser.RegistrationFilters(
                status=status_filter,  # type: ignore[arg-type]
                attendance_mode=_enum_or_none(AttendanceMode, form.attendance_mode.data),  # type: ignore[arg-type]
            ),
        )
        if registration.status in seats.ACTIVE_STATUSES
    ]
    if not form.is_confirmed or request.form.get("edit"):
        # Nothing is queued before the organiser has seen how many people it reaches.
        db.session.rollback()
        template = "manage/message.html" if request.form.get("edit") else "manage/message_confirm.html"
        return render_template(template, event=event, form=form, recipients=len(recipients))
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
