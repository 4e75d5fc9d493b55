"""The archive's filters (a GET query string) and the organisers' document upload form."""
from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf.file import FileField
from werkzeug.datastructures import MultiDict
from wtforms import SelectField, StringField, SubmitField, URLField
from wtforms.validators import InputRequired, Length, Optional

from eventapp.archive.search import MAX_QUERY_CHARS
from eventapp.archive.services import MAX_PAGE, ArchiveFilters
from eventapp.forms import ConfirmStepForm, Form
from eventapp.labels import label
from eventapp.models import DocumentKind, EventFormat, Topic, Visibility
from eventapp.rules.validation import SLUG_RE, parse_number


def filters_from_args(args: MultiDict[str, str]) -> ArchiveFilters:
    """The archive's filters from a query string; a value that does not fit is ignored,
    so that any link (old, edited by hand) still gives a page."""
    year = args.get("year", "")
    topic = args.get("topic", "")
    event_format = args.get("format", "")
    city = args.get("city", "")
    page = args.get("page", "")
    return ArchiveFilters(
        q=args.get("q", "")[:MAX_QUERY_CHARS],
        year=parse_number(year, 1900, 2200),
        city=city if SLUG_RE.match(city) and len(city) <= 80 else None,
        topic=topic if topic in {item.value for item in Topic} else None,
        format=EventFormat(event_format) if event_format in {item.value for item in EventFormat} else None,
        page=parse_number(page, 1, MAX_PAGE) or 1,
    )


DOCUMENT_KINDS = [
    DocumentKind.REPORT,
    DocumentKind.MINUTES,
    DocumentKind.SLIDES,
    DocumentKind.PRESS_RELEASE,
    DocumentKind.PHOTO,
    DocumentKind.RECORDING,
]


class DocumentForm(Form):
    kind = SelectField(_l("Kind"), validators=[InputRequired()])
    title_de = StringField(_l("Title (German)"), validators=[Optional(), Length(max=200)])
    title_en = StringField(_l("Title (English)"), validators=[Optional(), Length(max=200)])
    title_zh = StringField(_l("Title (Chinese)"), validators=[Optional(), Length(max=200)])
    visibility = SelectField(_l("Who may download it"), validators=[InputRequired()])
    file = FileField(_l("File"))
    url = URLField(_l("Or a link (https), e.g. to a recording"), validators=[Optional(), Length(max=500)])
    submit = SubmitField(_l("Add to the archive"))

    def __init__(self, *args: object, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)
        self.kind.choices = [(kind.value, label(kind)) for kind in DOCUMENT_KINDS]
        self.visibility.choices = [
            (item.value, label(item)) for item in (Visibility.PUBLIC, Visibility.PARTICIPANTS)
        ]

    def titles(self) -> dict[str, str]:
        return {
            code: (getattr(self, f"title_{code}").data or "").strip()
            for code in ("de", "en", "zh")
        }


class DeleteDocumentForm(ConfirmStepForm):
    """Removing asks first: the file is deleted from disk for good."""

    submit = SubmitField(_l("Remove"))
