"""Public registration routes: the form, the participant's own page, their calendar feed."""
from __future__ import annotations

from flask import (
    Response,
    abort,
    current_app,
    flash,
    make_response,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_babel import gettext as _
from werkzeug.wrappers import Response as BaseResponse

from eventapp.calendar.routes import feed_response
from eventapp.database import begin_write
from eventapp.events.services import get_event_by_slug
from eventapp.extensions import db, limiter
from eventapp.i18n import current_language
from eventapp.labels import label
from eventapp.models import (
    AttendanceMode,
    Event,
    OrganisationKind,
    OutboxMail,
    Registration,
    RegistrationStatus,
)
from eventapp.models.base import utcnow
from eventapp.outbox.services import deliver_soon
from eventapp.registrations import bp, mails, seats, services, tokens
from eventapp.registrations.forms import (
    ConfirmForm,
    ModeForm,
    RegistrationForm,
    SessionsForm,
)
from eventapp.rules.errors import RuleError
from eventapp.virtual.services import (
    decide_join,
    get_registration_by_join_token,
    join_token_for,
    list_recordings,
    participant_join_views,
    zones_label,
)

PRIVATE = "private, no-store"


def _registration_limit() -> str:
    return current_app.config["REGISTRATION_RATE_LIMIT"]


def _get_event_or_404(slug: str) -> Event:
    event = get_event_by_slug(db.session, slug)
    if event is None:
        abort(404)
    return event


def _get_registration_or_404(token: str) -> Registration:
    registration = tokens.get_registration_by_token(db.session, token)
    if registration is None:
        abort(404)
    return registration


def _private(response: BaseResponse) -> BaseResponse:
    response.headers["Cache-Control"] = PRIVATE
    response.headers["Referrer-Policy"] = "no-referrer"  # the token is in the URL
    return response


def _deliver_new_mails(before_id: int) -> None:
    """Hand the mails this request committed to a background sender (when MAIL_SERVER is set)."""
    if not current_app.config.get("MAIL_SERVER"):
        return
    ids = list(db.session.scalars(db.select(OutboxMail.id).where(OutboxMail.id > before_id)))
    deliver_soon(current_app._get_current_object(), ids)  # type: ignore[attr-defined]


def _last_mail_id() -> int:
    if not current_app.config.get("MAIL_SERVER"):
        return 0
    return db.session.scalar(db.select(db.func.max(OutboxMail.id))) or 0


def _apply_rule_error(form: RegistrationForm, error: RuleError) -> None:
    field = getattr(form, error.field, None)
    if field is not None and hasattr(field, "errors"):
        field.errors = [*field.errors, str(error.message)]
    else:
        form.form_errors.append(str(error.message))


@bp.route("/events/<slug>/register", methods=["GET", "POST"])
@limiter.limit(_registration_limit, methods=["POST"])
def register(slug: str) -> BaseResponse | tuple[str, int] | str:
    event = _get_event_or_404(slug)
    language = current_language()
    availability = seats.get_availability(event)
    sessions = seats.list_choosable_sessions(db.session, event)
    form = RegistrationForm()
    if request.method == "GET":
        form.preferred_language.data = language
    form.setup(
        services.organisation_choices(db.session),
        services.city_choices(db.session, language),
        availability.modes,
        sessions,
        language,
    )

    def page(status: int = 200) -> tuple[str, int]:
        return render_template(
            "registrations/register.html", event=event, form=form, availability=availability,
            sessions=sessions,
        ), status

    if not availability.is_open:
        return page(200 if request.method == "GET" else 409)
    if not form.validate_on_submit():
        return page(422 if form.is_submitted() else 200)
    if form.is_bot:
        db.session.rollback()
        return redirect(url_for("registrations.sent", slug=slug))
    data = services.RegistrationData(
        first_name=form.first_name.data,
        last_name=form.last_name.data,
        email=form.email.data,
        participant_type=OrganisationKind(form.participant_type.data),
        attendance_mode=AttendanceMode(form.attendance_mode.data),
        preferred_language=form.preferred_language.data,
        organisation_id=form.organisation_choice,
        organisation_name=form.organisation_name.data,
        city_id=form.city_choice,
        city_other=form.city_other.data,
        position=form.position.data,
        needs_interpretation=form.needs_interpretation.data,
        notes=form.notes.data,
        session_ids=list(form.session_ids.data or []),
        consent_privacy=form.consent_privacy.data,
        consent_listing=form.consent_listing.data,
    )
    # Reading and validating ran without locks; the write starts here (SQLite: BEGIN
    # IMMEDIATE, so concurrent sign-ups queue instead of failing with "database is locked").
    begin_write(db.session)
    before = _last_mail_id()
    try:
        services.register(db.session, event, data)
    except RuleError as error:
        db.session.rollback()
        event = _get_event_or_404(slug)
        availability = seats.get_availability(event)
        _apply_rule_error(form, error)
        return page(422)
    db.session.commit()
    _deliver_new_mails(before)
    # The same answer whether the address was new or already registered.
    return redirect(url_for("registrations.sent", slug=slug))


@bp.get("/events/<slug>/register/sent")
def sent(slug: str) -> str:
    event = _get_event_or_404(slug)
    return render_template("registrations/sent.html", event=event)


def _manage_page(registration: Registration, token: str, status: int = 200,
                 mode_form: ModeForm | None = None, sessions_form: SessionsForm | None = None
                 ) -> BaseResponse:
    event = registration.event
    language = current_language()
    modes = seats.allowed_modes(event)
    sessions = seats.choosable_sessions(event)
    if mode_form is None:
        mode_form = ModeForm(formdata=None)
        mode_form.attendance_mode.data = registration.attendance_mode.value
    mode_form.attendance_mode.choices = [(mode.value, label(mode)) for mode in modes]
    if sessions_form is None:
        sessions_form = SessionsForm(formdata=None)
        sessions_form.session_ids.data = [choice.session_id for choice in registration.session_choices]
    sessions_form.session_ids.choices = [(item.id, item.text("title", language)) for item in sessions]
    choices = {choice.session_id: choice for choice in registration.session_choices}
    checkin_code = tokens.checkin_code_for(token)
    body = render_template(
        "registrations/manage.html",
        registration=registration,
        event=event,
        token=token,
        mode_form=mode_form,
        sessions_form=sessions_form,
        confirm_form=ConfirmForm(formdata=None),
        sessions=sessions,
        choices=choices,
        is_active=registration.status.value in ("pending", "confirmed", "waiting"),
        can_register_again=registration.status == RegistrationStatus.CANCELLED
        and seats.get_availability(event).is_open,
        can_change_mode=len(modes) > 1,
        feed_url=mails.feed_url(token),
        webcal_url=mails.webcal_url(token),
        join_views=participant_join_views(registration, join_token_for(registration), language, utcnow()),
        qr_data_uri=qr_data_uri(checkin_code),
        checkin_code=checkin_code,
        person_name=mails.person_name,
    )
    return _private(make_response(body, status))


def qr_data_uri(code: str) -> str:
    """The check-in code as an inline SVG QR image (CSP allows data: images)."""
    import segno

    return segno.make(code, error="m").svg_data_uri(scale=6, border=2)


@bp.get("/registrations/<token>/")
def manage(token: str) -> BaseResponse:
    registration = _get_registration_or_404(token)
    return _manage_page(registration, token)


def _after_change(token: str, message: str, before: int) -> BaseResponse:
    db.session.commit()
    _deliver_new_mails(before)
    flash(message, "success")
    return _private(redirect(url_for("registrations.manage", token=token)))


def _confirm_page(registration: Registration, token: str, action: str) -> BaseResponse:
    """What cancelling or deleting will do, with the form that does it (second step)."""
    title = registration.event.text("title", current_language())
    if action == "cancel":
        confirm = {
            "title": _("Cancel your registration?"),
            "lines": [_("Your registration for “%(title)s” will be cancelled; your place goes to "
                        "the next person on the waiting list.", title=title)],
            "button": _("Yes, cancel my registration"),
        }
    else:
        confirm = {
            "title": _("Delete your registration and your data?"),
            "lines": [_("Your registration for “%(title)s” will be cancelled and your name, e-mail "
                        "address and everything else you entered will be deleted now.", title=title),
                      _("This cannot be undone.")],
            "button": _("Yes, delete my registration"),
        }
    confirm.update(
        name=action,
        url=url_for(f"registrations.{action}", token=token),
        back_url=url_for("registrations.manage", token=token),
        back_text=_("No, back to my registration"),
    )
    body = render_template("confirm.html", confirm=confirm, form=ConfirmForm(formdata=None))
    return _private(make_response(body, 200))


@bp.route("/registrations/<token>/cancel", methods=["GET", "POST"])
def cancel(token: str) -> BaseResponse:
    """GET and an unconfirmed POST show the confirmation; only `confirm=1` cancels."""
    if request.method == "POST":
        begin_write(db.session)
    registration = _get_registration_or_404(token)
    form = ConfirmForm()
    if request.method == "POST" and not form.validate_on_submit():
        abort(400)
    if not form.is_confirmed:
        db.session.rollback()
        return _confirm_page(registration, token, "cancel")
    before = _last_mail_id()
    try:
        services.cancel_registration(db.session, registration)
    except RuleError as error:
        db.session.rollback()
        flash(str(error.message), "error")
        return _private(redirect(url_for("registrations.manage", token=token)))
    return _after_change(token, _("Your registration has been cancelled."), before)


@bp.post("/registrations/<token>/mode")
def change_mode(token: str) -> BaseResponse:
    begin_write(db.session)
    registration = _get_registration_or_404(token)
    form = ModeForm()
    form.attendance_mode.choices = [(m.value, m.value) for m in seats.allowed_modes(registration.event)]
    if not form.validate_on_submit():
        if form.csrf_token.errors:
            abort(400)
        return _manage_page(registration, token, 422, mode_form=form)
    before = _last_mail_id()
    try:
        services.change_attendance_mode(db.session, registration, AttendanceMode(form.attendance_mode.data))
    except RuleError as error:
        db.session.rollback()
        registration = _get_registration_or_404(token)
        form.attendance_mode.errors = [str(error.message)]
        return _manage_page(registration, token, 409, mode_form=form)
    return _after_change(token, _("Your attendance has been changed."), before)


@bp.post("/registrations/<token>/sessions")
def change_sessions(token: str) -> BaseResponse:
    begin_write(db.session)
    registration = _get_registration_or_404(token)
    form = SessionsForm()
    form.session_ids.choices = [(item.id, "") for item in seats.choosable_sessions(registration.event)]
    if not form.validate_on_submit():
        if form.csrf_token.errors:
            abort(400)
        return _manage_page(registration, token, 422, sessions_form=form)
    before = _last_mail_id()
    try:
        services.change_sessions(db.session, registration, list(form.session_ids.data or []))
    except RuleError as error:
        db.session.rollback()
        registration = _get_registration_or_404(token)
        form.session_ids.errors = [str(error.message)]
        return _manage_page(registration, token, 409, sessions_form=form)
    return _after_change(token, _("Your sessions have been saved."), before)


@bp.route("/registrations/<token>/delete", methods=["GET", "POST"])
def delete(token: str) -> BaseResponse:
    """GET and an unconfirmed POST show the confirmation; only `confirm=1` deletes."""
    if request.method == "POST":
        begin_write(db.session)
    registration = _get_registration_or_404(token)
    form = ConfirmForm()
    if request.method == "POST" and not form.validate_on_submit():
        abort(400)
    if not form.is_confirmed:
        db.session.rollback()
        return _confirm_page(registration, token, "delete")
    slug = registration.event.slug
    services.delete_registration(db.session, registration)
    db.session.commit()
    flash(_("Your registration and your personal data have been deleted."), "success")
    return _private(redirect(url_for("events.detail", slug=slug)
                             if "events.detail" in current_app.view_functions else "/"))


@bp.route("/registrations/sign-in/<token>", methods=["GET", "POST"])
def sign_in(token: str) -> BaseResponse:
    """A sign-in link (mailed when the personal link cannot be sent again): shows the
    registration and, only as a confirmed choice, replaces its personal link."""
    if request.method == "POST":
        begin_write(db.session)
    registration = tokens.get_registration_by_sign_in_token(db.session, token)
    if registration is None:
        abort(404)
    if request.method == "GET":
        body = render_template("registrations/sign_in.html", registration=registration,
                               event=registration.event, token=token, confirm_form=ConfirmForm(formdata=None))
        return _private(make_response(body))
    if not ConfirmForm().validate_on_submit():
        abort(400)
    before = _last_mail_id()
    new_token = tokens.renew_manage_token(db.session, registration)
    db.session.commit()
    _deliver_new_mails(before)
    flash(_("Here is your new personal link. We have also sent it to you by e-mail."), "success")
    return _private(redirect(url_for("registrations.manage", token=new_token)))


@bp.get("/calendar/<token>.ics")
def personal_feed(token: str) -> Response:
    registration = tokens.get_registration_by_feed_token(db.session, token)
    if registration is None:
        abort(404)
    language = registration.preferred_language
    scope = mails.feed_scope([registration], language, join_token_for(registration))
    response = feed_response(scope, f"{registration.event.slug}.ics")
    response.headers["Cache-Control"] = "private, max-age=300"
    return response


@bp.get("/join/<token>/<int:session_id>")
@bp.get("/join/<token>/<int:session_id>/<any(de, en, zh):channel>")
def join(token: str, session_id: int, channel: str | None = None) -> BaseResponse:
    """A participant's join link (join token, never the feed token): checked when clicked."""
    if not 0 < session_id < 2**31:
        abort(404)
    begin_write(db.session)
    registration = get_registration_by_join_token(db.session, token)
    if registration is None:
        abort(404)
    decision = decide_join(db.session, registration, session_id, channel=channel)
    if decision is None:
        abort(404)
    if decision.url is None:
        db.session.rollback()
        registration = get_registration_by_join_token(db.session, token)
        item = next(entry for entry in registration.event.sessions if entry.id == session_id)
        recordings = [
            entry for entry in list_recordings(registration.event, current_language(), utcnow(),
                                               registration.status.value == "confirmed")
            if entry.session_id == session_id
        ]
        body = render_template(
            "registrations/join_wait.html", event=registration.event, item=item,
            reason=decision.reason, registration=registration,
            opens_label=zones_label(decision.opens_at, registration.event.timezone) if decision.opens_at else "",
            opens_at=decision.opens_at, recording=recordings[0] if recordings else None,
        )
        return _private(make_response(body, 403))
    db.session.commit()
    return _private(redirect(decision.url, code=302))
