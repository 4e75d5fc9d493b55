"""Agenda builder forms, in the interface language; the services give the rule messages."""
from __future__ import annotations

from datetime import date, datetime, timedelta

from flask_babel import format_date
from flask_babel import lazy_gettext as _l
from wtforms import (
    BooleanField,
    IntegerField,
    SelectField,
    SelectMultipleField,
    StringField,
    TextAreaField,
    TimeField,
    ValidationError,
)
from wtforms.validators import InputRequired, Length, NumberRange, Optional
from wtforms.widgets import CheckboxInput, ListWidget

from eventapp.events.services import SessionData
from eventapp.forms import ConfirmStepForm, Form
from eventapp.labels import label, topic_choices
from eventapp.models import SessionKind, Speaker, Visibility

LANGUAGES = ("de", "en", "zh")
OTHER_ROOM = "__other__"


class MultiCheckboxField(SelectMultipleField):
    widget = ListWidget(prefix_label=False)
    option_widget = CheckboxInput()


class ConfirmForm(Form):
    """A button that only needs its CSRF token (duplicate, cancel, delete, discard)."""


class _WhereForm(Form):
    """Day, start and room: what the item form and the move form share."""

    day = SelectField(_l("Day"), choices=[], validators=[InputRequired()])
    start = TimeField(_l("Start"), validators=[InputRequired()])
    room = SelectField(_l("Room"), choices=[], validate_choice=True)
    room_other = StringField(
        _l("Other room"), validators=[Optional(), Length(max=120)],
        description=_l("Type a room that is not in the list; it is used instead of the choice above."),
    )
    accept_warnings = BooleanField(_l("Save despite the warnings"))

    def setup_where(self, days: list[date], rooms: list[str]) -> None:
        self.day.choices = [(day.isoformat(), format_date(day, "full")) for day in days]
        self.room.choices = [("", _l("— no room —"))] + [(room, room) for room in rooms] + [
            (OTHER_ROOM, _l("Other room (type it below)"))
        ]
        if self.room.data and self.room.data not in {value for value, _text in self.room.choices}:
            # an item's room that is no longer offered: keep it as the "other room"
            self.room_other.data = self.room_other.data or self.room.data
            self.room.data = OTHER_ROOM

    def set_where(self, starts_local: datetime, room: str | None) -> None:
        self.day.data = starts_local.date().isoformat()
        self.start.data = starts_local.time()
        self.room.data = room or ""

    def validate_day(self, field: SelectField) -> None:
        try:
            date.fromisoformat(field.data or "")
        except ValueError:
            raise ValidationError(_l("Please choose a day.")) from None

    def validate_room(self, field: SelectField) -> None:
        # checked here: room_other's Optional() would stop its own validators when empty
        if field.data == OTHER_ROOM and not (self.room_other.data or "").strip():
            raise ValidationError(_l("Please type the other room below."))

    @property
    def starts_local(self) -> datetime:
        return datetime.combine(date.fromisoformat(self.day.data), self.start.data)

    @property
    def chosen_room(self) -> str | None:
        if self.room.data == OTHER_ROOM:
            return " ".join((self.room_other.data or "").split()) or None
        return self.room.data or None


class MoveForm(_WhereForm):
    pass


class SessionForm(_WhereForm):
    title_de = StringField(_l("Title (German)"), validators=[Optional(), Length(max=300)])
    title_en = StringField(_l("Title (English)"), validators=[Optional(), Length(max=300)])
    title_zh = StringField(_l("Title (Chinese)"), validators=[Optional(), Length(max=300)])
    description_de = TextAreaField(_l("Description (German)"), validators=[Optional(), Length(max=5000)])
    description_en = TextAreaField(_l("Description (English)"), validators=[Optional(), Length(max=5000)])
    description_zh = TextAreaField(_l("Description (Chinese)"), validators=[Optional(), Length(max=5000)])
    kind = SelectField(_l("Kind"), choices=[], validators=[InputRequired()])
    end = TimeField(
        _l("End"), validators=[InputRequired()],
        description=_l("An end earlier than the start means the next day."),
    )
    spoken_language = SelectField(_l("Spoken language"), choices=[], validators=[InputRequired()])
    has_interpretation = BooleanField(_l("Interpretation German–Chinese"))
    topics = MultiCheckboxField(_l("Topics"), choices=[])
    speaker_ids = SelectMultipleField(_l("Speakers"), choices=[], coerce=int)
    capacity = IntegerField(_l("Places (empty: no limit)"),
                            validators=[Optional(), NumberRange(min=0, max=100000)])
    is_virtual = BooleanField(_l("Virtual session"))
    join_url = StringField(_l("Join link (https)"), validators=[Optional(), Length(max=500)])
    join_visibility = SelectField(_l("Who sees the join link"), choices=[])
    join_reveal_minutes = IntegerField(
        _l("Show the link this many minutes before the start (empty: always)"),
        validators=[Optional(), NumberRange(min=0, max=60 * 24 * 30)],
    )

    def setup(self, days: list[date], rooms: list[str], speakers: list[Speaker]) -> None:
        self.setup_where(days, rooms)
        self.kind.choices = [(kind.value, label(kind)) for kind in SessionKind]
        self.spoken_language.choices = [(code, label(code)) for code in LANGUAGES]
        self.topics.choices = topic_choices()
        self.speaker_ids.choices = [
            (speaker.id, f"{speaker.name} ({speaker.affiliation})" if speaker.affiliation
             else speaker.name)
            for speaker in speakers
        ]
        self.join_visibility.choices = [(value.value, label(value)) for value in Visibility]

    def fill(self, data: SessionData) -> None:
        """Show an item's values (GET of the edit form)."""
        for code in LANGUAGES:
            getattr(self, f"title_{code}").data = data.title.get(code, "")
            getattr(self, f"description_{code}").data = data.description.get(code, "")
        self.kind.data = data.kind.value
        self.set_where(data.starts_local, data.room)
        self.end.data = data.ends_local.time()
        self.spoken_language.data = data.spoken_language
        self.has_interpretation.data = data.has_interpretation
        self.topics.data = list(data.topics)
        self.speaker_ids.data = [speaker.id for speaker in data.speakers]
        self.capacity.data = data.capacity
        self.is_virtual.data = data.is_virtual
        self.join_url.data = data.join_url or ""
        self.join_visibility.data = data.join_visibility.value
        self.join_reveal_minutes.data = data.join_reveal_minutes

    @property
    def ends_local(self) -> datetime:
        ends = datetime.combine(date.fromisoformat(self.day.data), self.end.data)
        return ends if ends > self.starts_local else ends + timedelta(days=1)

    def session_data(self, speakers: list[Speaker]) -> SessionData:
        """The typed values; the service checks the rules."""
        chosen = set(self.speaker_ids.data or [])
        return SessionData(
            title={code: text.strip() for code in LANGUAGES
                   if (text := getattr(self, f"title_{code}").data or "").strip()},
            description={code: text.strip() for code in LANGUAGES
                         if (text := getattr(self, f"description_{code}").data or "").strip()},
            kind=SessionKind(self.kind.data),
            starts_local=self.starts_local,
            ends_local=self.ends_local,
            room=self.chosen_room,
            spoken_language=self.spoken_language.data,
            has_interpretation=bool(self.has_interpretation.data),
            topics=list(self.topics.data or []),
            is_virtual=bool(self.is_virtual.data),
            join_url=(self.join_url.data or "").strip() or None,
            join_visibility=Visibility(self.join_visibility.data or Visibility.PARTICIPANTS.value),
            join_reveal_minutes=self.join_reveal_minutes.data,
            capacity=self.capacity.data,
            speakers=[speaker for speaker in speakers if speaker.id in chosen],
        )


class RoomForm(Form):
    name = StringField(_l("New room"), validators=[InputRequired(), Length(max=120)])


class RemoveRoomForm(ConfirmStepForm):
    """Removing a room asks first (a POST without `confirm=1` shows the confirmation)."""

    name = StringField(validators=[InputRequired()])


class ReleaseForm(Form):
    note_de = TextAreaField(_l("Note (German)"), validators=[Optional(), Length(max=2000)])
    note_en = TextAreaField(_l("Note (English)"), validators=[Optional(), Length(max=2000)])
    note_zh = TextAreaField(_l("Note (Chinese)"), validators=[Optional(), Length(max=2000)])
    send_digest = BooleanField(
        _l("Mail the changes to everyone registered (confirmed, waiting or awaiting approval)"),
        default=True,
    )

    @property
    def note(self) -> dict[str, str]:
        return {code: text.strip() for code in LANGUAGES
                if (text := getattr(self, f"note_{code}").data or "").strip()}
