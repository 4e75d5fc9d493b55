"""Back-office event forms; the rules give the messages, the services check them again."""
from __future__ import annotations

from datetime import datetime

from flask_babel import lazy_gettext as _l
from wtforms import (
    BooleanField,
    DateField,
    DateTimeLocalField,
    Field,
    IntegerField,
    SelectField,
    SelectMultipleField,
    StringField,
    TextAreaField,
    ValidationError,
)
from wtforms.validators import InputRequired, Length, NumberRange, Optional
from wtforms.widgets import CheckboxInput, ListWidget

from eventapp.events.services import EventData
from eventapp.forms import Form
from eventapp.labels import label, topic_choices
from eventapp.models import City, Event, EventFormat, EventKind
from eventapp.rules import validation
from eventapp.rules.errors import RuleError
from eventapp.rules.times import BERLIN, SHANGHAI, utc_to_local

LANGUAGES = ("de", "en", "zh")
LOCAL_FORMAT = "%Y-%m-%dT%H:%M"
# The partner zones first, then a few the alliance meets in or calls from.
TIMEZONES = (
    BERLIN,
    SHANGHAI,
    "UTC",
    "Europe/London",
    "Europe/Paris",
    "Europe/Vienna",
    "Europe/Zurich",
    "Asia/Hong_Kong",
    "Asia/Singapore",
    "Asia/Tokyo",
    "America/New_York",
)
REPORT_MAX_CHARS = 20000
# Where a rule's field name (from the services) shows up in the event form.
RULE_FIELDS = {
    "starts_at": "starts_local",
    "ends_at": "ends_local",
    "registration_opens_at": "registration_opens_local",
    "registration_closes_at": "registration_closes_local",
}


class MultiCheckboxField(SelectMultipleField):
    widget = ListWidget(prefix_label=False)
    option_widget = CheckboxInput()


def _rule(check, *args: object) -> object:  # noqa: ANN001
    try:
        return check(*args)
    except RuleError as error:
        raise ValidationError(str(error.message)) from None


def _local(moment: datetime | None, zone: str) -> datetime | None:
    return utc_to_local(moment, zone).replace(tzinfo=None) if moment else None


class RuleErrorsMixin:
    """Puts a RuleError from a service beside the field it concerns."""

    def add_rule_error(self, error: RuleError) -> None:
        name = RULE_FIELDS.get(error.field, error.field)
        localised = f"{name}_{self.main_language_code()}"
        if name in ("title", "summary") and isinstance(getattr(self, localised, None), Field):
            name = localised
        target: Field | None = getattr(self, name, None)
        if not isinstance(target, Field):
            target = getattr(self, self.fallback_field)
        target.errors = [*target.errors, str(error.message)]  # type: ignore[union-attr]

    fallback_field = "slug"

    def main_language_code(self) -> str:
        return "de"


class EventForm(RuleErrorsMixin, Form):
    slug = StringField(_l("Web address (slug)"), validators=[InputRequired(), Length(max=80)])
    main_language = SelectField(_l("Main language"), validators=[InputRequired()])
    title_de = StringField(_l("Title (German)"), validators=[Optional(), Length(max=200)])
    title_en = StringField(_l("Title (English)"), validators=[Optional(), Length(max=200)])
    title_zh = StringField(_l("Title (Chinese)"), validators=[Optional(), Length(max=200)])
    summary_de = TextAreaField(_l("Summary (German)"), validators=[Optional(), Length(max=4000)])
    summary_en = TextAreaField(_l("Summary (English)"), validators=[Optional(), Length(max=4000)])
    summary_zh = TextAreaField(_l("Summary (Chinese)"), validators=[Optional(), Length(max=4000)])
    kind = SelectField(_l("Kind of event"), validators=[InputRequired()])
    format = SelectField(_l("Format"), validators=[InputRequired()])
    timezone = SelectField(_l("Time zone"), validators=[InputRequired()])
    starts_local = DateTimeLocalField(
        _l("Starts (local time)"), format=LOCAL_FORMAT, validators=[InputRequired()]
    )
    ends_local = DateTimeLocalField(
        _l("Ends (local time)"), format=LOCAL_FORMAT, validators=[InputRequired()]
    )
    venue_name = StringField(_l("Venue"), validators=[Optional(), Length(max=200)])
    venue_address = StringField(_l("Venue address"), validators=[Optional(), Length(max=300)])
    host_city = SelectField(_l("Host city"), validators=[Optional()])
    topics = MultiCheckboxField(_l("Topics"), validators=[Optional()])
    languages = MultiCheckboxField(_l("Languages spoken"), validators=[Optional()])
    has_interpretation = BooleanField(_l("Interpretation German–Chinese is offered"))
    registration_opens_local = DateTimeLocalField(
        _l("Registration opens (local time)"), format=LOCAL_FORMAT, validators=[Optional()]
    )
    registration_closes_local = DateTimeLocalField(
        _l("Registration closes (local time)"), format=LOCAL_FORMAT, validators=[Optional()]
    )
    capacity_onsite = IntegerField(
        _l("Places on site"), validators=[Optional(), NumberRange(min=0, max=1_000_000)]
    )
    capacity_online = IntegerField(
        _l("Places online"), validators=[Optional(), NumberRange(min=0, max=1_000_000)]
    )
    has_waiting_list = BooleanField(_l("Keep a waiting list when places run out"))
    requires_approval = BooleanField(_l("Registrations need the organisers' approval"))
    rooms = TextAreaField(_l("Rooms"), validators=[Optional(), Length(max=20000)])

    def setup(self, cities: list[tuple[int, str]], current_zone: str | None = None) -> EventForm:
        """Fill the choices (cities from the database, labels in the reader's language)."""
        self.main_language.choices = [(code, label(code)) for code in LANGUAGES]
        self.kind.choices = [(kind.value, label(kind)) for kind in EventKind]
        self.format.choices = [(item.value, label(item)) for item in EventFormat]
        zones = list(TIMEZONES)
        if current_zone and current_zone not in zones:
            zones.append(current_zone)
        self.timezone.choices = [(zone, zone.replace("_", " ")) for zone in zones]
        self.host_city.choices = [("", _l("— none —"))] + [(str(city_id), name) for city_id, name in cities]
        self.topics.choices = topic_choices()
        self.languages.choices = [(code, label(code)) for code in LANGUAGES]
        return self

    def main_language_code(self) -> str:
        return self.main_language.data if self.main_language.data in LANGUAGES else "de"

    def validate(self, extra_validators: dict | None = None) -> bool:
        is_valid = super().validate(extra_validators)
        try:
            validation.check_translations(self.texts("title"), self.main_language_code(), "title")
        except RuleError as error:
            self.add_rule_error(error)
            is_valid = False
        return is_valid

    def validate_slug(self, field: StringField) -> None:
        field.data = (field.data or "").strip()
        _rule(validation.check_slug, field.data)

    def validate_rooms(self, field: TextAreaField) -> None:
        _rule(validation.clean_rooms, self.room_lines())

    def room_lines(self) -> list[str]:
        return (self.rooms.data or "").splitlines()

    def host_city_id(self) -> int | None:
        value = self.host_city.data or ""
        return int(value) if value.isdigit() else None

    def texts(self, name: str) -> dict[str, str]:
        values = {code: (getattr(self, f"{name}_{code}").data or "").strip() for code in LANGUAGES}
        return {code: text for code, text in values.items() if text}

    def to_data(self, host_city: City | None) -> EventData:
        return EventData(
            slug=self.slug.data,
            main_language=self.main_language.data,
            title=self.texts("title"),
            summary=self.texts("summary"),
            kind=EventKind(self.kind.data),
            format=EventFormat(self.format.data),
            timezone=self.timezone.data,
            starts_local=self.starts_local.data,
            ends_local=self.ends_local.data,
            venue_name=(self.venue_name.data or "").strip() or None,
            venue_address=(self.venue_address.data or "").strip() or None,
            host_city=host_city,
            topics=list(self.topics.data or []),
            languages=list(self.languages.data or []),
            has_interpretation=self.has_interpretation.data,
            registration_opens_local=self.registration_opens_local.data,
            registration_closes_local=self.registration_closes_local.data,
            capacity_onsite=self.capacity_onsite.data,
            capacity_online=self.capacity_online.data,
            has_waiting_list=self.has_waiting_list.data,
            requires_approval=self.requires_approval.data,
        )

    @classmethod
    def for_event(cls, event: Event) -> EventForm:
        """The form filled with an event's values (times as local wall times in its zone)."""
        zone = event.timezone
        values: dict[str, object] = {
            "slug": event.slug,
            "main_language": event.main_language,
            "kind": event.kind.value,
            "format": event.format.value,
            "timezone": zone,
            "starts_local": _local(event.starts_at, zone),
            "ends_local": _local(event.ends_at, zone),
            "venue_name": event.venue_name,
            "venue_address": event.venue_address,
            "host_city": str(event.host_city_id) if event.host_city_id else "",
            "topics": list(event.topics),
            "languages": list(event.languages or []),
            "has_interpretation": event.has_interpretation,
            "registration_opens_local": _local(event.registration_opens_at, zone),
            "registration_closes_local": _local(event.registration_closes_at, zone),
            "capacity_onsite": event.capacity_onsite,
            "capacity_online": event.capacity_online,
            "has_waiting_list": event.has_waiting_list,
            "requires_approval": event.requires_approval,
            "rooms": "\n".join(event.rooms or []),
        }
        for code in LANGUAGES:
            values[f"title_{code}"] = (event.title_i18n or {}).get(code, "")
            values[f"summary_{code}"] = (event.summary_i18n or {}).get(code, "")
        return cls(data=values)


class CloneForm(RuleErrorsMixin, Form):
    slug = StringField(_l("Web address (slug) of the copy"), validators=[InputRequired(), Length(max=80)])
    title = StringField(_l("Title of the copy (main language)"), validators=[Optional(), Length(max=200)])
    starts_on = DateField(_l("First day of the copy"), validators=[InputRequired()])

    fallback_field = "starts_on"

    def validate_slug(self, field: StringField) -> None:
        field.data = (field.data or "").strip()
        _rule(validation.check_slug, field.data)


class ReportForm(Form):
    report_de = TextAreaField(_l("Report (German)"), validators=[Optional(), Length(max=REPORT_MAX_CHARS)])
    report_en = TextAreaField(_l("Report (English)"), validators=[Optional(), Length(max=REPORT_MAX_CHARS)])
    report_zh = TextAreaField(_l("Report (Chinese)"), validators=[Optional(), Length(max=REPORT_MAX_CHARS)])

    @classmethod
    def for_event(cls, event: Event) -> ReportForm:
        report = event.report_i18n or {}
        return cls(data={f"report_{code}": report.get(code, "") for code in LANGUAGES})

    def texts(self) -> dict[str, str]:
        return {code: getattr(self, f"report_{code}").data or "" for code in LANGUAGES}


class ConfirmForm(Form):
    """A button that changes something: only its CSRF token is checked."""
