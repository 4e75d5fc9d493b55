from datetime import UTC, date, datetime

import pytest
from flask_babel import force_locale
from sqlalchemy import select

from eventapp.agenda import services as agenda_services
from eventapp.events.services import EventData, SessionData, get_or_create_speaker
from eventapp.manage import services
from eventapp.models import (
    AuditEntry,
    Event,
    EventFormat,
    EventKind,
    EventOrganiser,
    EventSession,
    EventStatus,
    MailStatus,
    OutboxMail,
    RegistrationStatus,
    SessionKind,
    SessionStatus,
    UserRole,
    Visibility,
)
from eventapp.outbox.services import render
from eventapp.rules.errors import RuleError
from eventapp.rules.times import utc_to_local
from tests.factories import make_event, make_session, make_user
from tests.manage.helpers import add_registration


def event_data(**overrides):
    values = {
        "slug": "forum-2027", "main_language": "de", "title": {"de": "Forum", "en": "Forum"},
        "kind": EventKind.CONFERENCE, "format": EventFormat.HYBRID, "timezone": "Europe/Berlin",
        "starts_local": datetime(2027, 3, 20, 9, 0), "ends_local": datetime(2027, 3, 20, 18, 0),
    }
    values.update(overrides)
    return EventData(**values)


def english(message):
    """A (lazy) message as the English interface shows it, whatever the catalogues hold."""
    with force_locale("en"):
        return str(message)


def actions(session):
    return [entry.action for entry in session.scalars(select(AuditEntry).order_by(AuditEntry.id))]


def local(moment, zone="Europe/Berlin"):
    return utc_to_local(moment, zone).strftime("%Y-%m-%d %H:%M")


# --- create and update ---------------------------------------------------------------------


def test_create_managed_event_assigns_organiser_and_keeps_draft(session):
    organiser = make_user(session)

    event = services.create_managed_event(
        session, event_data(status=EventStatus.PUBLISHED), [" Saal 1 ", "saal 1", "", "Foyer"], organiser
    )

    assigned = session.scalars(select(EventOrganiser.user_id).where(EventOrganiser.event_id == event.id)).all()
    assert (event.status, event.rooms, assigned, actions(session)) == (
        EventStatus.DRAFT, ["Saal 1", "Foyer"], [organiser.id], ["event.create"]
    )


def test_create_managed_event_refuses_long_room_name(session):
    with pytest.raises(RuleError) as error:
        services.create_managed_event(session, event_data(), ["x" * 121], make_user(session))

    assert (error.value.field, session.scalar(select(Event.id))) == ("rooms", None)


def test_update_managed_event_records_diff(session):
    actor = make_user(session, role=UserRole.ADMIN)
    event = services.create_managed_event(session, event_data(), [], actor)

    services.update_managed_event(
        session, event, event_data(title={"de": "Neues Forum"}), ["Saal 2"], actor
    )

    entry = session.scalars(select(AuditEntry).where(AuditEntry.action == "event.update")).one()
    assert entry.changes == {
        "rooms": [[], ["Saal 2"]],
        "title_i18n": [{"de": "Forum", "en": "Forum"}, {"de": "Neues Forum"}],
    }


def test_update_managed_event_keeps_status_and_report(session):
    actor = make_user(session)
    event = make_event(session, report={"de": "Bericht"})

    services.update_managed_event(session, event, event_data(slug=event.slug), [], actor)

    assert (event.status, event.report_i18n) == (EventStatus.PUBLISHED, {"de": "Bericht"})


# --- status changes ------------------------------------------------------------------------


def test_publish_event_refuses_published_event(session):
    event = make_event(session)

    with pytest.raises(RuleError) as error:
        services.publish_event(session, event, None)

    assert english(error.value) == "Only a draft can be published."


def test_unpublish_event_refuses_event_with_registrations(session):
    event = make_event(session)
    add_registration(session, event, RegistrationStatus.CANCELLED)

    with pytest.raises(RuleError) as error:
        services.unpublish_event(session, event, None)

    assert (event.status, english(error.value)) == (
        EventStatus.PUBLISHED,
        "This event already has registrations, so it cannot become a draft again. "
        "Cancel it instead if it will not take place.",
    )


def test_unpublish_event_refuses_event_with_pending_agenda_changes(session):
    event = make_event(session)
    agenda_services.save_session(session, event, SessionData(
        title={"de": "Neu"}, kind=SessionKind.TALK,
        starts_local=datetime(2027, 1, 14, 11, 0), ends_local=datetime(2027, 1, 14, 12, 0),
    ), None)

    with pytest.raises(RuleError) as error:
        services.unpublish_event(session, event, None)

    assert english(error.value) == (
        "The agenda has changes waiting for release. Release or discard them before withdrawing the event."
    )


def test_unpublish_event_makes_draft_and_records_it(session):
    event = make_event(session)

    services.unpublish_event(session, event, None)

    assert (event.status, actions(session)) == (EventStatus.DRAFT, ["event.unpublish"])


def test_cancel_event_queues_one_mail_per_active_registration(session):
    event = make_event(session)
    other = make_event(session)
    active = [
        add_registration(session, event, RegistrationStatus.CONFIRMED, "zh"),
        add_registration(session, event, RegistrationStatus.WAITING, "en"),
        add_registration(session, event, RegistrationStatus.PENDING, "de"),
    ]
    add_registration(session, event, RegistrationStatus.CANCELLED)
    add_registration(session, event, RegistrationStatus.REJECTED)
    add_registration(session, other, RegistrationStatus.CONFIRMED)

    queued = services.cancel_event(session, event, None)

    rows = session.scalars(select(OutboxMail).order_by(OutboxMail.id)).all()
    assert (event.status, [(mail.registration_id, mail.language, mail.kind, mail.status) for mail in rows]) == (
        EventStatus.CANCELLED,
        [(registration.id, registration.preferred_language, "event_cancelled", MailStatus.PENDING)
         for registration in active],
    )
    assert queued == rows


def test_cancellation_mail_is_written_in_participant_language(session):
    event = make_event(session, title={"de": "Forum", "zh": "论坛"})
    make_session(session, event)
    add_registration(session, event, RegistrationStatus.CONFIRMED, "zh")
    mail = services.cancel_event(session, event, None)[0]

    content = render(session, mail)

    assert content.subject == "已取消：论坛"
    assert content.body_text.splitlines()[0] == "Anna Schmidt，您好："
    assert content.attachment.data.count("STATUS:CANCELLED") == 2  # the event and its session


def test_cancel_event_refuses_draft(session):
    event = make_event(session, status=EventStatus.DRAFT)

    with pytest.raises(RuleError) as error:
        services.cancel_event(session, event, None)

    assert (event.status, english(error.value)) == (EventStatus.DRAFT, "A draft is not cancelled but deleted.")


def test_delete_event_deletes_draft_with_agenda(session):
    event = make_event(session, status=EventStatus.DRAFT)
    make_session(session, event)
    event_id = event.id

    services.delete_event(session, event, None)

    assert (session.get(Event, event_id), session.scalar(select(EventSession.id)), actions(session)) == (
        None, None, ["event.delete"]
    )


def test_delete_event_refuses_published_event(session):
    event = make_event(session)

    with pytest.raises(RuleError) as error:
        services.delete_event(session, event, None)

    assert (session.get(Event, event.id), english(error.value)) == (
        event, "Only a draft can be deleted. Cancel a published event instead."
    )


# --- clone ----------------------------------------------------------------------------------


def test_clone_event_keeps_local_times_across_daylight_saving_change(session):
    speaker = get_or_create_speaker(session, "Li Wei")
    event = make_event(
        session, slug="forum-maerz", title={"de": "Forum", "en": "Forum in March"}, starts_local=datetime(2027, 3, 20, 9, 0),
        ends_local=datetime(2027, 3, 20, 18, 0),
        registration_opens_local=datetime(2027, 2, 1, 8, 0),
        registration_closes_local=datetime(2027, 3, 19, 12, 0), capacity_onsite=80,
        topics=["hydrogen"], languages=["de", "zh"],
    )
    event.rooms = ["Saal 1"]
    make_session(session, event, title={"de": "Auftakt"}, starts_local=datetime(2027, 3, 20, 9, 0),
                 ends_local=datetime(2027, 3, 20, 10, 0), room="Saal 1", speakers=[speaker],
                 topics=["hydrogen"], spoken_language="zh", capacity=40,
                 join_url="https://meeting.tencent.com/dm/abc", join_visibility=Visibility.PUBLIC)
    cancelled = make_session(session, event, title={"de": "Abgesagt"},
                             starts_local=datetime(2027, 3, 20, 11, 0), ends_local=datetime(2027, 3, 20, 12, 0))
    cancelled.status = SessionStatus.CANCELLED
    add_registration(session, event, RegistrationStatus.CONFIRMED)
    event.report_i18n = {"de": "Bericht"}
    actor = make_user(session)

    copy = services.clone_event(session, event, "forum-april", date(2027, 4, 3), actor, "Forum im April")

    item = copy.sessions[0]
    assert (event.starts_at.hour, copy.starts_at.hour) == (8, 7)
    assert (local(copy.starts_at), local(copy.ends_at)) == ("2027-04-03 09:00", "2027-04-03 18:00")
    assert (local(copy.registration_opens_at), local(copy.registration_closes_at)) == (
        "2027-02-15 08:00", "2027-04-02 12:00"
    )
    assert (copy.status, copy.title_i18n, copy.rooms, list(copy.topics), copy.languages, copy.capacity_onsite) == (
        EventStatus.DRAFT, {"de": "Forum im April", "en": "Forum in March"},
        ["Saal 1"], ["hydrogen"], ["de", "zh"], 80,
    )
    assert [(local(s.starts_at), local(s.ends_at)) for s in copy.sessions] == [("2027-04-03 09:00", "2027-04-03 10:00")]
    assert (item.room, [s.name for s in item.speakers], item.topics, item.spoken_language, item.capacity,
            item.join_url, item.join_visibility) == (
        "Saal 1", ["Li Wei"], ["hydrogen"], "zh", 40, "https://meeting.tencent.com/dm/abc", Visibility.PUBLIC
    )
    assert (copy.report_i18n, copy.archived_at, copy.documents, services.count_registrations(session, copy)) == (
        {}, None, [], 0
    )
    assert actions(session)[-1] == "event.clone"


def test_clone_event_refuses_time_in_spring_forward_gap(session):
    event = make_event(session, starts_local=datetime(2027, 3, 20, 2, 30), ends_local=datetime(2027, 3, 20, 18, 0))

    with pytest.raises(RuleError) as error:
        services.clone_event(session, event, "nachtforum", date(2027, 3, 28), None)

    assert (error.value.field, english(error.value)) == (
        "starts_on",
        "2027-03-28 02:30 does not exist in Europe/Berlin: the clocks skip this hour. Please choose another time.",
    )
    assert session.scalar(select(Event.id).where(Event.slug == "nachtforum")) is None


def test_clone_event_names_the_session_that_falls_in_the_gap(session):
    event = make_event(session, starts_local=datetime(2027, 3, 20, 0, 0), ends_local=datetime(2027, 3, 20, 23, 0))
    make_session(session, event, title={"de": "Nachtschicht"}, starts_local=datetime(2027, 3, 20, 2, 15),
                 ends_local=datetime(2027, 3, 20, 4, 0))

    with pytest.raises(RuleError) as error:
        services.clone_event(session, event, "nachtforum", date(2027, 3, 28), None)

    assert english(error.value) == (
        "“Nachtschicht” cannot be moved: 2027-03-28 02:15 does not exist in Europe/Berlin: "
        "the clocks skip this hour. Please choose another time."
    )


def test_clone_event_refuses_taken_slug(session):
    event = make_event(session, slug="forum-2027")

    with pytest.raises(RuleError) as error:
        services.clone_event(session, event, "forum-2027", date(2027, 5, 1), None)

    assert error.value.field == "slug"


# --- report and archive ------------------------------------------------------------------------


def test_save_report_keeps_paragraphs_and_drops_empty_languages(session):
    event = make_event(session)

    services.save_report(session, event, {"de": " Erster\r\nAbsatz.\r\n\r\n\r\nZweiter. ", "en": "  ", "zh": ""}, None)

    assert (event.report_i18n, actions(session)) == ({"de": "Erster Absatz.\n\nZweiter."}, ["event.report"])


def test_set_archived_refuses_event_that_has_not_ended(session):
    event = make_event(session)

    with pytest.raises(RuleError) as error:
        services.set_archived(session, event, True, None, now=datetime(2027, 1, 14, 12, 0, tzinfo=UTC))

    assert (event.archived_at, english(error.value)) == (None, "An event can be archived only once it has ended.")


def test_set_archived_marks_and_unmarks_ended_event(session):
    event = make_event(session)
    now = datetime(2027, 1, 15, 12, 0, tzinfo=UTC)

    services.set_archived(session, event, True, None, now=now)
    marked = event.archived_at
    services.set_archived(session, event, False, None, now=now)

    assert (marked, event.archived_at, actions(session)) == (now, None, ["event.archive", "event.unarchive"])


# --- dashboard -------------------------------------------------------------------------------------


def test_dashboard_shows_organiser_only_assigned_events_grouped(session):
    now = datetime(2027, 6, 1, tzinfo=UTC)
    draft = make_event(session, slug="entwurf", status=EventStatus.DRAFT)
    upcoming = make_event(session, slug="kommend", starts_local=datetime(2027, 9, 1, 9, 0),
                          ends_local=datetime(2027, 9, 1, 17, 0))
    past = make_event(session, slug="vorbei")
    cancelled = make_event(session, slug="abgesagt", status=EventStatus.CANCELLED,
                           starts_local=datetime(2027, 9, 2, 9, 0), ends_local=datetime(2027, 9, 2, 17, 0))
    make_event(session, slug="fremd")
    make_event(session, slug="archive-sample-1")
    organiser = make_user(session, manages=[draft, upcoming, past, cancelled])

    dashboard = services.get_dashboard(session, organiser, "de", now)

    assert [[item.event.slug for item in group] for group in (dashboard.drafts, dashboard.current, dashboard.past)] == [
        ["entwurf"], ["kommend"], ["abgesagt", "vorbei"]
    ]


def test_dashboard_shows_admin_every_event(session):
    make_event(session, slug="eins", status=EventStatus.DRAFT)
    make_event(session, slug="zwei", status=EventStatus.DRAFT)
    admin = make_user(session, role=UserRole.ADMIN)

    dashboard = services.get_dashboard(session, admin, "de")

    assert [item.event.slug for item in dashboard.drafts] == ["eins", "zwei"]


def test_dashboard_counts_what_needs_attention(session):
    now = datetime(2027, 6, 1, tzinfo=UTC)
    event = make_event(session, requires_approval=True)
    speaker = get_or_create_speaker(session, "Anna Schmidt")
    make_session(session, event, room="Saal 1", speakers=[speaker])
    make_session(session, event, room="Saal 1", title={"de": "Zweiter"})  # same room, same time
    agenda_services.save_session(session, event, SessionData(
        title={"de": "Neu"}, kind=SessionKind.TALK, starts_local=datetime(2027, 1, 14, 14, 0),
        ends_local=datetime(2027, 1, 14, 15, 0),
    ), None)
    pending = add_registration(session, event, RegistrationStatus.PENDING)
    add_registration(session, event, RegistrationStatus.CONFIRMED)
    for status in (MailStatus.PENDING, MailStatus.FAILED, MailStatus.SENT):
        session.add(OutboxMail(kind="status", recipient="a@example.org", subject="", body_text="",
                               registration_id=pending.id, status=status, next_attempt_at=now))
    session.flush()

    item = services.describe_event(session, event, "de", now)

    assert (item.counts, item.attention) == (
        {RegistrationStatus.PENDING: 1, RegistrationStatus.CONFIRMED: 1},
        services.Attention(pending_approvals=1, unsent_mails=2, pending_drafts=1, conflict_errors=1,
                           needs_archiving=True),
    )
