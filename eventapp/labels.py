"""Translated labels for enumerations and topics (lazy: built at import time)."""
from __future__ import annotations

from enum import Enum
from functools import lru_cache

from babel import Locale
from flask_babel import lazy_gettext as _l

from eventapp.i18n import request_locale
from eventapp.models.enums import (
    AttendanceMode,
    Country,
    DocumentKind,
    EventFormat,
    EventKind,
    EventStatus,
    OrganisationKind,
    RegistrationStatus,
    SessionKind,
    SessionStatus,
    Topic,
    VideoPlatform,
    Visibility,
)

# StrEnum members are equal to their values, so OrganisationKind.OTHER and
# VideoPlatform.OTHER ("other") would share one dict key; _LABELS keys by (enum, value).
_MEMBER_LABELS: tuple[tuple[Enum, object], ...] = (
    (Country.DE, _l("Germany")),
    (Country.CN, _l("China")),
    (OrganisationKind.AGENCY, _l("Economic development agency")),
    (OrganisationKind.ADVISORY_BOARD, _l("Advisory board")),
    (OrganisationKind.COMPANY, _l("Company")),
    (OrganisationKind.RESEARCH, _l("Research institution")),
    (OrganisationKind.ADMINISTRATION, _l("City administration")),
    (OrganisationKind.PRESS, _l("Press")),
    (OrganisationKind.OTHER, _l("Other")),
    (EventKind.CONFERENCE, _l("Conference")),
    (EventKind.EXPERT_MEETING, _l("Expert meeting")),
    (EventKind.DELEGATION_VISIT, _l("Delegation visit")),
    (EventKind.WEBINAR, _l("Webinar")),
    (EventKind.WORKSHOP, _l("Workshop")),
    (EventFormat.IN_PERSON, _l("In person")),
    (EventFormat.VIRTUAL, _l("Virtual")),
    (EventFormat.HYBRID, _l("Hybrid")),
    (EventStatus.DRAFT, _l("Draft")),
    (EventStatus.PUBLISHED, _l("Published")),
    (EventStatus.CANCELLED, _l("Cancelled")),
    (SessionKind.TALK, _l("Talk")),
    (SessionKind.PANEL, _l("Panel")),
    (SessionKind.BREAK, _l("Break")),
    (SessionKind.NETWORKING, _l("Networking")),
    (SessionKind.SITE_VISIT, _l("Site visit")),
    (SessionKind.B2B, _l("B2B meetings")),
    (SessionStatus.SCHEDULED, _l("Scheduled")),
    (SessionStatus.CANCELLED, _l("Cancelled")),
    (AttendanceMode.ONSITE, _l("On site")),
    (AttendanceMode.ONLINE, _l("Online")),
    (RegistrationStatus.PENDING, _l("Awaiting approval")),
    (RegistrationStatus.CONFIRMED, _l("Confirmed")),
    (RegistrationStatus.WAITING, _l("Waiting list")),
    (RegistrationStatus.CANCELLED, _l("Cancelled")),
    (RegistrationStatus.REJECTED, _l("Rejected")),
    (DocumentKind.REPORT, _l("Report")),
    (DocumentKind.MINUTES, _l("Minutes")),
    (DocumentKind.SLIDES, _l("Slides")),
    (DocumentKind.PHOTO, _l("Photo")),
    (DocumentKind.PRESS_RELEASE, _l("Press release")),
    (DocumentKind.RECORDING, _l("Recording")),
    (Visibility.PUBLIC, _l("Public")),
    (Visibility.PARTICIPANTS, _l("Confirmed participants only")),
    (Visibility.ORGANISERS, _l("Organisers only")),
    (VideoPlatform.ZOOM, "Zoom"),
    (VideoPlatform.TEAMS, "Microsoft Teams"),
    (VideoPlatform.WEBEX, "Webex"),
    (VideoPlatform.JITSI, "Jitsi Meet"),
    (VideoPlatform.BIGBLUEBUTTON, "BigBlueButton"),
    (VideoPlatform.TENCENT, _l("Tencent Meeting / VooV Meeting")),
    (VideoPlatform.DINGTALK, _l("DingTalk")),
    (VideoPlatform.FEISHU, _l("Feishu / Lark")),
    (VideoPlatform.OTHER, _l("Other video platform")),
    (Topic.RESEARCH, _l("Research and development")),
    (Topic.AUTOMATION, _l("Automation")),
    (Topic.BIOTECH, _l("Biotechnology")),
    (Topic.LOGISTICS, _l("Smart logistics")),
    (Topic.BATTERIES, _l("Battery production")),
    (Topic.HYDROGEN, _l("Hydrogen technology")),
    (Topic.CLIMATE, _l("Climate protection")),
    (Topic.CIRCULAR, _l("Circular economy")),
    (Topic.INVESTMENT, _l("Investment and settlement")),
    (Topic.JOINT_VENTURES, _l("Joint ventures")),
)
LABELS: dict[tuple[type, str], object] = {
    (type(member), member.value): text for member, text in _MEMBER_LABELS
}

LANGUAGE_NAMES = {
    "de": _l("German"),
    "en": _l("English"),
    "zh": _l("Chinese"),
}

# Each language's name in itself, for the language switch.
LANGUAGE_ENDONYMS = {"de": "Deutsch", "en": "English", "zh": "中文"}


def label(value: Enum | str | None) -> str:
    """The translated label of an enum member, a topic code or a language code."""
    if value is None:
        return ""
    return _label(value, request_locale())


# Typed: a StrEnum member equals its value ("talk"), but their labels differ.
@lru_cache(maxsize=1024, typed=True)
def _label(value: Enum | str, locale: Locale | None) -> str:  # noqa: ARG001 - the key of the cache
    """Looked up once per value and locale (pages ask for the same few labels many times)."""
    if isinstance(value, Enum):
        return str(LABELS.get((type(value), value.value), value.value))
    if value in LANGUAGE_NAMES:
        return str(LANGUAGE_NAMES[value])
    try:
        return str(LABELS[(Topic, Topic(value).value)])
    except ValueError:
        return str(value)


def topic_choices() -> list[tuple[str, str]]:
    return [(topic.value, label(topic)) for topic in Topic]

