"""Registration forms, in the interface language; the rules give the messages."""
from __future__ import annotations

from flask_babel import lazy_gettext as _l
from wtforms import (
    BooleanField,
    EmailField,
    RadioField,
    SelectField,
    SelectMultipleField,
    StringField,
    SubmitField,
    TextAreaField,
    ValidationError,
)
from wtforms.validators import DataRequired, InputRequired, Length, Optional
from wtforms.widgets import CheckboxInput, ListWidget

from eventapp.forms import ConfirmStepForm, Form
from eventapp.labels import LANGUAGE_ENDONYMS, label
from eventapp.models import AttendanceMode, OrganisationKind, RegistrationStatus
from eventapp.rules import validation
from eventapp.rules.errors import RuleError

OTHER = "other"


def _language_choices() -> list[tuple[str, str]]:
    """The mail languages, given as a function that the form calls when it is built:
    WTForms 3.3 warns about a list of tuples given where a field is declared (once for
    every form made: 227 warnings in the tests)."""
    return list(LANGUAGE_ENDONYMS.items())


class MultiCheckboxField(SelectMultipleField):
    widget = ListWidget(prefix_label=False)
    option_widget = CheckboxInput()


def _rule(check, *args: object) -> None:  # noqa: ANN001
    try:
        check(*args)
    except RuleError as error:
        raise ValidationError(str(error.message)) from None


def _optional_int(value: object) -> int | None:
    if value in (None, "", OTHER):
        return None
    try:
        return int(value)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        return None


class RegistrationForm(Form):
    first_name = StringField(_l("First name"), validators=[DataRequired(), Length(max=100)])
    last_name = StringField(_l("Last name"), validators=[DataRequired(), Length(max=100)])
    email = EmailField(_l("E-mail"), validators=[DataRequired(), Length(max=254)])
    organisation_id = SelectField(_l("Organisation"), choices=[], validate_choice=True)
    organisation_name = StringField(
        _l("Organisation not in the list"), validators=[Optional(), Length(max=200)]
    )
    city_id = SelectField(
        _l("City"), choices=[], validate_choice=True,
        validators=[InputRequired(message=_l("Please choose your city, or \"Other city\"."))],
    )
    city_other = StringField(_l("Other city"), validators=[Optional(), Length(max=120)])
    # No preselection: the person chooses, and is told so when they did not.
    participant_type = SelectField(
        _l("I am taking part for"),
        choices=[],
        validators=[InputRequired(message=_l("Please choose whom you are taking part for."))],
    )
    position = StringField(_l("Position"), validators=[Optional(), Length(max=200)])
    attendance_mode = RadioField(_l("I will attend"), choices=[], validators=[InputRequired()])
    preferred_language = SelectField(
        _l("Language for mails"), choices=_language_choices, validators=[InputRequired()]
    )
    needs_interpretation = BooleanField(_l("I need interpretation (German–Chinese)"))
    notes = TextAreaField(
        _l("Notes for the organisers (dietary needs, accessibility)"),
        validators=[Optional(), Length(max=1000)],
    )
    session_ids = MultiCheckboxField(_l("Sessions with limited places"), choices=[], coerce=int)
    consent_privacy = BooleanField(
        _l("I have read the privacy notice and agree to the processing of my data for this event."),
        validators=[InputRequired(message=_l("Please accept the privacy notice to register."))],
    )
    consent_listing = BooleanField(_l("My name and organisation may appear in the participant list."))
    # Honeypot: hidden by CSS, left empty by people, filled in by bots.
    website = StringField(_l("Leave this field empty"), validators=[Optional()])
    submit = SubmitField(_l("Register"))

    def setup(self, organisations: list[tuple[int, str]], cities: list[tuple[int, str]],
              modes: list[AttendanceMode], sessions: list, language: str) -> None:
        self.organisation_id.choices = [("", _l("— not in the list —"))] + [
            (str(key), name) for key, name in organisations
        ]
        self.city_id.choices = [("", _l("— please choose —"))] + [
            (str(key), name) for key, name in cities
        ] + [(OTHER, _l("Other city"))]
        self.attendance_mode.choices = [(mode.value, label(mode)) for mode in modes]
        if len(modes) == 1 and not self.attendance_mode.data:
            self.attendance_mode.data = modes[0].value
        self.participant_type.choices = [("", _l("— please choose —"))] + [
            (kind.value, label(kind)) for kind in OrganisationKind
        ]
        self.session_ids.choices = [(item.id, item.text("title", language)) for item in sessions]

    def validate_email(self, field: EmailField) -> None:
        _rule(validation.check_email_address, field.data or "")

    def validate_city_id(self, field: SelectField) -> None:
        if not field.data:
            raise ValidationError(_l("Please choose your city, or \"Other city\"."))
        if field.data == OTHER and not (self.city_other.data or "").strip():
            self.city_other.errors = [*self.city_other.errors, _l("Please name your city.")]
            raise ValidationError(_l("Please name your city below."))

    def validate_consent_privacy(self, field: BooleanField) -> None:
        _rule(validation.check_privacy_consent, bool(field.data))

    def validate_preferred_language(self, field: SelectField) -> None:
        _rule(validation.check_language, field.data or "", "preferred_language")

    @property
    def organisation_choice(self) -> int | None:
        return _optional_int(self.organisation_id.data)

    @property
    def city_choice(self) -> int | None:
        return _optional_int(self.city_id.data)

    @property
    def is_bot(self) -> bool:
        return bool((self.website.data or "").strip())


class ModeForm(Form):
    attendance_mode = RadioField(_l("I will attend"), choices=[], validators=[InputRequired()])
    submit = SubmitField(_l("Change attendance"))


class SessionsForm(Form):
    session_ids = MultiCheckboxField(_l("Sessions with limited places"), choices=[], coerce=int)
    submit = SubmitField(_l("Save my sessions"))


class ConfirmForm(ConfirmStepForm):
    """A button that needs the CSRF token (approve, check in); cancel, delete and reject
    also need `confirm=1` from their confirmation page."""

    submit = SubmitField(_l("Confirm"))


class FilterForm(Form):
    class Meta:
        csrf = False

    status = SelectField(_l("Status"), choices=[], validators=[Optional()])
    attendance_mode = SelectField(_l("Attendance"), choices=[], validators=[Optional()])
    participant_type = SelectField(_l("Participant type"), choices=[], validators=[Optional()])
    city = SelectField(_l("City"), choices=[], validators=[Optional()])
    q = StringField(_l("Search"), validators=[Optional(), Length(max=100)])

    def setup(self, cities: list[tuple[int, str]]) -> None:
        every = ("", _l("All"))
        self.status.choices = [every] + [(s.value, label(s)) for s in RegistrationStatus]
        self.attendance_mode.choices = [every] + [(m.value, label(m)) for m in AttendanceMode]
        self.participant_type.choices = [every] + [(k.value, label(k)) for k in OrganisationKind]
        self.city.choices = [every] + [(str(key), name) for key, name in cities]


class CheckinForm(Form):
    code = StringField(_l("Check-in code (from the QR code)"), validators=[DataRequired(), Length(max=100)])
    submit = SubmitField(_l("Check in"))


class MessageForm(ConfirmStepForm):
    """Two steps: the form, then a confirmation naming how many people get the mail."""

    subject = StringField(_l("Subject"), validators=[DataRequired(), Length(max=200)])
    message = TextAreaField(_l("Message"), validators=[DataRequired(), Length(max=10000)])
    status = SelectField(_l("Send to"), choices=[], validators=[Optional()])
    attendance_mode = SelectField(_l("Attendance"), choices=[], validators=[Optional()])
    submit = SubmitField(_l("Queue the mails"))

    def setup(self) -> None:
        self.status.choices = [("", _l("Everyone still registered"))] + [
            (s.value, label(s)) for s in (RegistrationStatus.CONFIRMED, RegistrationStatus.WAITING,
                                          RegistrationStatus.PENDING)
        ]
        self.attendance_mode.choices = [("", _l("All"))] + [(m.value, label(m)) for m in AttendanceMode]

    def validate_subject(self, field: StringField) -> None:
        if "\n" in (field.data or "") or "\r" in (field.data or ""):
            raise ValidationError(_l("The subject must be one line."))
