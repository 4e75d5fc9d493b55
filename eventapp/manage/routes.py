"""The back office: the dashboard and each event's overview, form, status changes, clone
and report. Every event-scoped view loads its event through get_managed_event_or_404."""
from __future__ import annotations

from flask import current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import ngettext
from flask_login import current_user
from werkzeug.wrappers import Response

from eventapp.auth.decorators import get_managed_event_or_404, organiser_required
from eventapp.extensions import db
from eventapp.i18n import current_language
from eventapp.manage import bp, services
from eventapp.manage.forms import CloneForm, ConfirmForm, EventForm, ReportForm
from eventapp.models import Event, RegistrationStatus
from eventapp.models.base import utcnow
from eventapp.outbox.services import deliver_soon
from eventapp.rules.errors import RuleError

PRIVATE = {"Cache-Control": "private, no-store"}


def _page(template: str, status: int = 200, **context: object) -> tuple[str, int, dict[str, str]]:
    return render_template(template, **context), status, PRIVATE


def _to_overview(event: Event) -> Response:
    return redirect(url_for("manage.event_detail", slug=event.slug))


@bp.get("/")
@organiser_required
def index() -> tuple[str, int, dict[str, str]]:
    return _page(
        "manage/index.html",
        dashboard=services.get_dashboard(db.session, current_user, current_language()),
        statuses=list(RegistrationStatus),
    )


# --- Create and edit ---------------------------------------------------------------------------


def _event_form(event: Event | None = None, *, prefill: bool = False) -> EventForm:
    form = EventForm.for_event(event) if event is not None and prefill else EventForm()
    cities = services.list_city_choices(db.session, current_language())
    return form.setup(cities, event.timezone if event is not None else None)


@bp.route("/events/new", methods=["GET", "POST"])
@organiser_required
def new_event() -> Response | tuple[str, int, dict[str, str]]:
    form = _event_form()
    if not form.is_submitted():
        form.timezone.data = form.timezone.data or "Europe/Berlin"
        form.main_language.data = form.main_language.data or "de"
        form.has_waiting_list.data = True
    return _event_form_page(form, None)


def _event_form_page(form: EventForm, event: Event | None) -> Response | tuple[str, int, dict[str, str]]:
    """Create (event None) or save an event from a submitted form; the form again otherwise."""
    if form.validate_on_submit():
        try:
            data = form.to_data(services.get_city(db.session, form.host_city_id()))
            if event is None:
                event = services.create_managed_event(db.session, data, form.room_lines(), current_user)
                message = _("The event has been created as a draft.")
            else:
                services.update_managed_event(db.session, event, data, form.room_lines(), current_user)
                message = _("The event has been saved.")
        except RuleError as error:
            db.session.rollback()
            form.add_rule_error(error)
        else:
            db.session.commit()
            flash(message, "success")
            return _to_overview(event)
    status = 422 if form.is_submitted() else 200
    return _page("manage/event_form.html", status, form=form, event=event)


@bp.get("/events/<slug>/")
@organiser_required
def event_detail(slug: str) -> tuple[str, int, dict[str, str]]:
    event = get_managed_event_or_404(slug)
    return _page(
        "manage/event_detail.html",
        event=event,
        item=services.describe_event(db.session, event, current_language()),
        statuses=list(RegistrationStatus),
        form=ConfirmForm(formdata=None),
        now=utcnow(),
    )


@bp.route("/events/<slug>/edit", methods=["GET", "POST"])
@organiser_required
def edit_event(slug: str) -> Response | tuple[str, int, dict[str, str]]:
    event = get_managed_event_or_404(slug)
    form = _event_form(event, prefill=request.method != "POST")
    return _event_form_page(form, event)


# --- Status changes ------------------------------------------------------------------------


def _status_change(slug: str, change: str) -> Response:
    event = get_managed_event_or_404(slug)
    if not ConfirmForm().validate_on_submit():
        return redirect(url_for("manage.event_detail", slug=slug))
    service = {"publish": services.publish_event, "unpublish": services.unpublish_event}[change]
    try:
        service(db.session, event, current_user)
    except RuleError as error:
        db.session.rollback()
        flash(str(error.message), "error")
        return redirect(url_for("manage.event_detail", slug=slug))
    db.session.commit()
    if change == "publish":
        flash(_("The event is published."), "success")
    else:
        flash(_("The event is a draft again."), "success")
    return _to_overview(event)


@bp.post("/events/<slug>/publish")
@organiser_required
def publish_event(slug: str) -> Response:
    return _status_change(slug, "publish")


@bp.post("/events/<slug>/unpublish")
@organiser_required
def unpublish_event(slug: str) -> Response:
    return _status_change(slug, "unpublish")


@bp.route("/events/<slug>/cancel", methods=["GET", "POST"])
@organiser_required
def cancel_event(slug: str) -> Response | tuple[str, int, dict[str, str]]:
    event = get_managed_event_or_404(slug)
    form = ConfirmForm()
    if form.validate_on_submit():
        try:
            queued = services.cancel_event(db.session, event, current_user)
        except RuleError as error:
            db.session.rollback()
            flash(str(error.message), "error")
            return _to_overview(event)
        mail_ids = [mail.id for mail in queued]
        db.session.commit()
        deliver_soon(current_app._get_current_object(), mail_ids)  # type: ignore[attr-defined]
        flash(
            ngettext(
                "The event is cancelled. %(num)d participant will be informed by e-mail.",
                "The event is cancelled. %(num)d participants will be informed by e-mail.",
                len(mail_ids),
            ),
            "success",
        )
        return _to_overview(event)
    return _page(
        "manage/confirm.html",
        event=event,
        form=form,
        action="cancel",
        recipients=len(services.list_active_registrations(db.session, event)),
    )


@bp.route("/events/<slug>/delete", methods=["GET", "POST"])
@organiser_required
def delete_event(slug: str) -> Response | tuple[str, int, dict[str, str]]:
    event = get_managed_event_or_404(slug)
    form = ConfirmForm()
    if form.validate_on_submit():
        try:
            services.delete_event(db.session, event, current_user)
        except RuleError as error:
            db.session.rollback()
            flash(str(error.message), "error")
            return redirect(url_for("manage.event_detail", slug=slug))
        db.session.commit()
        flash(_("The draft has been deleted."), "success")
        return redirect(url_for("manage.index"))
    return _page("manage/confirm.html", event=event, form=form, action="delete", recipients=0)


# --- Clone --------------------------------------------------------------------------------------


@bp.route("/events/<slug>/clone", methods=["GET", "POST"])
@organiser_required
def clone_event(slug: str) -> Response | tuple[str, int, dict[str, str]]:
    event = get_managed_event_or_404(slug)
    form = CloneForm()
    if form.validate_on_submit():
        try:
            copy = services.clone_event(
                db.session, event, form.slug.data, form.starts_on.data, current_user, form.title.data
            )
        except RuleError as error:
            db.session.rollback()
            form.add_rule_error(error)
        else:
            db.session.commit()
            flash(_("The copy has been created as a draft."), "success")
            return _to_overview(copy)
    status = 422 if form.is_submitted() else 200
    return _page("manage/clone.html", status, event=event, form=form)


# --- Report and archive -----------------------------------------------------------------------


@bp.route("/events/<slug>/report", methods=["GET", "POST"])
@organiser_required
def archive_report(slug: str) -> Response | tuple[str, int, dict[str, str]]:
    event = get_managed_event_or_404(slug)
    form = ReportForm() if request.method == "POST" else ReportForm.for_event(event)
    if form.validate_on_submit():
        try:
            services.save_report(db.session, event, form.texts(), current_user)
        except RuleError as error:
            db.session.rollback()
            flash(str(error.message), "error")
        else:
            db.session.commit()
            flash(_("The report has been saved."), "success")
            return redirect(url_for("manage.archive_report", slug=slug))
    status = 422 if form.is_submitted() else 200
    return _page(
        "manage/report.html", status, event=event, form=form,
        archive_form=ConfirmForm(formdata=None), now=utcnow(),
    )


def _archive_change(slug: str, is_archived: bool) -> Response:
    event = get_managed_event_or_404(slug)
    if not ConfirmForm().validate_on_submit():
        return redirect(url_for("manage.archive_report", slug=slug))
    try:
        services.set_archived(db.session, event, is_archived, current_user)
    except RuleError as error:
        db.session.rollback()
        flash(str(error.message), "error")
    else:
        db.session.commit()
        if is_archived:
            flash(_("The event is marked as archived."), "success")
        else:
            flash(_("The event is no longer marked as archived."), "success")
    return redirect(url_for("manage.archive_report", slug=slug))


@bp.post("/events/<slug>/archive")
@organiser_required
def archive_event(slug: str) -> Response:
    return _archive_change(slug, True)


@bp.post("/events/<slug>/unarchive")
@organiser_required
def unarchive_event(slug: str) -> Response:
    return _archive_change(slug, False)

