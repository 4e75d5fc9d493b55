"""The base of every form: Flask-WTF's CSRF-protected form plus the input rules all forms
share (no NUL bytes, which PostgreSQL cannot store and no person types)."""
from __future__ import annotations

from typing import Any

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm

NOT_ALLOWED = _l("This field contains a character that is not allowed.")


class Form(FlaskForm):
    """FlaskForm that refuses NUL bytes in any field with a message beside that field."""

    def validate(self, extra_validators: Any = None) -> bool:
        is_valid = super().validate(extra_validators)
        for field in self:
            values = field.raw_data or []
            if any(isinstance(value, str) and "\x00" in value for value in values):
                if isinstance(field.errors, tuple):
                    field.errors = list(field.errors)
                field.errors.append(NOT_ALLOWED)
                is_valid = False
        return is_valid
