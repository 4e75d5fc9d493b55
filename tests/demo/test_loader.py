"""The demo loader: content, idempotency and the scaled-down --large generator."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

from flask.testing import FlaskCliRunner
from sqlalchemy import func, select, text
from sqlalchemy.orm import Session

from eventapp.archive.search import clear_search_tables
from eventapp.demo import content
from eventapp.demo.large import CONGRESS_SLUG, load_large
from eventapp.demo.loader import (
    DemoContext,
    berlin_today,
    build_isa_forum,
    ensure_cities,
    ensure_organisations,
    forum_day,
    load_demo,
)
from eventapp.extensions import db
from eventapp.models import (
    AttendanceMode,
    City,
    Country,
    DocumentKind,
    Event,
    EventFormat,
    EventKind,
    EventParticipant,
    EventSession,
    EventStatus,
    Registration,
    RegistrationStatus,
    Visibility,
)
from eventapp.models.events import session_speakers as session_speakers_table
from eventapp.rules.times import BERLIN, utc_to_local

ARCHIVE_SLUGS = ("delegation-foshan-guiyang-2019", "fachtagung-2021")


def row_counts(session: Session) -> dict[str, int]:
    return {
        table.name: session.scalar(select(func.count()).select_from(table))
        for table in db.metadata.sorted_tables
    }


def event_versions(session: Session) -> dict[str, tuple[int, int]]:
    return {
        slug: (version, sequence)
        for slug, version, sequence in session.execute(
            select(Event.slug, Event.version, Event.sequence)
        )
    }


def get_event(session: Session, slug: str) -> Event:
    return session.scalars(select(Event).where(Event.slug == slug)).one()


def test_load_demo_cities_are_the_members_of_the_domain_notes(session: Session) -> None:
    load_demo(session)

    per_country = dict(
        session.execute(select(City.country, func.count()).group_by(City.country)).all()
    )
    assert per_country == {Country.DE: 21, Country.CN: 2}
    assert sum(per_country.values()) == len(content.CITIES) == 23
    koeln = session.scalars(select(City).where(City.slug == "koeln")).one()
    assert koeln.name_i18n == {"de": "Köln", "en": "Cologne", "zh": "科隆"}
    assert koeln.region_i18n == {
        "de": "Nordrhein-Westfalen",
        "en": "North Rhine-Westphalia",
        "zh": "北莱茵-威斯特法伦州",
    }
    german_states = {
        city.region_i18n["de"]
        for city in session.scalars(select(City).where(City.country == Country.DE))
    }
    assert len(german_states) == 8


def test_load_demo_second_run_changes_nothing(session: Session) -> None:
    load_demo(session)
    session.commit()
    counts, versions = row_counts(session), event_versions(session)

    summary = load_demo(session)
    session.commit()

    assert row_counts(session) == counts
    assert event_versions(session) == versions
    assert summary[:2] == [
        "cities: 0 created, 23 already there",
        "organisations: 0 created, 21 already there",
    ]
    assert counts["events"] == 3
    assert counts["cities"] == 23


def test_load_demo_via_cli_twice_reports_existing_events(runner: FlaskCliRunner) -> None:
    first = runner.invoke(args=["demo", "load"])
    second = runner.invoke(args=["demo", "load"])

    assert first.exit_code == 0, first.output
    assert second.exit_code == 0, second.output
    assert "isa-forum: created" in first.output
    assert "isa-forum: exists, left unchanged" in second.output


def test_isa_forum_is_upcoming_hybrid_with_open_registration(session: Session) -> None:
    load_demo(session)
    forum = get_event(session, "isa-forum")
    now = datetime.now(UTC)
    local_start = utc_to_local(forum.starts_at, BERLIN)

    assert 30 <= (local_start.date() - berlin_today()).days <= 36
    assert (local_start.hour, local_start.minute) == (8, 30)
    assert utc_to_local(forum.ends_at, BERLIN).hour == 13
    assert forum.format == EventFormat.HYBRID
    assert forum.status == EventStatus.PUBLISHED
    assert forum.timezone == BERLIN
    assert forum.registration_opens_at <= now < forum.registration_closes_at
    assert forum.registration_closes_at < forum.starts_at
    assert (forum.capacity_onsite, forum.capacity_online, forum.has_waiting_list) == (40, 300, True)
    assert forum.venue_address == "Musterstraße 10, 10117 Berlin"
    assert set(forum.title_i18n) == {"de", "en", "zh"}


def test_isa_forum_agenda_has_public_and_participant_links(session: Session) -> None:
    load_demo(session)
    forum = get_event(session, "isa-forum")
    sessions = forum.sessions

    public = [
        item for item in sessions if item.join_visibility == Visibility.PUBLIC and item.join_url
    ]
    members = [
        item
        for item in sessions
        if item.join_visibility == Visibility.PARTICIPANTS and item.join_url
    ]
    assert len(sessions) == 8
    assert [item.join_url for item in public] == ["https://meet.jit.si/isa-forum-demo"]
    assert {item.join_url for item in members} == {content.FORUM_PARTICIPANTS_LINK}
    assert [item.capacity for item in sessions if item.capacity is not None] == [12]
    assert {item.spoken_language for item in sessions} == {"de", "zh", "en"}
    assert {str(item.kind) for item in sessions} == {
        "talk",
        "panel",
        "break",
        "networking",
        "b2b_meetings",
    }
    speakers = {speaker.name: speaker for item in sessions for speaker in item.speakers}
    assert len(speakers) == 5
    assert all(len(speaker.bio_i18n) >= 2 for speaker in speakers.values())


def test_isa_forum_after_the_spring_change_uses_summer_time(session: Session) -> None:
    context = DemoContext(today=date(2027, 2, 26), cities={}, organisations={})
    ensure_cities(session, context)
    ensure_organisations(session, context)

    forum = build_isa_forum(session, context)

    # 2027-03-28 (the change day) is a Sunday: the forum moves to Monday, in CEST.
    assert forum.starts_at == datetime(2027, 3, 29, 6, 30, tzinfo=UTC)
    assert min(item.starts_at for item in forum.sessions) == forum.starts_at


def test_forum_day_skips_weekends_and_holidays() -> None:
    assert forum_day(date(2026, 11, 25)) == date(2026, 12, 28)
    assert forum_day(date(2027, 1, 4)) == date(2027, 2, 3)


def test_archive_events_have_texts_in_three_languages(session: Session) -> None:
    load_demo(session)
    now = datetime.now(UTC)

    for slug in ARCHIVE_SLUGS:
        event = get_event(session, slug)
        assert event.status == EventStatus.PUBLISHED
        assert event.ends_at < now
        for field in (event.title_i18n, event.summary_i18n, event.report_i18n):
            assert sorted(field) == ["de", "en", "zh"]
            assert all(text.strip() for text in field.values())


def test_fachtagung_2021_holds_the_reported_facts(session: Session) -> None:
    load_demo(session)
    meeting = get_event(session, "fachtagung-2021")
    listed = session.scalars(
        select(EventParticipant.is_listed).where(EventParticipant.event_id == meeting.id)
    ).all()

    assert utc_to_local(meeting.starts_at, BERLIN).date() == date(2021, 11, 30)
    assert (meeting.kind, meeting.format, meeting.main_language) == (
        EventKind.EXPERT_MEETING,
        EventFormat.VIRTUAL,
        "de",
    )
    assert (len(listed), listed.count(False)) == (15, 4)
    assert "4,9 %" in meeting.report_i18n["de"]
    assert "4.9 %" in meeting.report_i18n["en"]
    assert "4.9%" in meeting.report_i18n["zh"]
    assert meeting.sessions[0].speakers[0].name == "Friedhelm Ost"
    assert len(meeting.topics) == 10


def test_delegation_2019_visits_both_cities_with_documents(session: Session) -> None:
    load_demo(session)
    visit = get_event(session, "delegation-foshan-guiyang-2019")

    assert (visit.kind, visit.format, visit.timezone) == (
        EventKind.DELEGATION_VISIT,
        EventFormat.IN_PERSON,
        "Asia/Shanghai",
    )
    assert visit.host_city.slug == "foshan"
    assert {item.room for item in visit.sessions} == {"Foshan", "Guiyang"}
    assert [document.kind for document in visit.documents] == [
        DocumentKind.REPORT,
        DocumentKind.PRESS_RELEASE,
        DocumentKind.PHOTO,
    ]
    assert all(document.url.startswith("https://") for document in visit.documents)


def test_load_large_scaled_down_is_consistent_and_idempotent(session: Session) -> None:
    load_demo(session)
    load_large(session, berlin_today(), archive_count=200)
    session.commit()
    counts, versions = row_counts(session), event_versions(session)

    summary = load_large(session, berlin_today(), archive_count=200)
    session.commit()

    assert row_counts(session) == counts
    assert event_versions(session) == versions
    assert summary[:2] == [
        f"{CONGRESS_SLUG}: exists, left unchanged",
        "archive samples: 0 created, 200 already there",
    ]
    congress = get_event(session, CONGRESS_SLUG)
    days = {utc_to_local(item.starts_at, BERLIN).date() for item in congress.sessions}
    assert (len(congress.sessions), len(days)) == (300, 3)
    assert len({item.room for item in congress.sessions}) == 6
    speaker_count = session.scalar(
        select(func.count(func.distinct(session_speakers_table.c.speaker_id)))
        .join(EventSession, EventSession.id == session_speakers_table.c.session_id)
        .where(EventSession.event_id == congress.id)
    )
    assert speaker_count == 100
    confirmed = dict(
        session.execute(
            select(Registration.attendance_mode, func.count())
            .where(
                Registration.event_id == congress.id,
                Registration.status == RegistrationStatus.CONFIRMED,
            )
            .group_by(Registration.attendance_mode)
        ).all()
    )
    assert counts["registrations"] == 2000
    assert (congress.taken_onsite, congress.taken_online) == (
        confirmed[AttendanceMode.ONSITE],
        confirmed[AttendanceMode.ONLINE],
    )
    assert len(set(session.scalars(select(Registration.token_hash)))) == 2000


def test_archive_samples_are_past_multilingual_and_searchable(session: Session) -> None:
    load_demo(session)
    load_large(session, berlin_today(), archive_count=200)
    samples = session.scalars(select(Event).where(Event.slug.like("archive-sample-%"))).all()
    now = datetime.now(UTC)

    assert len(samples) == 200
    assert all(event.ends_at > event.starts_at for event in samples)
    assert all(event.ends_at < now - timedelta(days=300) for event in samples)
    assert all(event.title_i18n.get(event.main_language) for event in samples)
    assert {event.main_language for event in samples} == {"de", "en", "zh"}
    assert all(event.topics for event in samples)
    assert any("Foshan" in event.title_i18n.get("de", "") for event in samples)
    assert any("佛山" in event.title_i18n.get("zh", "") for event in samples)
    assert any("贵阳" in event.summary_i18n.get("zh", "") for event in samples)
    assert any("Wirtschaftsförderung" in event.title_i18n.get("de", "") for event in samples)


def test_load_large_bulk_inserted_events_reach_the_search_index(session: Session) -> None:
    # The search table lies outside the models' metadata, so the per-test cleanup skips it.
    clear_search_tables(session.connection())
    load_demo(session)
    load_large(session, berlin_today(), archive_count=50, registration_count=10)
    session.flush()

    indexed = session.scalar(text("SELECT count(*) FROM search_events"))

    assert indexed == session.scalar(select(func.count()).select_from(Event)) == 54
