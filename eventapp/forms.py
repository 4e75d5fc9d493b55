"""The base of every form: Flask-WTF's CSRF-protected form plus the input rules all forms
share: no NUL bytes (PostgreSQL cannot store them and no person types them) and no line
breaks in one-line fields (names, e-mail addresses and titles end up in mail headers, CSV
rows and calendar lines)."""
from __future__ import annotations

from typing import Any

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import HiddenField, StringField, TextAreaField

NOT_ALLOWED = _l("This field contains a character that is not allowed.")
ONE_LINE = _l("Please write this on one line.")


class Form(FlaskForm):
    """FlaskForm that refuses NUL bytes in any field, and line breaks in one-line fields,
    with a message beside the field."""

    def validate(self, extra_validators: Any = None) -> bool:
        is_valid = super().validate(extra_validators)
        for field in self:
            values = [value for value in field.raw_data or [] if isinstance(value, str)]
            message = None
            if any("\x00" in value for value in values):
                message = NOT_ALLOWED
            elif (
                isinstance(field, StringField)
                and not isinstance(field, TextAreaField)
                and any("\r" in value or "\n" in value for value in values)
            ):
                message = ONE_LINE
            if message is NOT_ALLOWED:
                # The root cause: whatever else the field's rules said follows from it.
                field.errors = [message]
                is_valid = False
            elif message is not None:
                is_valid = False
                if not field.errors:  # its own rule may have said so in its own words
                    field.errors = [message]
        return is_valid


class ConfirmStepForm(Form):
    """A destructive or irreversible action in two steps: a POST without `confirm=1` (or a
    GET) shows what will happen; only the POST from that confirmation page acts. Plain
    HTML forms, so it works without JavaScript."""

    confirm = HiddenField()

    @property
    def is_confirmed(self) -> bool:
        return self.is_submitted() and self.confirm.data == "1"
