"""Enumerations stored by value. Their translated labels live in eventapp/labels.py."""
from __future__ import annotations

import enum


class Country(enum.StrEnum):
    DE = "DE"
    CN = "CN"


class OrganisationKind(enum.StrEnum):
    AGENCY = "economic_development_agency"
    ADVISORY_BOARD = "advisory_board"
    COMPANY = "company"
    RESEARCH = "research"
    ADMINISTRATION = "administration"
    PRESS = "press"
    OTHER = "other"


# Participants are typed like organisations.
ParticipantType = OrganisationKind


class EventKind(enum.StrEnum):
    CONFERENCE = "conference"
    EXPERT_MEETING = "expert_meeting"
    DELEGATION_VISIT = "delegation_visit"
    WEBINAR = "webinar"
    WORKSHOP = "workshop"


class EventFormat(enum.StrEnum):
    IN_PERSON = "in_person"
    VIRTUAL = "virtual"
    HYBRID = "hybrid"


class EventStatus(enum.StrEnum):
    DRAFT = "draft"
    PUBLISHED = "published"
    CANCELLED = "cancelled"


class SessionKind(enum.StrEnum):
    TALK = "talk"
    PANEL = "panel"
    BREAK = "break"
    NETWORKING = "networking"
    SITE_VISIT = "site_visit"
    B2B = "b2b_meetings"


class SessionStatus(enum.StrEnum):
    SCHEDULED = "scheduled"
    CANCELLED = "cancelled"


class AttendanceMode(enum.StrEnum):
    ONSITE = "onsite"
    ONLINE = "online"


class RegistrationStatus(enum.StrEnum):
    PENDING = "pending"
    CONFIRMED = "confirmed"
    WAITING = "waiting"
    CANCELLED = "cancelled"
    REJECTED = "rejected"


class UserRole(enum.StrEnum):
    ORGANISER = "organiser"
    ADMIN = "admin"


class DocumentKind(enum.StrEnum):
    REPORT = "report"
    MINUTES = "minutes"
    SLIDES = "slides"
    PHOTO = "photo"
    PRESS_RELEASE = "press_release"
    RECORDING = "recording"


class Visibility(enum.StrEnum):
    PUBLIC = "public"
    PARTICIPANTS = "participants"
    ORGANISERS = "organisers"


class VideoPlatform(enum.StrEnum):
    ZOOM = "zoom"
    TEAMS = "teams"
    WEBEX = "webex"
    JITSI = "jitsi"
    BIGBLUEBUTTON = "bigbluebutton"
    TENCENT = "tencent_meeting"
    DINGTALK = "dingtalk"
    FEISHU = "feishu"
    OTHER = "other"


class Topic(enum.StrEnum):
    RESEARCH = "research"
    AUTOMATION = "automation"
    BIOTECH = "biotechnology"
    LOGISTICS = "smart_logistics"
    BATTERIES = "battery_production"
    HYDROGEN = "hydrogen"
    CLIMATE = "climate_protection"
    CIRCULAR = "circular_economy"
    INVESTMENT = "investment"
    JOINT_VENTURES = "joint_ventures"
