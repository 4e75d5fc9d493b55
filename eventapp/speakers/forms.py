"""The speaker form: name, organisation, main language, a bio per language and the photo."""
from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf.file import FileField
from wtforms import (
    BooleanField,
    SelectField,
    StringField,
    SubmitField,
    TextAreaField,
    ValidationError,
)
from wtforms.validators import DataRequired, Length, Optional

from eventapp.forms import Form
from eventapp.labels import label
from eventapp.models import Speaker
from eventapp.rules import validation
from eventapp.rules.errors import RuleError
from eventapp.speakers.services import SpeakerData

LANGUAGES = ("de", "en", "zh")


def _single_line(_form: Form, field: StringField) -> None:
    try:
        validation.check_single_line(field.data or "", field.name)
    except RuleError as error:
        raise ValidationError(str(error.message)) from None


def _plain_text(_form: Form, field: TextAreaField) -> None:
    try:
        validation.check_plain_text(field.data or "", field.name)
    except RuleError as error:
        raise ValidationError(str(error.message)) from None


class SpeakerForm(Form):
    name = StringField(_l("Name"), validators=[DataRequired(), Length(max=200), _single_line])
    affiliation = StringField(
        _l("Organisation"), validators=[Optional(), Length(max=200), _single_line]
    )
    main_language = SelectField(_l("Main language"), validate_choice=True)
    bio_de = TextAreaField(_l("Biography (German)"), validators=[Length(max=5000), _plain_text])
    bio_en = TextAreaField(_l("Biography (English)"), validators=[Length(max=5000), _plain_text])
    bio_zh = TextAreaField(_l("Biography (Chinese)"), validators=[Length(max=5000), _plain_text])
    photo = FileField(_l("Photo (JPEG, PNG or WebP)"))
    remove_photo = BooleanField(_l("Remove the photo"))
    submit = SubmitField(_l("Save"))

    def __init__(self, *args: object, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)
        self.main_language.choices = [(code, label(code)) for code in LANGUAGES]

    def bio_fields(self) -> list[tuple[str, TextAreaField]]:
        """(language, field) pairs, one section each in the template."""
        return [(code, getattr(self, f"bio_{code}")) for code in LANGUAGES]

    def to_data(self) -> SpeakerData:
        upload = self.photo.data
        has_upload = upload is not None and bool(getattr(upload, "filename", ""))
        return SpeakerData(
            name=self.name.data or "",
            affiliation=self.affiliation.data or None,
            main_language=self.main_language.data or "de",
            bio={code: field.data or "" for code, field in self.bio_fields()},
            photo=upload.stream if has_upload else None,
            remove_photo=bool(self.remove_photo.data),
        )

    def fill(self, speaker: Speaker) -> None:
        """Put a speaker's values into a form shown for the first time."""
        self.name.data = speaker.name
        self.affiliation.data = speaker.affiliation
        self.main_language.data = speaker.main_language
        for code, field in self.bio_fields():
            field.data = (speaker.bio_i18n or {}).get(code, "")
