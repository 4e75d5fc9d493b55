"""Agenda builder pages: grid, item forms, moves, releases."""
from __future__ import annotations

from flask import abort, flash, jsonify, redirect, render_template, request, url_for
from flask_babel import format_date, ngettext
from flask_babel import gettext as _
from flask_login import current_user
from werkzeug.wrappers import Response

from eventapp.agenda import bp, services
from eventapp.agenda.forms import (
    ConfirmForm,
    MoveForm,
    ReleaseForm,
    RemoveRoomForm,
    RoomForm,
    SessionForm,
)
from eventapp.agenda.mails import queue_release_digest
from eventapp.auth.decorators import get_managed_event_or_404, organiser_required
from eventapp.database import begin_write
from eventapp.display import manage_url, zone_name
from eventapp.extensions import db
from eventapp.i18n import current_language
from eventapp.labels import label
from eventapp.models import DraftAction, Event, SessionKind, Visibility
from eventapp.models.base import pick_translation
from eventapp.rules.conflicts import Conflict
from eventapp.rules.errors import RuleError
from eventapp.rules.times import partner_zones

NO_STORE = {"Cache-Control": "private, no-store"}
# Where a service's RuleError field is shown on the item form.
FORM_FIELDS = {"starts_at": "start", "ends_at": "end"}


# --- Helpers ---------------------------------------------------------------------------------


def _start_write() -> None:
    if request.method == "POST":
        begin_write(db.session)


def _ref_or_404(event: Event, key: str) -> services.ItemRef:
    ref = services.get_item(db.session, event, key)
    if ref is None:
        abort(404)
    return ref


def _index_url(event: Event, key: str | None = None) -> str:
    url = url_for("agenda.index", slug=event.slug)
    return f"{url}#item-{key}" if key else url


def _require_csrf(form: ConfirmForm) -> None:
    if not form.validate_on_submit():
        abort(400)


def _wants_json() -> bool:
    return request.accept_mimetypes.best_match(["text/html", "application/json"]) == "application/json"


def _rooms(event: Event, planned: list[services.PlannedSession]) -> list[str]:
    return [room for room in services.room_columns(event, planned) if room is not None]


def _zone_names(event: Event) -> dict[str, str]:
    return {zone: zone_name(zone) for zone in partner_zones(event.timezone)}


def _show_rule_error(form: SessionForm | MoveForm, error: RuleError, event: Event) -> None:
    name = FORM_FIELDS.get(error.field, error.field)
    if name == "title":
        name = f"title_{event.main_language}"
    field = getattr(form, name, None) if name in form else None
    if field is None:
        form.form_errors.append(str(error.message))
    else:
        field.errors = [*field.errors, str(error.message)]


def _conflict_json(conflicts: list[Conflict]) -> dict:
    return {
        "conflicts": [
            {"severity": conflict.severity, "message": str(conflict.message)} for conflict in conflicts
        ],
        "warnings_only": bool(conflicts) and not any(conflict.is_error for conflict in conflicts),
    }


# --- The agenda page ---------------------------------------------------------------------------


def _render_index(event: Event, room_form: RoomForm | None = None, status: int = 200) -> tuple:
    language = current_language()
    planned = services.list_planned_sessions(db.session, event)
    conflicts = services.planned_conflicts(planned, event, language)
    columns, days = services.build_agenda_grid(event, planned, conflicts, language)
    used = services.used_rooms(planned)
    body = render_template(
        "agenda/index.html",
        event=event,
        columns=columns,
        days=days,
        day_labels={grid_day.day: format_date(grid_day.day, "full") for grid_day in days},
        conflicts=conflicts,
        titles={item.key: item.title(language, event.main_language) for item in planned},
        pending_count=sum(1 for item in planned if item.pending is not None),
        is_staged=services.is_staged(event),
        zone_names=_zone_names(event),
        kind_labels={kind: label(kind) for kind in SessionKind},
        removable={room for room in event.rooms or [] if services.room_key(room) not in used},
        room_form=room_form or RoomForm(formdata=None),
        base=url_for("agenda.index", slug=event.slug),
    )
    return body, status, NO_STORE


@bp.get("/")
@organiser_required
def index(slug: str) -> tuple:
    event = get_managed_event_or_404(slug)
    return _render_index(event)


# --- Adding and editing an item ---------------------------------------------------------------


@bp.route("/new", methods=["GET", "POST"])
@organiser_required
def new(slug: str) -> Response | tuple:
    _start_write()
    event = get_managed_event_or_404(slug)
    return _item_form(event, None)


@bp.route("/<key>/edit", methods=["GET", "POST"])
@organiser_required
def edit(slug: str, key: str) -> Response | tuple:
    _start_write()
    event = get_managed_event_or_404(slug)
    return _item_form(event, _ref_or_404(event, key))


def _item_form(event: Event, ref: services.ItemRef | None) -> Response | tuple:
    language = current_language()
    speakers = services.list_speakers(db.session)
    planned = services.list_planned_sessions(db.session, event)
    days = services.list_event_days(event)
    form = SessionForm()
    conflicts: list[Conflict] = []
    if request.method == "GET":
        if ref is not None:
            form.fill(ref.data(db.session))
        else:
            form.day.data = days[0].isoformat()
            form.kind.data = SessionKind.TALK.value
            form.spoken_language.data = event.main_language
            form.join_visibility.data = Visibility.PARTICIPANTS.value
    form.setup(days, _rooms(event, planned), speakers)
    if request.method == "POST":
        if form.validate_on_submit():
            data = form.session_data(speakers)
            try:
                key = services.save_session(
                    db.session, event, data, current_user,
                    key=ref.key if ref else None,
                    accept_warnings=bool(form.accept_warnings.data), language=language,
                )
            except services.ConflictError as error:
                db.session.rollback()
                conflicts = error.conflicts
            except RuleError as error:
                db.session.rollback()
                _show_rule_error(form, error, event)
            else:
                db.session.commit()
                flash(_item_saved_message(event), "success")
                return redirect(_index_url(event, key))
        elif form.csrf_token.errors:
            abort(400)
    body = render_template(
        "agenda/item_form.html",
        event=event,
        form=form,
        ref=ref,
        conflicts=conflicts,
        preview=_preview(event, form),
        zone_names=_zone_names(event),
        partner_zones=[zone for zone in partner_zones(event.timezone) if zone != event.timezone],
        new_speaker_url=manage_url("speakers.new"),
    )
    return body, 422 if request.method == "POST" else 200, NO_STORE


def _item_saved_message(event: Event) -> str:
    if services.is_staged(event):
        return _("Saved as a pending change: it appears publicly once you release the changes.")
    return _("The programme item has been saved.")


def _preview(event: Event, form: SessionForm | MoveForm) -> tuple[services.ZoneSpan, ...]:
    """The partner-zone times of what the form holds (shown without JavaScript)."""
    try:
        starts = form.starts_local
        ends = form.ends_local if isinstance(form, SessionForm) else None
    except (TypeError, ValueError):
        return ()
    if ends is None:
        return ()
    try:
        return services.preview_times(event, starts, ends)
    except RuleError:
        return ()


# --- Moving ------------------------------------------------------------------------------------


@bp.route("/<key>/move", methods=["GET", "POST"])
@organiser_required
def move(slug: str, key: str) -> Response | tuple:
    _start_write()
    event = get_managed_event_or_404(slug)
    ref = _ref_or_404(event, key)
    language = current_language()
    planned = services.list_planned_sessions(db.session, event)
    current = ref.data(db.session)
    form = MoveForm()
    if request.method == "GET":
        form.set_where(current.starts_local, current.room)
    form.setup_where(services.list_event_days(event), _rooms(event, planned))
    conflicts: list[Conflict] = []
    wants_json = _wants_json()
    if request.method == "POST":
        if not form.validate_on_submit():
            if form.csrf_token.errors:
                abort(400)
            if wants_json:
                messages = [str(message) for errors in form.errors.values() for message in errors]
                return jsonify({"conflicts": [{"severity": "error", "message": message}
                                              for message in messages],
                                "warnings_only": False}), 422
        else:
            try:
                moved = services.move_session(
                    db.session, event, ref.key, form.starts_local, form.chosen_room, current_user,
                    accept_warnings=bool(form.accept_warnings.data), language=language,
                )
            except services.ConflictError as error:
                db.session.rollback()
                conflicts = error.conflicts
                if wants_json:
                    return jsonify(_conflict_json(conflicts)), 422
            except RuleError as error:
                db.session.rollback()
                if wants_json:
                    return jsonify({"conflicts": [{"severity": "error", "message": str(error.message)}],
                                    "warnings_only": False}), 422
                _show_rule_error(form, error, event)
            else:
                db.session.commit()
                if wants_json:
                    return jsonify({"ok": True, "key": moved})
                flash(_item_saved_message(event), "success")
                return redirect(_index_url(event, moved))
    body = render_template(
        "agenda/move.html",
        event=event,
        form=form,
        ref=ref,
        title=pick_translation(current.title, language, event.main_language),
        current=services.preview_times(event, current.starts_local, current.ends_local),
        conflicts=conflicts,
        zone_names=_zone_names(event),
    )
    return body, 422 if request.method == "POST" else 200, NO_STORE


# --- Duplicate, cancel, delete, discard ---------------------------------------------------------


@bp.post("/<key>/duplicate")
@organiser_required
def duplicate(slug: str, key: str) -> Response:
    _start_write()
    event = get_managed_event_or_404(slug)
    ref = _ref_or_404(event, key)
    _require_csrf(ConfirmForm())
    try:
        copy = services.duplicate_session(db.session, event, ref.key, current_user,
                                          language=current_language())
    except RuleError as error:
        db.session.rollback()
        flash(str(error.message), "error")
        return redirect(_index_url(event, ref.key))
    db.session.commit()
    flash(_("A copy has been added without room and speakers: choose them now."), "success")
    return redirect(url_for("agenda.edit", slug=event.slug, key=copy))


def _confirm_page(event: Event, ref: services.ItemRef, action: str) -> tuple:
    language = current_language()
    data = ref.data(db.session)
    body = render_template(
        "agenda/confirm.html",
        event=event,
        ref=ref,
        action=action,
        form=ConfirmForm(formdata=None),
        title=pick_translation(data.title, language, event.main_language),
        times=services.preview_times(event, data.starts_local, data.ends_local),
        zone_names=_zone_names(event),
        is_staged=services.is_staged(event),
    )
    return body, 200, NO_STORE


@bp.route("/<key>/cancel", methods=["GET", "POST"])
@organiser_required
def cancel(slug: str, key: str) -> Response | tuple:
    _start_write()
    event = get_managed_event_or_404(slug)
    ref = _ref_or_404(event, key)
    if request.method == "GET":
        return _confirm_page(event, ref, "cancel")
    _require_csrf(ConfirmForm())
    try:
        services.cancel_session(db.session, event, ref.key, current_user)
    except RuleError as error:
        db.session.rollback()
        flash(str(error.message), "error")
        return redirect(_index_url(event, ref.key))
    db.session.commit()
    if services.is_staged(event):
        flash(_("The cancellation is pending: it appears publicly once you release the changes."),
              "success")
    else:
        flash(_("The programme item has been cancelled."), "success")
    return redirect(_index_url(event, ref.key))


@bp.route("/<key>/delete", methods=["GET", "POST"])
@organiser_required
def delete(slug: str, key: str) -> Response | tuple:
    _start_write()
    event = get_managed_event_or_404(slug)
    ref = _ref_or_404(event, key)
    if request.method == "GET":
        if ref.item is not None and services.is_staged(event):
            flash(_("A published programme item cannot be deleted; cancel it so that calendars "
                    "show it as cancelled."), "error")
            return redirect(_index_url(event, ref.key))
        return _confirm_page(event, ref, "delete")
    _require_csrf(ConfirmForm())
    try:
        services.delete_session(db.session, event, ref.key, current_user)
    except RuleError as error:
        db.session.rollback()
        flash(str(error.message), "error")
        return redirect(_index_url(event, ref.key))
    db.session.commit()
    flash(_("The programme item has been deleted."), "success")
    return redirect(_index_url(event))


@bp.post("/<key>/discard")
@organiser_required
def discard(slug: str, key: str) -> Response:
    _start_write()
    event = get_managed_event_or_404(slug)
    ref = _ref_or_404(event, key)
    _require_csrf(ConfirmForm())
    try:
        services.discard_draft(db.session, event, ref.key, current_user)
    except RuleError as error:
        db.session.rollback()
        flash(str(error.message), "error")
        return redirect(_index_url(event, ref.key))
    db.session.commit()
    flash(_("The pending change has been discarded."), "success")
    return redirect(_index_url(event, ref.key if ref.item is not None else None))


# --- Releasing ----------------------------------------------------------------------------------


@bp.route("/release", methods=["GET", "POST"])
@organiser_required
def release(slug: str) -> Response | tuple:
    _start_write()
    event = get_managed_event_or_404(slug)
    language = current_language()
    form = ReleaseForm()
    conflicts: list[Conflict] = []
    if request.method == "POST":
        if not form.validate_on_submit():
            if form.csrf_token.errors:
                abort(400)
        else:
            try:
                done = services.release_agenda(db.session, event, current_user,
                                               language=language, note=form.note)
            except services.ConflictError as error:
                db.session.rollback()
                conflicts = error.conflicts
            except RuleError as error:
                db.session.rollback()
                flash(str(error.message), "error")
                return redirect(_index_url(event))
            else:
                count = len(done.changes)
                # The digest leaves with the release's own commit: both happen, or neither.
                mails = (queue_release_digest(db.session, event, done, current_user)
                         if form.send_digest.data else None)
                db.session.commit()
                flash(ngettext("%(num)d change released.", "%(num)d changes released.", count),
                      "success")
                if mails is not None:
                    flash(ngettext("%(num)d mail queued.", "%(num)d mails queued.", mails), "success")
                return redirect(_index_url(event))
    planned = services.list_planned_sessions(db.session, event)
    pending = [item for item in planned if item.pending is not None]
    body = render_template(
        "agenda/release.html",
        event=event,
        form=form,
        pending=pending,
        titles={item.key: item.title(language, event.main_language) for item in pending},
        conflicts=conflicts,
        is_staged=services.is_staged(event),
        pending_action=DraftAction,
    )
    return body, 422 if request.method == "POST" else 200, NO_STORE


# --- Rooms --------------------------------------------------------------------------------------


@bp.post("/rooms")
@organiser_required
def add_room(slug: str) -> Response | tuple:
    _start_write()
    event = get_managed_event_or_404(slug)
    form = RoomForm()
    if not form.validate_on_submit():
        if form.csrf_token.errors:
            abort(400)
        return _render_index(event, form, 422)
    try:
        name = services.add_room(db.session, event, form.name.data, current_user)
    except RuleError as error:
        db.session.rollback()
        form.name.errors = [*form.name.errors, str(error.message)]
        return _render_index(event, form, 422)
    db.session.commit()
    flash(_("%(room)s has been added.", room=name), "success")
    return redirect(url_for("agenda.index", slug=event.slug) + "#rooms")


@bp.post("/rooms/remove")
@organiser_required
def remove_room(slug: str) -> Response:
    _start_write()
    event = get_managed_event_or_404(slug)
    form = RemoveRoomForm()
    if not form.validate_on_submit():
        abort(400)
    if not form.is_confirmed:
        db.session.rollback()
        confirm = {
            "name": "remove-room",
            "title": _("Remove %(room)s?", room=form.name.data),
            "lines": [_("%(room)s will no longer be offered for this event's programme items.",
                        room=form.name.data)],
            "url": url_for("agenda.remove_room", slug=event.slug),
            "hidden": [("name", form.name.data)],
            "button": _("Yes, remove the room"),
            "back_url": url_for("agenda.index", slug=event.slug) + "#rooms",
            "back_text": _("No, back to the agenda"),
        }
        return render_template("confirm.html", confirm=confirm,  # type: ignore[return-value]
                               form=RemoveRoomForm(formdata=None))
    try:
        services.remove_room(db.session, event, form.name.data, current_user)
    except RuleError as error:
        db.session.rollback()
        flash(str(error.message), "error")
    else:
        db.session.commit()
        flash(_("%(room)s has been removed.", room=form.name.data), "success")
    return redirect(url_for("agenda.index", slug=event.slug) + "#rooms")
