"""Events in winter and summer with the content a feed must carry through every parser."""
from __future__ import annotations

from datetime import datetime
from pathlib import Path

import pytest
from sqlalchemy.orm import Session

from eventapp.events.services import get_or_create_speaker
from eventapp.models import Event, EventFormat, Visibility
from tests.factories import make_event, make_session

PUBLIC_LINK = "https://meet.jit.si/isa-public-room"
PARTICIPANTS_LINK = "https://zoom.us/j/5550001111?pwd=participants"
ORGANISERS_LINK = "https://teams.microsoft.com/l/meetup-join/organisers-only"


def make_feed_event(session: Session, month: int = 1, **overrides: object) -> Event:
    """A hybrid Berlin event on one day of `month` 2027 with three sessions:
    a talk with speakers and a publicly linked stream, a participants-only online panel,
    and a session whose link is for organisers only."""
    day = 14
    values: dict = {
        "title": {"de": "Wasserstoff-Fachtagung Köln", "en": "Hydrogen expert meeting Cologne",
                  "zh": "科隆氢能专业会议"},
        "summary": {"de": "Größere Vorhaben für Brennstoffzellen und Elektrolyse.",
                    "zh": "燃料电池与电解的重大项目。"},
        "format": EventFormat.HYBRID,
        "starts_local": datetime(2027, month, day, 8, 0),
        "ends_local": datetime(2027, month, day, 18, 0),
        "venue_name": "Rathaus Köln",
        "venue_address": "Rathausplatz 2, 50667 Köln",
        "topics": ["hydrogen", "investment"],
    }
    values.update(overrides)
    event = make_event(session, **values)
    speaker = get_or_create_speaker(session, "Jürgen Weiß", "Wirtschaftsförderung Köln")
    guest = get_or_create_speaker(session, "王晓明", "佛山市投资促进局", main_language="zh")
    make_session(
        session, event,
        title={"de": "Begrüßung und Überblick", "en": "Welcome and overview", "zh": "欢迎致辞与概述"},
        description={"de": "Einführung in die Zusammenarbeit zwischen Köln und Foshan."},
        starts_local=datetime(2027, month, day, 9, 0),
        ends_local=datetime(2027, month, day, 10, 0),
        room="Ratssaal",
        speakers=[speaker, guest],
        has_interpretation=True,
        join_url=PUBLIC_LINK,
        join_visibility=Visibility.PUBLIC,
    )
    make_session(
        session, event,
        title={"de": "Podium: Elektrolyse im Industriemaßstab", "zh": "圆桌：工业规模电解"},
        starts_local=datetime(2027, month, day, 11, 0),
        ends_local=datetime(2027, month, day, 12, 30),
        join_url=PARTICIPANTS_LINK,
        join_visibility=Visibility.PARTICIPANTS,
    )
    make_session(
        session, event,
        title={"de": "Vorbesprechung der Gastgeber", "en": "Hosts' briefing"},
        starts_local=datetime(2027, month, day, 16, 0),
        ends_local=datetime(2027, month, day, 17, 0),
        room="Raum 3",
        join_url=ORGANISERS_LINK,
        join_visibility=Visibility.ORGANISERS,
    )
    session.commit()
    return event


@pytest.fixture
def winter_event(session: Session) -> Event:
    return make_feed_event(session, month=1)


@pytest.fixture
def summer_event(session: Session) -> Event:
    return make_feed_event(session, month=7, slug="summer-meeting")


@pytest.fixture
def ics_file(tmp_path: Path):
    """Writes a body to a file for the subprocess parsers."""

    def write(body: bytes, name: str = "feed.ics") -> Path:
        path = tmp_path / name
        path.write_bytes(body)
        return path

    return write
