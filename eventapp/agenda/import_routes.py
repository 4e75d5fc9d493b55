"""CSV import of an agenda: upload, line-by-line report, and the template file."""
from __future__ import annotations

from flask import Response, flash, redirect, render_template, url_for
from flask_babel import lazy_gettext as _l
from flask_babel import ngettext
from flask_login import current_user
from flask_wtf.file import FileField, FileRequired
from wtforms import SubmitField

from eventapp.agenda import bp
from eventapp.agenda.importing import (
    ALL_COLUMNS,
    MAX_IMPORT_BYTES,
    MAX_IMPORT_LINES,
    ImportFileError,
    ImportReport,
    decode_upload,
    import_agenda_csv,
    template_csv,
)
from eventapp.agenda.services import is_staged
from eventapp.auth.decorators import get_managed_event_or_404, organiser_required
from eventapp.display import manage_url
from eventapp.extensions import db
from eventapp.forms import Form
from eventapp.i18n import current_language
from eventapp.models import SessionKind


class ImportForm(Form):
    file = FileField(_l("CSV file"), validators=[FileRequired(_l("Choose a CSV file."))])
    submit = SubmitField(_l("Import"))


@bp.route("/import", methods=["GET", "POST"])
@organiser_required
def import_csv(slug: str) -> Response | tuple[str, int]:
    event = get_managed_event_or_404(slug)
    form = ImportForm()
    report: ImportReport | None = None
    if form.validate_on_submit():
        # One byte more than allowed is enough to tell that the file is too large.
        data = form.file.data.stream.read(MAX_IMPORT_BYTES + 1)
        try:
            report = import_agenda_csv(db.session, event, decode_upload(data), current_user,
                                       current_language())
        except ImportFileError as error:
            db.session.rollback()
            form.file.errors.append(str(error.message))
        else:
            if report.is_ok:
                db.session.commit()
                if is_staged(event):
                    message = ngettext(
                        "%(num)d programme item imported; it waits for the next release.",
                        "%(num)d programme items imported; they wait for the next release.",
                        report.created,
                    )
                else:
                    message = ngettext("%(num)d programme item imported.",
                                       "%(num)d programme items imported.", report.created)
                flash(message, "success")
                for warning in report.warnings:
                    flash(warning, "warning")
                target = manage_url("agenda.index", slug=event.slug)
                return redirect(target or url_for("agenda.import_csv", slug=event.slug))
            db.session.rollback()
    status = 422 if form.is_submitted() else 200
    return render_template(
        "agenda/import.html",
        event=event,
        form=form,
        report=report,
        columns=ALL_COLUMNS,
        kinds=[kind.value for kind in SessionKind],
        max_kilobytes=MAX_IMPORT_BYTES // 1024,
        max_lines=MAX_IMPORT_LINES,
        is_staged=is_staged(event),
    ), status


@bp.get("/import/template.csv")
@organiser_required
def import_template(slug: str) -> Response:
    event = get_managed_event_or_404(slug)
    response = Response("\ufeff" + template_csv(), mimetype="text/csv")
    response.headers["Content-Disposition"] = f'attachment; filename="{event.slug}-agenda.csv"'
    response.headers["Cache-Control"] = "private, no-store"
    return response
