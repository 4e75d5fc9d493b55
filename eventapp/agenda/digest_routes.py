"""Agenda releases: the list of releases and the digest mail to registrants."""
from __future__ import annotations

from flask import Response, abort, current_app, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_babel import ngettext
from flask_login import current_user
from wtforms import HiddenField, SubmitField

from eventapp.agenda import bp
from eventapp.agenda.changes import change_lines
from eventapp.agenda.mails import (  # importing it registers the digest's mail renderer
    count_digest_recipients,
    get_release,
    list_releases,
    queue_release_digest,
)
from eventapp.auth.decorators import get_managed_event_or_404, organiser_required
from eventapp.extensions import db
from eventapp.forms import Form
from eventapp.i18n import current_language
from eventapp.models import OutboxMail
from eventapp.outbox.services import deliver_soon
from eventapp.rules.errors import RuleError


class DigestForm(Form):
    """First step shows the confirmation page; the second (confirmed=yes) queues the mails."""

    confirmed = HiddenField()
    submit = SubmitField(_l("Send the digest"))


@bp.get("/releases/")
@organiser_required
def releases(slug: str) -> tuple[str, int, dict[str, str]]:
    event = get_managed_event_or_404(slug)
    language = current_language()
    rows = list_releases(db.session, event)
    body = render_template(
        "agenda/releases.html",
        event=event,
        rows=rows,
        lines={row.release.id: change_lines(list(row.release.changes), event, language) for row in rows},
    )
    return body, 200, {"Cache-Control": "private, no-store"}


@bp.post("/releases/<int:number>/digest")
@organiser_required
def send_digest(slug: str, number: int) -> Response | tuple[str, int]:
    event = get_managed_event_or_404(slug)
    release = get_release(db.session, event, number)
    if release is None:
        abort(404)
    form = DigestForm()
    if not form.validate_on_submit():
        abort(400)
    if release.digest_queued_at is not None:
        flash(_("The digest of this release has already been queued."), "error")
        return redirect(url_for("agenda.releases", slug=event.slug))
    if form.confirmed.data != "yes":
        return render_template(
            "agenda/releases_confirm.html",
            event=event,
            release=release,
            lines=change_lines(list(release.changes), event, current_language()),
            recipients=count_digest_recipients(db.session, event),
            form=DigestForm(formdata=None, confirmed="yes"),
        ), 200
    before = db.session.scalar(db.select(db.func.max(OutboxMail.id))) or 0
    try:
        count = queue_release_digest(db.session, event, release, current_user)
    except RuleError as error:
        db.session.rollback()
        flash(str(error.message), "error")
        return redirect(url_for("agenda.releases", slug=event.slug))
    mail_ids = list(db.session.scalars(
        db.select(OutboxMail.id).where(OutboxMail.id > before, OutboxMail.kind == "agenda_changes")
    ))
    db.session.commit()
    # Sent in the background when MAIL_SERVER is set; otherwise `flask outbox send` takes them.
    deliver_soon(current_app._get_current_object(), mail_ids)  # type: ignore[attr-defined]
    flash(ngettext("%(num)d mail queued.", "%(num)d mails queued.", count), "success")
    return redirect(url_for("agenda.releases", slug=event.slug))
