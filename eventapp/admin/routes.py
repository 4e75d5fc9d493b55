"""Admin pages: accounts, assignments, audit log."""
from __future__ import annotations

import re

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from werkzeug.wrappers import Response
from wtforms import Field

from eventapp.admin import bp, services
from eventapp.admin.forms import (
    PASSWORD_HELP,
    ROLE_LABELS,
    AssignEventForm,
    AssignUserForm,
    AuditFilterForm,
    EditUserForm,
    NewUserForm,
    PasswordForm,
    RemoveForm,
)
from eventapp.auth.decorators import admin_required, get_managed_event_or_404
from eventapp.extensions import db
from eventapp.i18n import current_language
from eventapp.models import Event, User, UserRole
from eventapp.rules.errors import RuleError

NO_STORE = {"Cache-Control": "private, no-store"}
# ASCII digits only: str.isdigit() also accepts "²" and other digits int() refuses.
PAGE_RE = re.compile(r"[1-9][0-9]{0,8}")


def _user_or_404(user_id: int) -> User:
    user = services.get_user(db.session, user_id)
    if user is None:
        abort(404)
    return user


def _event_label(event: Event) -> str:
    return f"{event.text('title', current_language())} ({event.slug})"


def _render_edit(user: User, form: EditUserForm | None = None,
                 password_form: PasswordForm | None = None,
                 assign_form: AssignEventForm | None = None, status: int = 200) -> tuple[str, int, dict]:
    if assign_form is None:
        assign_form = AssignEventForm(formdata=None)
    assign_form.event.choices = [
        (event.slug, _event_label(event)) for event in services.list_unassigned_events(db.session, user)
    ]
    body = render_template(
        "admin/user_edit.html",
        user=user,
        form=form or EditUserForm(obj=user, formdata=None),
        password_form=password_form or PasswordForm(formdata=None),
        assign_form=assign_form,
        remove_form=RemoveForm(formdata=None),
        assigned=services.list_user_events(db.session, user),
        password_help=PASSWORD_HELP,
    )
    return body, status, NO_STORE


@bp.get("/users/")
@admin_required
def users() -> tuple[str, int, dict]:
    body = render_template(
        "admin/users.html", rows=services.list_accounts(db.session), role_labels=ROLE_LABELS
    )
    return body, 200, NO_STORE


@bp.route("/users/new", methods=["GET", "POST"])
@admin_required
def new_user() -> Response | tuple[str, int, dict]:
    form = NewUserForm()
    if form.validate_on_submit():
        try:
            user = services.create_account(
                db.session, current_user, form.email.data, form.password.data,
                UserRole(form.role.data), name=form.name.data,
            )
        except RuleError as error:
            db.session.rollback()
            form[error.field].errors.append(str(error.message))
        else:
            db.session.commit()
            flash(_("The account %(email)s was created.", email=user.email), "success")
            return redirect(url_for("admin.edit_user", user_id=user.id))
    status = 422 if form.is_submitted() else 200
    body = render_template("admin/user_new.html", form=form, password_help=PASSWORD_HELP)
    return body, status, NO_STORE


@bp.route("/users/<int:user_id>/edit", methods=["GET", "POST"])
@admin_required
def edit_user(user_id: int) -> Response | tuple[str, int, dict]:
    user = _user_or_404(user_id)
    form = EditUserForm(obj=user)
    if form.validate_on_submit():
        data = services.AccountData(
            name=form.name.data, role=UserRole(form.role.data), is_enabled=form.is_enabled.data
        )
        try:
            services.update_account(db.session, current_user, user, data)
        except RuleError as error:
            db.session.rollback()
            user = _user_or_404(user_id)
            form[error.field].errors.append(str(error.message))
        else:
            db.session.commit()
            flash(_("The account %(email)s was saved.", email=user.email), "success")
            return redirect(url_for("admin.edit_user", user_id=user.id))
    return _render_edit(user, form, status=422 if form.is_submitted() else 200)


@bp.post("/users/<int:user_id>/password")
@admin_required
def reset_password(user_id: int) -> Response | tuple[str, int, dict]:
    user = _user_or_404(user_id)
    form = PasswordForm()
    if form.validate_on_submit():
        services.reset_password(db.session, current_user, user, form.password.data)
        db.session.commit()
        flash(_("The password of %(email)s was changed.", email=user.email), "success")
        return redirect(url_for("admin.edit_user", user_id=user.id))
    return _render_edit(user, password_form=form, status=422)


def _assigned(user: User, event: Event, field: Field) -> bool:
    """Make the user an organiser of the event and commit; a refusal goes to the field."""
    try:
        services.assign_organiser(db.session, current_user, user, event)
    except RuleError as error:
        db.session.rollback()
        field.errors = [str(error.message)]
        return False
    db.session.commit()
    flash(_("%(email)s now manages %(event)s.", email=user.email, event=event.slug), "success")
    return True


@bp.post("/users/<int:user_id>/events")
@admin_required
def assign_event(user_id: int) -> Response | tuple[str, int, dict]:
    user = _user_or_404(user_id)
    form = AssignEventForm()
    form.event.choices = [(form.event.data or "", "")]  # checked against the database below
    if form.validate_on_submit():
        event = services.get_event_by_slug(db.session, form.event.data)
        if event is None:
            form.event.errors = [_("Please choose an event.")]
        elif _assigned(user, event, form.event):
            return redirect(url_for("admin.edit_user", user_id=user.id))
    return _render_edit(user, assign_form=form, status=422)


def _render_organisers(event: Event, form: AssignUserForm | None = None,
                       status: int = 200) -> tuple[str, int, dict]:
    if form is None:
        form = AssignUserForm(formdata=None)
    form.user_id.choices = [
        (str(user.id), user.email if not user.name else f"{user.name} <{user.email}>")
        for user in services.list_assignable_users(db.session, event)
    ]
    body = render_template(
        "admin/event_organisers.html",
        event=event,
        form=form,
        remove_form=RemoveForm(formdata=None),
        organisers=services.list_event_organisers(db.session, event),
    )
    return body, status, NO_STORE


@bp.route("/events/<slug>/organisers", methods=["GET", "POST"])
@admin_required
def event_organisers(slug: str) -> Response | tuple[str, int, dict]:
    event = get_managed_event_or_404(slug)
    if request.method == "GET":
        return _render_organisers(event)
    form = AssignUserForm()
    form.user_id.choices = [(form.user_id.data or "", "")]  # checked against the database below
    if form.validate_on_submit():
        raw = form.user_id.data or ""
        user = services.get_user(db.session, int(raw)) if PAGE_RE.fullmatch(raw) else None
        if user is None:
            form.user_id.errors = [_("Please choose an organiser.")]
        elif _assigned(user, event, form.user_id):
            return redirect(url_for("admin.event_organisers", slug=event.slug))
    return _render_organisers(event, form, status=422)


@bp.route("/events/<slug>/organisers/<int:user_id>/remove", methods=["GET", "POST"])
@admin_required
def remove_organiser(slug: str, user_id: int) -> Response | tuple[str, int, dict]:
    """GET and an unconfirmed POST show what will change; only `confirm=1` removes."""
    event = get_managed_event_or_404(slug)
    user = _user_or_404(user_id)
    form = RemoveForm()
    if request.method == "POST" and not form.validate_on_submit():
        abort(400)
    back_to_user = request.args.get("back") == "user"
    if back_to_user:
        back_url = url_for("admin.edit_user", user_id=user.id)
    else:
        back_url = url_for("admin.event_organisers", slug=event.slug)
    if not form.is_confirmed:
        if not services.manages(db.session, user, event):
            abort(404)  # nothing to confirm: the account does not manage this event
        confirm = {
            "name": "remove-organiser",
            "title": _("Remove this organiser?"),
            "lines": [
                _("%(email)s will no longer manage “%(event)s”: its agenda, registrations and "
                  "documents leave their back office at once.",
                  email=user.email, event=event.text("title", current_language())),
                _("You can assign them again later."),
            ],
            "url": url_for("admin.remove_organiser", slug=event.slug, user_id=user.id,
                           back="user" if back_to_user else None),
            "button": _("Yes, remove the organiser"),
            "back_url": back_url,
            "back_text": _("No, keep them"),
        }
        body = render_template("confirm.html", confirm=confirm, form=RemoveForm(formdata=None))
        return body, 200, NO_STORE
    try:
        services.remove_organiser(db.session, current_user, user, event)
    except RuleError as error:
        db.session.rollback()
        flash(str(error.message), "error")
    else:
        db.session.commit()
        flash(_("%(email)s no longer manages %(event)s.", email=user.email, event=event.slug),
              "success")
    return redirect(back_url)


def _page_number() -> int:
    """The requested page: 1 when missing or not plain ASCII digits; 404 when absurdly far."""
    raw = request.args.get("page", "")
    if raw.isascii() and raw.isdigit() and len(raw) > 9:
        abort(404)
    return int(raw) if PAGE_RE.fullmatch(raw) else 1


@bp.get("/audit/")
@admin_required
def audit() -> tuple[str, int, dict]:
    form = AuditFilterForm(request.args)
    filters = services.AuditFilters(
        event=services.clean_filter(form.event.data, 80),
        user=services.clean_filter(form.user.data, 254),
        action=services.clean_filter(form.action.data, 60),
        object_type=services.clean_filter(form.object_type.data, 40),
    )
    # Refused values (control characters, too long) are dropped, also from the form shown.
    for name, value in vars(filters).items():
        form[name].data = value or ""
    page = services.list_audit_entries(db.session, filters, _page_number())
    if page.page > page.pages:
        abort(404)
    body = render_template("admin/audit.html", form=form, page=page, filter_args=filters.as_args())
    return body, 200, NO_STORE
