from datetime import datetime

import pytest

from eventapp.events.services import (
    SessionData,
    cancel_session,
    list_latest_archived,
    list_upcoming_events,
    move_session,
    update_session,
)
from eventapp.models import EventStatus, SessionKind, SessionStatus, VideoPlatform, Visibility
from eventapp.rules.errors import RuleError
from tests.factories import make_event, make_session


def test_create_event_refuses_taken_slug(session):
    make_event(session, slug="isa-forum")
    with pytest.raises(RuleError) as caught:
        make_event(session, slug="isa-forum")
    assert caught.value.field == "slug"


def test_create_event_refuses_spring_forward_start(session):
    with pytest.raises(RuleError) as caught:
        make_event(session, starts_local=datetime(2027, 3, 28, 2, 15), ends_local=datetime(2027, 3, 28, 9, 0))
    assert caught.value.field == "starts_at"


def test_create_event_refuses_end_before_start(session):
    with pytest.raises(RuleError) as caught:
        make_event(session, starts_local=datetime(2027, 1, 14, 9, 0), ends_local=datetime(2027, 1, 14, 8, 0))
    assert caught.value.field == "ends_at"


def test_add_session_refuses_time_outside_event(session):
    event = make_event(session)
    with pytest.raises(RuleError) as caught:
        make_session(session, event, starts_local=datetime(2027, 1, 14, 16, 30),
                     ends_local=datetime(2027, 1, 14, 18, 0))
    assert caught.value.field == "starts_at"


def test_add_session_refuses_plain_http_join_link(session):
    event = make_event(session)
    with pytest.raises(RuleError) as caught:
        make_session(session, event, join_url="http://zoom.us/j/123")
    assert caught.value.field == "join_url"


def test_add_session_recognises_video_platform(session):
    event = make_event(session)
    item = make_session(session, event, join_url="https://meeting.tencent.com/dm/abc",
                        join_visibility=Visibility.PUBLIC)
    assert (item.join_platform, item.is_virtual) == (VideoPlatform.TENCENT, True)


def test_move_session_keeps_id_and_raises_sequence(session):
    event = make_event(session)
    item = make_session(session, event)
    session.commit()
    item_id = item.id
    move_session(session, item, datetime(2027, 1, 14, 11, 0), datetime(2027, 1, 14, 12, 0))
    session.commit()
    assert (item.id, item.sequence, item.starts_at.hour) == (item_id, 1, 10)


def test_cancel_session_keeps_it(session):
    event = make_event(session)
    item = make_session(session, event)
    cancel_session(session, item)
    session.commit()
    assert (item.status, len(event.sessions)) == (SessionStatus.CANCELLED, 1)


def test_update_session_refuses_end_before_start_and_changes_nothing(session):
    event = make_event(session)
    item = make_session(session, event)
    session.commit()
    data = SessionData(title={"de": "X"}, kind=SessionKind.TALK,
                       starts_local=datetime(2027, 1, 14, 12, 0), ends_local=datetime(2027, 1, 14, 11, 0))
    with pytest.raises(RuleError):
        update_session(session, item, data)
    session.rollback()
    assert item.title_i18n == {"de": "Vortrag", "en": "Talk"}


def test_list_upcoming_excludes_drafts_and_past(session):
    upcoming = make_event(session, slug="future-event")
    make_event(session, slug="draft-event", status=EventStatus.DRAFT)
    make_event(session, slug="past-event", starts_local=datetime(2019, 10, 1, 9, 0),
               ends_local=datetime(2019, 10, 1, 17, 0))
    session.commit()
    assert [e.slug for e in list_upcoming_events(session)] == [upcoming.slug]
    assert [e.slug for e in list_latest_archived(session)] == ["past-event"]
