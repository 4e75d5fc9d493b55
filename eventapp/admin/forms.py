"""Forms of the admin pages; the rules themselves live in eventapp/auth/services.py."""
from __future__ import annotations

from flask_babel import lazy_gettext as _l
from wtforms import (
    BooleanField,
    EmailField,
    Field,
    PasswordField,
    SelectField,
    StringField,
    SubmitField,
)
from wtforms.validators import DataRequired, InputRequired, Length, ValidationError

from eventapp.auth.services import MIN_PASSWORD_LENGTH, check_account_name, check_password
from eventapp.forms import ConfirmStepForm, Form
from eventapp.models import UserRole
from eventapp.rules.errors import RuleError
from eventapp.rules.validation import check_email_address

ROLE_LABELS = {
    UserRole.ORGANISER: _l("Organiser (the events assigned to them)"),
    UserRole.ADMIN: _l("Admin (every event, accounts and the audit log)"),
}
PASSWORD_HELP = _l("At least %(count)s characters.", count=MIN_PASSWORD_LENGTH)


def _role_choices() -> list[tuple[str, object]]:
    return [(role.value, text) for role, text in ROLE_LABELS.items()]


def _rule(check: object, form_field: Field) -> None:
    try:
        check(form_field.data or "")  # type: ignore[operator]
    except RuleError as error:
        raise ValidationError(str(error.message)) from None


class NewUserForm(Form):
    email = EmailField(_l("E-mail"), validators=[DataRequired(), Length(max=254)])
    name = StringField(_l("Name"), validators=[Length(max=200)])
    role = SelectField(_l("Role"), choices=_role_choices, default=UserRole.ORGANISER.value)
    password = PasswordField(_l("Initial password"), validators=[DataRequired(), Length(max=200)])
    submit = SubmitField(_l("Create account"))

    def validate_email(self, form_field: Field) -> None:
        _rule(check_email_address, form_field)

    def validate_name(self, form_field: Field) -> None:
        _rule(check_account_name, form_field)

    def validate_password(self, form_field: Field) -> None:
        _rule(check_password, form_field)


class EditUserForm(Form):
    name = StringField(_l("Name"), validators=[Length(max=200)])
    role = SelectField(_l("Role"), choices=_role_choices)
    is_enabled = BooleanField(_l("Enabled: may sign in"))
    submit = SubmitField(_l("Save"))

    def validate_name(self, form_field: Field) -> None:
        _rule(check_account_name, form_field)


class PasswordForm(Form):
    password = PasswordField(_l("New password"), validators=[DataRequired(), Length(max=200)])
    submit = SubmitField(_l("Set password"))

    def validate_password(self, form_field: Field) -> None:
        _rule(check_password, form_field)


class AssignEventForm(Form):
    """Assign the account on the page to one more event (choices set by the route)."""

    event = SelectField(_l("Event"), validators=[InputRequired()], choices=[])
    submit = SubmitField(_l("Assign"))


class AssignUserForm(Form):
    """Assign one more organiser to the event on the page (choices set by the route)."""

    user_id = SelectField(_l("Organiser"), validators=[InputRequired()], choices=[], coerce=str)
    submit = SubmitField(_l("Assign"))


class RemoveForm(ConfirmStepForm):
    """Ending an organiser's assignment asks first: they lose the event's back office."""

    submit = SubmitField(_l("Remove"))


class AuditFilterForm(Form):
    """The audit log's filters: a GET form, so no CSRF token in every link."""

    class Meta:
        csrf = False

    event = StringField(_l("Event (slug)"))
    user = StringField(_l("User (e-mail)"))
    action = StringField(_l("Action starts with"))
    object_type = StringField(_l("Object type"))
    submit = SubmitField(_l("Filter"))
