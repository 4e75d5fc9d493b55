"""The organisers' video link forms: a session's link page and an event's default link."""
from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import IntegerField, SelectField, StringField, TextAreaField, ValidationError
from wtforms.validators import Length, NumberRange, Optional

from eventapp.labels import label
from eventapp.models import Visibility
from eventapp.rules import validation
from eventapp.rules.errors import RuleError
from eventapp.virtual.services import CHANNEL_LANGUAGES, VideoData


def _https(field: StringField) -> None:
    value = (field.data or "").strip()
    if not value:
        return
    try:
        validation.check_https_url(value, field.name)
    except RuleError as error:
        raise ValidationError(str(error.message)) from None


def _visibility_choices() -> list[tuple[str, str]]:
    return [(value.value, label(value)) for value in Visibility]


class EventVideoForm(FlaskForm):
    """The default join link of an event's virtual sessions."""

    url = StringField(_l("Join link (https)"), validators=[Optional(), Length(max=500)])
    visibility = SelectField(_l("Who may see the link"), default=Visibility.PARTICIPANTS.value)
    reveal_minutes = IntegerField(_l("Show the link this many minutes before the start"),
                                  validators=[Optional(), NumberRange(min=0, max=10080)])
    meeting_id = StringField(_l("Meeting ID"), validators=[Optional(), Length(max=100)])
    passcode = StringField(_l("Passcode"), validators=[Optional(), Length(max=100)])
    dial_in = TextAreaField(_l("Dial-in numbers"), validators=[Optional(), Length(max=2000)])

    def __init__(self, *args: object, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)
        self.visibility.choices = _visibility_choices()

    def validate_url(self, field: StringField) -> None:
        _https(field)

    def data_object(self) -> VideoData:
        return VideoData(
            url=self.url.data, visibility=Visibility(self.visibility.data),
            reveal_minutes=self.reveal_minutes.data, meeting_id=self.meeting_id.data,
            passcode=self.passcode.data, dial_in=self.dial_in.data,
        )


class SessionVideoForm(EventVideoForm):
    """A session's link, interpretation channels (one per language), recording and slides."""

    channel_de_label = StringField(_l("German channel: name"), validators=[Optional(), Length(max=80)])
    channel_de_url = StringField(_l("German channel: link (https)"), validators=[Optional(), Length(max=500)])
    channel_en_label = StringField(_l("English channel: name"), validators=[Optional(), Length(max=80)])
    channel_en_url = StringField(_l("English channel: link (https)"), validators=[Optional(), Length(max=500)])
    channel_zh_label = StringField(_l("Chinese channel: name"), validators=[Optional(), Length(max=80)])
    channel_zh_url = StringField(_l("Chinese channel: link (https)"), validators=[Optional(), Length(max=500)])
    recording_url = StringField(_l("Recording (https)"), validators=[Optional(), Length(max=500)])
    slides_url = StringField(_l("Slides (https)"), validators=[Optional(), Length(max=500)])
    recording_visibility = SelectField(_l("Who may see recording and slides"),
                                       default=Visibility.PARTICIPANTS.value)

    def __init__(self, *args: object, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)
        self.recording_visibility.choices = _visibility_choices()

    def validate_channel_de_url(self, field: StringField) -> None:
        _https(field)

    def validate_channel_en_url(self, field: StringField) -> None:
        _https(field)

    def validate_channel_zh_url(self, field: StringField) -> None:
        _https(field)

    def validate_recording_url(self, field: StringField) -> None:
        _https(field)

    def validate_slides_url(self, field: StringField) -> None:
        _https(field)

    def channel_fields(self) -> list[tuple[StringField, StringField]]:
        return [(getattr(self, f"channel_{code}_label"), getattr(self, f"channel_{code}_url"))
                for code in CHANNEL_LANGUAGES]

    def fill_channels(self, channels: list) -> None:
        for entry in channels or []:
            code = entry.get("language")
            if code in CHANNEL_LANGUAGES:
                getattr(self, f"channel_{code}_label").data = entry.get("label", "")
                getattr(self, f"channel_{code}_url").data = entry.get("url", "")

    def data_object(self) -> VideoData:
        data = super().data_object()
        data.channels = [
            {"language": code, "label": (getattr(self, f"channel_{code}_label").data or "").strip(),
             "url": (getattr(self, f"channel_{code}_url").data or "").strip()}
            for code in CHANNEL_LANGUAGES
            if (getattr(self, f"channel_{code}_url").data or "").strip()
        ]
        data.recording_url = self.recording_url.data
        data.slides_url = self.slides_url.data
        data.recording_visibility = Visibility(self.recording_visibility.data)
        return data
