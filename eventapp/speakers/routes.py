"""Speaker pages of the back office and the public photo route."""
from __future__ import annotations

from flask import (
    Response,
    abort,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    send_file,
    url_for,
)
from flask_babel import gettext as _
from flask_login import current_user

from eventapp.auth.decorators import organiser_required
from eventapp.extensions import db
from eventapp.models import Speaker
from eventapp.rules.errors import RuleError
from eventapp.speakers import bp
from eventapp.speakers.forms import SpeakerForm
from eventapp.speakers.services import (
    create_speaker,
    get_speaker,
    list_editable_speaker_ids,
    list_speakers,
    may_edit_speaker,
    parse_page,
    photo_path,
    update_speaker,
)

PRIVATE = {"Cache-Control": "private, no-store"}


@bp.app_template_global("speaker_photo_url")
def speaker_photo_url(speaker_id: int, version: int) -> str:
    """The photo's address; the version in it changes whenever the speaker does."""
    return url_for("speakers.photo", speaker_id=speaker_id, v=version)


@bp.get("/manage/speakers/")
@organiser_required
def index() -> tuple[str, int, dict[str, str]]:
    page = list_speakers(db.session, request.args.get("q", ""), parse_page(request.args.get("page")))
    editable = list_editable_speaker_ids(
        db.session, current_user, [item.speaker.id for item in page.items]
    )
    return render_template("speakers/index.html", page=page, editable=editable), 200, PRIVATE


def _save(form: SpeakerForm, speaker: Speaker | None) -> Speaker | None:
    """Calls the service; on a broken rule puts the message beside its field."""
    upload_base = current_app.config["UPLOAD_FOLDER"]
    max_bytes = current_app.config["MAX_UPLOAD_BYTES"]
    try:
        if speaker is None:
            return create_speaker(db.session, form.to_data(), current_user, upload_base, max_bytes)
        return update_speaker(db.session, speaker, form.to_data(), current_user, upload_base, max_bytes)
    except RuleError as error:
        db.session.rollback()
        form[error.field if error.field in form else "name"].errors.append(str(error.message))
        return None


@bp.route("/manage/speakers/new", methods=["GET", "POST"])
@organiser_required
def new() -> Response | tuple[str, int, dict[str, str]]:
    form = SpeakerForm()
    if form.validate_on_submit():
        speaker = _save(form, None)
        if speaker is not None:
            db.session.commit()
            flash(_("The speaker %(name)s was added.", name=speaker.name), "success")
            return redirect(url_for("speakers.index", q=speaker.name))
    status = 422 if form.is_submitted() else 200
    return render_template("speakers/form.html", form=form, speaker=None), status, PRIVATE


@bp.route("/manage/speakers/<int:speaker_id>/edit", methods=["GET", "POST"])
@organiser_required
def edit(speaker_id: int) -> Response | tuple[str, int, dict[str, str]]:
    speaker = get_speaker(db.session, speaker_id)
    if speaker is None:
        abort(404)
    if not may_edit_speaker(db.session, speaker, current_user):
        abort(403)
    form = SpeakerForm()
    if form.validate_on_submit():
        if _save(form, speaker) is not None:
            db.session.commit()
            flash(_("The speaker %(name)s was saved.", name=speaker.name), "success")
            return redirect(url_for("speakers.edit", speaker_id=speaker.id))
    elif not form.is_submitted():
        form.fill(speaker)
    status = 422 if form.is_submitted() else 200
    return render_template("speakers/form.html", form=form, speaker=speaker), status, PRIVATE


@bp.get("/speakers/<int:speaker_id>/photo.jpg")
def photo(speaker_id: int) -> Response:
    speaker = get_speaker(db.session, speaker_id)
    path = photo_path(speaker, current_app.config["UPLOAD_FOLDER"]) if speaker else None
    if speaker is None or path is None or not path.is_file():
        abort(404)
    response = send_file(path, mimetype="image/jpeg", conditional=False, etag=False)
    response.set_etag(f"speaker-{speaker.id}-{speaker.version}")
    response.headers["X-Content-Type-Options"] = "nosniff"
    # A link with the current version may be kept long; any change gives a new link.
    is_versioned = request.args.get("v") == str(speaker.version)
    response.headers["Cache-Control"] = (
        "public, max-age=31536000, immutable" if is_versioned else "public, max-age=300"
    )
    return response.make_conditional(request)
