"""Calendar routes: headers, conditional requests, HEAD, gzip, filters, links."""
from __future__ import annotations

import gzip
from datetime import datetime, timedelta

from flask import Flask, render_template_string
from flask.testing import FlaskClient
from sqlalchemy.orm import Session

from eventapp.calendar.links import calendar_feed_links, calendar_links
from eventapp.calendar.services import event_uid, session_uid
from eventapp.events.services import move_session
from eventapp.models import Event, EventFormat, EventStatus
from tests.calendar.conftest import make_feed_event
from tests.calendar.parsers import read_icalendar, read_vobject
from tests.factories import make_city, make_event, make_session


def test_event_feed_headers_and_body(client: FlaskClient, winter_event: Event) -> None:
    response = client.get(f"/events/{winter_event.slug}.ics?lang=en")

    assert response.status_code == 200
    assert response.headers["Content-Type"] == "text/calendar; charset=utf-8"
    assert response.headers["Content-Disposition"] == f'attachment; filename="{winter_event.slug}.ics"'
    assert response.headers["ETag"].startswith('"')
    assert response.headers["Last-Modified"].endswith(" GMT")
    assert "Content-Encoding" not in response.headers
    assert "Accept-Encoding" in response.headers["Vary"]
    assert sorted(read_icalendar(response.data)) == sorted(
        [event_uid(winter_event), *(session_uid(item) for item in winter_event.sessions)]
    )


def test_event_feed_304_on_etag_without_building(
    client: FlaskClient, winter_event: Event, count_queries
) -> None:
    url = f"/events/{winter_event.slug}.ics?lang=de"
    first = client.get(url)
    count_queries.statements.clear()

    again = client.get(url, headers={"If-None-Match": first.headers["ETag"]})

    assert again.status_code == 304
    assert again.data == b""
    assert again.headers["ETag"] == first.headers["ETag"]
    assert count_queries.count == 1  # the slug lookup, which also reads the version


def test_event_feed_304_on_if_modified_since(client: FlaskClient, winter_event: Event) -> None:
    url = f"/events/{winter_event.slug}.ics"
    first = client.get(url)

    again = client.get(url, headers={"If-Modified-Since": first.headers["Last-Modified"]})

    assert again.status_code == 304
    assert again.headers["ETag"] == first.headers["ETag"]


def test_event_feed_200_after_change_despite_old_etag(
    client: FlaskClient, session: Session, winter_event: Event
) -> None:
    url = f"/events/{winter_event.slug}.ics"
    talk = winter_event.sessions[0]
    first = client.get(url)
    move_session(session, talk, datetime(2027, 1, 14, 13), datetime(2027, 1, 14, 14))
    session.commit()

    again = client.get(url, headers={"If-None-Match": first.headers["ETag"]})

    assert again.status_code == 200
    assert again.headers["ETag"] != first.headers["ETag"]
    assert read_icalendar(again.data)[session_uid(talk)].sequence == 1


def test_event_feed_head_has_headers_without_body(client: FlaskClient, winter_event: Event) -> None:
    url = f"/events/{winter_event.slug}.ics?lang=de"
    full = client.get(url)

    head = client.head(url)

    assert head.status_code == 200
    assert head.data == b""
    assert head.headers["Content-Length"] == str(len(full.data))
    assert head.headers["ETag"] == full.headers["ETag"]
    assert head.headers["Content-Type"] == "text/calendar; charset=utf-8"


def test_event_feed_gzip_only_when_asked(client: FlaskClient, winter_event: Event) -> None:
    url = f"/events/{winter_event.slug}.ics?lang=de"
    plain = client.get(url, headers={"Accept-Encoding": "identity"})
    packed = client.get(url, headers={"Accept-Encoding": "gzip, deflate"})
    refused = client.get(url, headers={"Accept-Encoding": "gzip;q=0"})

    assert "Content-Encoding" not in plain.headers
    assert "Content-Encoding" not in refused.headers
    assert packed.headers["Content-Encoding"] == "gzip"
    assert gzip.decompress(packed.data) == plain.data
    assert packed.headers["ETag"] != plain.headers["ETag"]
    revalidated = client.get(
        url, headers={"Accept-Encoding": "gzip", "If-None-Match": packed.headers["ETag"]}
    )
    assert revalidated.status_code == 304


def test_session_feed_holds_only_that_session(client: FlaskClient, winter_event: Event) -> None:
    panel = winter_event.sessions[1]

    response = client.get(f"/events/{winter_event.slug}/sessions/{panel.id}.ics?lang=de")

    assert response.status_code == 200
    assert response.headers["Content-Disposition"] == (
        f'attachment; filename="{winter_event.slug}-session-{panel.id}.ics"'
    )
    assert list(read_icalendar(response.data)) == [session_uid(panel)]
    assert "X-WR-CALNAME:Podium: Elektrolyse im Industriemaßstab".encode() in response.data


def test_feeds_404_for_drafts_unknown_slugs_and_foreign_sessions(
    client: FlaskClient, session: Session, winter_event: Event
) -> None:
    draft = make_event(session, slug="draft-event", status=EventStatus.DRAFT)
    draft_item = make_session(session, draft)
    other = make_event(session, slug="other-event")
    session.commit()

    assert client.get("/events/draft-event.ics").status_code == 404
    assert client.get("/events/never-existed.ics").status_code == 404
    assert client.get("/events/%00%27.ics").status_code == 404
    assert client.get("/events/%00/sessions/1.ics").status_code == 404
    assert client.get(f"/events/draft-event/sessions/{draft_item.id}.ics").status_code == 404
    assert client.get(f"/events/{other.slug}/sessions/{winter_event.sessions[0].id}.ics").status_code == 404


def test_feed_urls_come_from_public_url_not_host(client: FlaskClient, winter_event: Event) -> None:
    response = client.get(f"/events/{winter_event.slug}.ics", headers={"Host": "attacker.example"})

    assert b"attacker.example" not in response.data
    assert f"https://events.example.org/events/{winter_event.slug}/".encode() in response.data


def test_subscription_feed_lists_events_without_sessions(
    client: FlaskClient, winter_event: Event, summer_event: Event
) -> None:
    response = client.get("/calendar.ics?lang=en")

    assert response.status_code == 200
    assert response.headers["Content-Disposition"] == 'attachment; filename="isa-events.ics"'
    assert sorted(read_icalendar(response.data)) == sorted(
        [event_uid(winter_event), event_uid(summer_event)]
    )
    assert b"X-WR-CALNAME:ISA events\r\n" in response.data


def test_subscription_feed_filters_topic_city_format(
    client: FlaskClient, session: Session, winter_event: Event
) -> None:
    city = make_city(session, slug="foshan")
    online = make_event(
        session, slug="online-talk", format=EventFormat.VIRTUAL, host_city=city, topics=["biotechnology"]
    )
    session.commit()

    by_topic = read_icalendar(client.get("/calendar.ics?topic=biotechnology&lang=en").data)
    by_city = read_icalendar(client.get("/calendar.ics?city=foshan").data)
    by_format = read_icalendar(client.get("/calendar.ics?format=hybrid").data)
    named = client.get("/calendar.ics?topic=hydrogen&format=hybrid&lang=en").data

    assert list(by_topic) == [event_uid(online)]
    assert list(by_city) == [event_uid(online)]
    assert list(by_format) == [event_uid(winter_event)]
    assert b"X-WR-CALNAME:ISA events: Hydrogen technology\\, Hybrid\r\n" in named


def test_subscription_feed_unknown_filters_give_valid_empty_calendar(
    client: FlaskClient, winter_event: Event
) -> None:
    for query in ("format=nonsense", "topic=%00%27", "city=" + "x" * 500):
        response = client.get(f"/calendar.ics?{query}")
        assert response.status_code == 200
        assert read_icalendar(response.data) == {}
        assert read_vobject(response.data) == {}


def test_subscription_feed_leaves_out_events_ended_over_a_year_ago(
    client: FlaskClient, session: Session, winter_event: Event
) -> None:
    old = make_event(
        session, slug="old-meeting",
        starts_local=datetime.now() - timedelta(days=800),
        ends_local=datetime.now() - timedelta(days=800) + timedelta(hours=3),
    )
    session.commit()

    items = read_icalendar(client.get("/calendar.ics").data)

    assert event_uid(old) not in items
    assert event_uid(winter_event) in items


def test_subscription_feed_304_path(client: FlaskClient, winter_event: Event, count_queries) -> None:
    first = client.get("/calendar.ics?lang=de")
    count_queries.statements.clear()

    again = client.get("/calendar.ics?lang=de", headers={"If-None-Match": first.headers["ETag"]})

    assert again.status_code == 304
    assert count_queries.count == 1


def test_feed_body_cached_per_version(client: FlaskClient, winter_event: Event, count_queries) -> None:
    url = f"/events/{winter_event.slug}.ics?lang=zh"
    first = client.get(url)
    count_queries.statements.clear()

    second = client.get(url)

    assert second.data == first.data
    assert count_queries.count == 1  # no build: the lookup with the version only


def test_calendar_links_for_event_and_session(app: Flask, session: Session, winter_event: Event) -> None:
    talk = winter_event.sessions[0]
    with app.test_request_context("/?lang=en"):
        event_links = calendar_links(winter_event)
        session_links = calendar_links(winter_event, talk)
        feed_links = calendar_feed_links(topic="hydrogen")

    slug = winter_event.slug
    assert event_links["ics"] == f"https://events.example.org/events/{slug}.ics"
    assert event_links["webcal"] == f"webcal://events.example.org/events/{slug}.ics"
    assert session_links["ics"] == f"https://events.example.org/events/{slug}/sessions/{talk.id}.ics"
    assert session_links["google"] == (
        "https://calendar.google.com/calendar/render?action=TEMPLATE"
        "&text=Welcome+and+overview&dates=20270114T080000Z%2F20270114T090000Z"
        f"&details=https%3A%2F%2Fevents.example.org%2Fevents%2F{slug}%2F%23session-{talk.id}"
        "&location=Ratssaal%2C+Rathaus+K%C3%B6ln%2C+Rathausplatz+2%2C+50667+K%C3%B6ln"
        "&ctz=Europe%2FBerlin"
    )
    assert session_links["outlook"] == (
        "https://outlook.live.com/calendar/0/deeplink/compose?path=%2Fcalendar%2Faction%2Fcompose"
        "&rru=addevent&subject=Welcome+and+overview"
        "&startdt=2027-01-14T08%3A00%3A00Z&enddt=2027-01-14T09%3A00%3A00Z"
        f"&body=https%3A%2F%2Fevents.example.org%2Fevents%2F{slug}%2F%23session-{talk.id}"
        "&location=Ratssaal%2C+Rathaus+K%C3%B6ln%2C+Rathausplatz+2%2C+50667+K%C3%B6ln"
    )
    assert feed_links == {
        "ics": "https://events.example.org/calendar.ics?topic=hydrogen&lang=en",
        "webcal": "webcal://events.example.org/calendar.ics?topic=hydrogen&lang=en",
    }


def test_calendar_links_available_in_templates(app: Flask, winter_event: Event) -> None:
    with app.test_request_context("/?lang=de"):
        rendered = render_template_string(
            "{{ calendar_links(event)['webcal'] }}|{{ calendar_feed_links()['ics'] }}", event=winter_event
        )

    assert rendered == (
        f"webcal://events.example.org/events/{winter_event.slug}.ics|"
        "https://events.example.org/calendar.ics?lang=de"
    )


def test_personal_style_scope_summer_event_route_language(
    client: FlaskClient, session: Session
) -> None:
    event = make_feed_event(session, month=7, slug="sommer")

    response = client.get("/events/sommer.ics", headers={"Accept-Language": "zh-CN,zh;q=0.9"})

    assert b"X-WR-CALNAME:\xe7\xa7\x91\xe9\x9a\x86" in response.data  # 科隆… in Chinese
    assert read_icalendar(response.data)[event_uid(event)].summary == "科隆氢能专业会议"


def test_feed_etags_ignore_seat_counters_but_follow_content(session, client):
    from tests.factories import make_session
    from tests.registrations.support import open_event, sign_up

    event = open_event(session, registration_opens_local=datetime(2026, 1, 1, 9, 0))
    make_session(session, event, room="Saal 1")
    session.commit()
    paths = [f"/events/{event.slug}.ics", "/calendar.ics"]

    def etags():
        return [client.get(path).headers["ETag"] for path in paths]

    before, version = etags(), event.version
    sign_up(session, event, "seat@example.org")  # takes a seat: Event.version moves
    session.commit()
    session.refresh(event)
    after_seat = etags()
    assert (event.taken_onsite, event.version > version) == (1, True)
    event.title_i18n = {**event.title_i18n, "de": "Neuer Titel"}
    session.commit()
    after_edit = etags()

    assert after_seat == before
    assert [new != old for new, old in zip(after_edit, before, strict=True)] == [True, True]
