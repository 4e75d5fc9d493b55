from datetime import UTC, datetime

import pytest
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError, StatementError

from eventapp.models import Event, EventSession, SessionStatus, pick_translation
from tests.factories import make_event, make_session


def test_pick_translation_prefers_requested_language():
    assert pick_translation({"de": "Forum", "zh": "论坛"}, "zh", "de") == "论坛"


def test_pick_translation_falls_back_to_main_language():
    assert pick_translation({"de": "Forum", "zh": "论坛"}, "en", "de") == "Forum"


def test_pick_translation_falls_back_to_any_language_when_main_missing():
    assert pick_translation({"zh": "论坛"}, "en", "de") == "论坛"


def test_event_text_uses_main_language_fallback(session):
    event = make_event(session, main_language="zh", title={"zh": "佛山代表团", "en": "Delegation"})
    assert event.text("title", "de") == "佛山代表团"
    assert event.text_language("title", "de") == "zh"


def test_utc_datetime_reads_back_aware_utc(session):
    event = make_event(session)
    session.commit()
    session.expire_all()
    loaded = session.scalar(select(Event).where(Event.id == event.id))
    assert loaded.starts_at == datetime(2027, 1, 14, 8, 0, tzinfo=UTC)
    assert loaded.starts_at.tzinfo is not None


def test_utc_datetime_refuses_naive_values(session):
    event = make_event(session)
    event.starts_at = datetime(2027, 1, 14, 8, 0)
    with pytest.raises(StatementError):
        session.flush()
    session.rollback()


def test_database_refuses_event_ending_before_start(session):
    event = make_event(session)
    event.ends_at = event.starts_at
    with pytest.raises(IntegrityError):
        session.flush()
    session.rollback()


def test_session_change_raises_its_sequence_and_event_version(session):
    event = make_event(session)
    item = make_session(session, event)
    session.commit()
    version, sequence = event.version, item.sequence
    item.status = SessionStatus.CANCELLED
    session.commit()
    assert (item.sequence, event.version) == (sequence + 1, version + 1)


def test_event_rename_raises_sequence_once(session):
    event = make_event(session)
    session.commit()
    event.title_i18n["de"] = "Neuer Titel"
    session.commit()
    assert (event.sequence, event.version) == (1, 2)


def test_adding_session_raises_event_version_not_sequence(session):
    event = make_event(session)
    session.commit()
    make_session(session, event)
    session.commit()
    assert (event.sequence, event.version) == (0, 2)


def test_topic_change_raises_event_version(session):
    event = make_event(session, topics=["hydrogen"])
    session.commit()
    event.topics = ["hydrogen", "automation"]
    session.commit()
    assert (sorted(event.topics), event.version, event.sequence) == (
        ["automation", "hydrogen"], 2, 1
    )


def test_deleting_session_raises_event_version(session):
    event = make_event(session)
    item = make_session(session, event)
    session.commit()
    session.delete(item)
    session.commit()
    assert (event.version, session.scalar(select(EventSession.id))) == (3, None)


def test_speaker_rename_raises_sequence_of_their_sessions(session):
    from eventapp.events.services import get_or_create_speaker

    event = make_event(session)
    speaker = get_or_create_speaker(session, "Dr. Anna Beispiel")
    item = make_session(session, event, speakers=[speaker])
    session.commit()
    sequence, version = item.sequence, event.version
    speaker.name = "Prof. Dr. Anna Beispiel"
    session.commit()
    assert (item.sequence, event.version) == (sequence + 1, version + 1)
