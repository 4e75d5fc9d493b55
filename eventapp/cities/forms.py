"""The back office's city form: slug, names and region per language, country, membership."""
from __future__ import annotations

from flask_babel import lazy_gettext as _l
from wtforms import BooleanField, DateField, SelectField, StringField, SubmitField, ValidationError
from wtforms.validators import DataRequired, Length, Optional

from eventapp.cities.services import CityData
from eventapp.forms import Form
from eventapp.labels import label
from eventapp.models import City, Country
from eventapp.rules import validation
from eventapp.rules.errors import RuleError

LANGUAGES = ("de", "en", "zh")


def _rule(check, *args: object) -> None:  # noqa: ANN001
    try:
        check(*args)
    except RuleError as error:
        raise ValidationError(str(error.message)) from None


def _single_line(_form: Form, field: StringField) -> None:
    _rule(validation.check_single_line, field.data or "", field.name)


class CityForm(Form):
    slug = StringField(_l("Address (slug)"), validators=[DataRequired(), Length(max=80)])
    name_de = StringField(_l("Name (German)"), validators=[Optional(), Length(max=120), _single_line])
    name_en = StringField(_l("Name (English)"), validators=[Optional(), Length(max=120), _single_line])
    name_zh = StringField(_l("Name (Chinese)"), validators=[Optional(), Length(max=120), _single_line])
    region_de = StringField(
        _l("Federal state or province (German)"), validators=[Optional(), Length(max=120), _single_line]
    )
    region_en = StringField(
        _l("Federal state or province (English)"), validators=[Optional(), Length(max=120), _single_line]
    )
    region_zh = StringField(
        _l("Federal state or province (Chinese)"), validators=[Optional(), Length(max=120), _single_line]
    )
    country = SelectField(_l("Country"), validate_choice=True)
    member_since = DateField(_l("Member since"), validators=[Optional()])
    is_member = BooleanField(_l("Is a member of the alliance"), default=True)
    submit = SubmitField(_l("Save"))

    def __init__(self, *args: object, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)
        self.country.choices = [(country.value, label(country)) for country in Country]

    def validate_slug(self, field: StringField) -> None:
        _rule(validation.check_slug, (field.data or "").strip())

    def validate(self, extra_validators: dict | None = None) -> bool:
        is_valid = super().validate(extra_validators)
        if self.country.data in {country.value for country in Country}:
            try:
                validation.check_city_names(self._names(), self.country.data)
            except RuleError as error:
                field = self._fields.get(error.field, self.name_de)
                if not field.errors:
                    field.errors.append(str(error.message))
                is_valid = False
        return is_valid

    def _names(self) -> dict[str, str]:
        return {code: getattr(self, f"name_{code}").data or "" for code in LANGUAGES}

    def name_fields(self) -> list[StringField]:
        return [getattr(self, f"name_{code}") for code in LANGUAGES]

    def region_fields(self) -> list[StringField]:
        return [getattr(self, f"region_{code}") for code in LANGUAGES]

    def to_data(self) -> CityData:
        return CityData(
            slug=self.slug.data or "",
            name=self._names(),
            country=Country(self.country.data),
            region={code: getattr(self, f"region_{code}").data or "" for code in LANGUAGES},
            member_since=self.member_since.data,
            is_member=bool(self.is_member.data),
        )

    def fill(self, city: City) -> None:
        """Put a city's values into a form shown for the first time."""
        self.slug.data = city.slug
        for code in LANGUAGES:
            getattr(self, f"name_{code}").data = (city.name_i18n or {}).get(code, "")
            getattr(self, f"region_{code}").data = (city.region_i18n or {}).get(code, "")
        self.country.data = city.country.value
        self.member_since.data = city.member_since
        self.is_member.data = city.is_member
