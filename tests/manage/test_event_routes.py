from datetime import datetime

import pytest
from flask_babel import refresh
from sqlalchemy import event as sqlalchemy_event
from sqlalchemy import func, select

from eventapp.extensions import db
from eventapp.models import (
    AuditEntry,
    Event,
    EventOrganiser,
    EventStatus,
    OutboxMail,
    RegistrationStatus,
    UserRole,
)
from tests.factories import make_city, make_event, make_session, make_user
from tests.manage.helpers import add_registration, csrf_token, sign_in

# Pages of one event: GET shows them to whoever manages the event.
EVENT_PAGES = ("/", "/edit", "/delete", "/cancel", "/clone", "/report")
# Buttons: POST only.
EVENT_ACTIONS = ("/publish", "/unpublish", "/archive", "/unarchive")


@pytest.fixture
def event(session):
    event = make_event(session, slug="forum-2027", title={"de": "Forum", "en": "Forum"})
    make_session(session, event, room="Saal 1")
    session.commit()
    return event


def signed_in(client, session, role=UserRole.ORGANISER, manages=()):
    make_user(session, email="office@example.org", role=role, manages=list(manages))
    session.commit()
    assert sign_in(client, "office@example.org").status_code == 302


def get(client, path):
    refresh()  # the test's app context is shared with the request: forget its cached language
    return client.get(path)


def post(client, path, data=None, form_page="/manage/"):
    values = {"csrf_token": csrf_token(client, form_page)}
    values.update(data or {})
    refresh()
    return client.post(path, data=values)


def form_data(**overrides):
    values = {
        "slug": "isa-forum-2028", "main_language": "de", "title_de": "ISA-Forum 2028",
        "title_en": "ISA Forum 2028", "title_zh": "", "summary_de": "Treffen der Wirtschaftsförderer.",
        "kind": "conference", "format": "hybrid", "timezone": "Europe/Berlin",
        "starts_local": "2028-03-02T09:00", "ends_local": "2028-03-02T17:00", "venue_name": "Rathaus",
        "venue_address": "Markt 1", "host_city": "", "topics": ["hydrogen", "investment"],
        "languages": ["de", "zh"], "has_interpretation": "y",
        "registration_opens_local": "2028-01-10T08:00", "registration_closes_local": "2028-03-01T12:00",
        "capacity_onsite": "80", "capacity_online": "", "has_waiting_list": "y",
        "rooms": "Saal 1\nFoyer\nsaal 1\n",
    }
    values.update(overrides)
    return {key: value for key, value in values.items() if value is not None}


def count(session, model):
    session.expire_all()
    return session.scalar(select(func.count()).select_from(model))


# --- permissions ---------------------------------------------------------------------------------


@pytest.mark.parametrize("page", EVENT_PAGES)
def test_event_page_sends_anonymous_visitor_to_sign_in(client, event, page):
    response = client.get(f"/manage/events/forum-2027{page}")

    assert (response.status_code, response.headers["Location"].split("?")[0]) == (302, "/auth/login")


@pytest.mark.parametrize("action", EVENT_ACTIONS)
def test_event_action_sends_anonymous_visitor_to_sign_in(client, event, action):
    response = post(client, f"/manage/events/forum-2027{action}", form_page="/auth/login")

    assert (response.status_code, response.headers["Location"].split("?")[0]) == (302, "/auth/login")


def test_new_event_page_sends_anonymous_visitor_to_sign_in(client):
    response = client.get("/manage/events/new")

    assert (response.status_code, response.headers["Location"]) == (302, "/auth/login?next=%2Fmanage%2Fevents%2Fnew")


@pytest.mark.parametrize("page", EVENT_PAGES)
def test_event_page_refuses_organiser_not_assigned(client, session, event, page):
    signed_in(client, session, manages=[make_event(session)])

    assert client.get(f"/manage/events/forum-2027{page}").status_code == 403


@pytest.mark.parametrize("action", (*EVENT_ACTIONS, "/cancel", "/delete", "/clone", "/edit", "/report"))
def test_event_action_refuses_organiser_not_assigned(client, session, event, action):
    signed_in(client, session)

    response = post(client, f"/manage/events/forum-2027{action}", {"slug": "kopie", "starts_on": "2027-05-01"})

    session.expire_all()
    assert (response.status_code, session.get(Event, event.id).status, count(session, AuditEntry)) == (
        403, EventStatus.PUBLISHED, 0
    )


@pytest.mark.parametrize("role", [UserRole.ORGANISER, UserRole.ADMIN])
@pytest.mark.parametrize("page", EVENT_PAGES)
def test_event_page_opens_for_assigned_organiser_and_admin(client, session, event, page, role):
    signed_in(client, session, role=role, manages=[event] if role == UserRole.ORGANISER else [])

    response = client.get(f"/manage/events/forum-2027{page}")

    assert (response.status_code, response.headers["Cache-Control"]) == (200, "private, no-store")


@pytest.mark.parametrize("role", [UserRole.ORGANISER, UserRole.ADMIN])
def test_new_event_page_opens_for_organiser_and_admin(client, session, role):
    signed_in(client, session, role=role)

    assert client.get("/manage/events/new").status_code == 200


def test_event_page_of_unknown_or_overlong_slug_is_404(client, session):
    signed_in(client, session, role=UserRole.ADMIN)

    assert [client.get(f"/manage/events/{slug}/").status_code for slug in ("nope", "x" * 500)] == [404, 404]


@pytest.mark.parametrize("action", EVENT_ACTIONS)
def test_get_to_event_action_is_405(client, session, event, action):
    signed_in(client, session, manages=[event])

    assert client.get(f"/manage/events/forum-2027{action}").status_code == 405


@pytest.mark.parametrize("action", (*EVENT_ACTIONS, "/cancel", "/delete", "/clone", "/edit", "/report"))
def test_event_action_without_csrf_token_is_400(client, session, event, action):
    signed_in(client, session, manages=[event])

    response = client.post(f"/manage/events/forum-2027{action}", data={"slug": "kopie"})

    session.expire_all()
    assert (response.status_code, session.get(Event, event.id).status, count(session, AuditEntry)) == (
        400, EventStatus.PUBLISHED, 0
    )


def test_new_event_without_csrf_token_is_400(client, session):
    signed_in(client, session)

    assert client.post("/manage/events/new", data=form_data()).status_code == 400


# --- dashboard ----------------------------------------------------------------------------------


def test_dashboard_hides_events_of_others_and_offers_new_event(client, session, event):
    mine = make_event(session, slug="mein-entwurf", status=EventStatus.DRAFT)
    signed_in(client, session, manages=[mine])

    body = get(client, "/manage/?lang=en").get_data(as_text=True)

    assert ("<code>mein-entwurf</code>" in body, "<code>forum-2027</code>" in body) == (True, False)
    assert 'href="/manage/events/new">New event</a>' in body


def test_dashboard_query_count_does_not_grow_with_events(client, session, count_queries):
    def add_event():
        event = make_event(session, host_city=make_city(session), requires_approval=True)
        make_session(session, event, room="Saal 1")
        registration = add_registration(session, event, RegistrationStatus.PENDING)
        session.add(OutboxMail(kind="status", recipient="a@example.org", subject="", body_text="",
                               registration_id=registration.id))
        session.add(EventOrganiser(event_id=event.id, user_id=user.id))

    user = make_user(session, email="office@example.org")
    add_event()
    session.commit()
    sign_in(client, "office@example.org")
    session.expire_all()
    count_queries.statements.clear()
    client.get("/manage/")
    one = count_queries.count
    add_event()
    add_event()
    session.commit()
    session.expire_all()
    count_queries.statements.clear()
    body = get(client, "/manage/?lang=en").get_data(as_text=True)

    assert (one, count_queries.count, body.count("1 registration awaits approval")) == (8, 8, 3)


# --- create and edit ----------------------------------------------------------------------------


def test_create_event_saves_draft_and_assigns_organiser(client, session):
    signed_in(client, session)
    city = make_city(session)
    session.commit()

    response = post(client, "/manage/events/new", form_data(host_city=str(city.id)))

    event = session.scalar(select(Event).where(Event.slug == "isa-forum-2028"))
    assigned = session.scalars(select(EventOrganiser.event_id)).all()
    assert (response.status_code, response.headers["Location"]) == (302, "/manage/events/isa-forum-2028/")
    assert (event.status, event.rooms, list(event.topics), event.languages, event.host_city_id, assigned) == (
        EventStatus.DRAFT, ["Saal 1", "Foyer"], ["hydrogen", "investment"], ["de", "zh"], city.id, [event.id]
    )
    assert (event.starts_at.isoformat(), event.capacity_onsite, event.capacity_online) == (
        "2028-03-02T08:00:00+00:00", 80, None
    )


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"title_de": ""}, "A text in the main language is required."),
        ({"slug": "Kein Slug"}, "Use 3 to 80 lower-case letters, digits and single hyphens, e.g. isa-forum-2027."),
        ({"ends_local": "2028-03-02T08:00"}, "The end must be after the start."),
        ({"starts_local": "2028-03-26T02:30"}, "2028-03-26 02:30 does not exist in Europe/Berlin"),
        ({"rooms": "x" * 130}, "A room name may have at most 120 characters"),
        ({"capacity_onsite": "-1"}, "Number must be between 0 and 1000000."),
        ({"timezone": "Mars/Olympus"}, "Not a valid choice."),
    ],
)
def test_create_event_with_bad_input_is_422_and_writes_nothing(client, session, overrides, message):
    signed_in(client, session)

    response = post(client, "/manage/events/new?lang=en", form_data(**overrides))

    body = response.get_data(as_text=True)
    assert (response.status_code, message in body) == (422, True)
    assert (count(session, Event), count(session, AuditEntry), count(session, EventOrganiser)) == (0, 0, 0)


def test_create_event_with_taken_slug_is_422(client, session, event):
    signed_in(client, session)

    response = post(client, "/manage/events/new?lang=en", form_data(slug="forum-2027"))

    assert (response.status_code, "This address is already taken by another event." in response.get_data(as_text=True),
            count(session, Event)) == (422, True, 1)


def test_edit_event_shows_local_times_and_partner_zone(client, session, event):
    signed_in(client, session, manages=[event])

    body = get(client, "/manage/events/forum-2027/edit?lang=en").get_data(as_text=True)

    assert 'value="2027-01-14T09:00"' in body
    assert "16:00</time> <abbr title=\"Asia/Shanghai\">Beijing</abbr>" in body


def test_edit_event_saves_and_records_diff(client, session, event):
    signed_in(client, session, manages=[event])

    response = post(client, "/manage/events/forum-2027/edit", form_data(
        slug="forum-2027", starts_local="2027-01-14T08:00", ends_local="2027-01-14T18:00",
        registration_opens_local="", registration_closes_local=""))

    session.expire_all()
    entry = session.scalar(select(AuditEntry))
    assert (response.status_code, response.headers["Location"]) == (302, "/manage/events/forum-2027/")
    assert (event.title_i18n, event.status, entry.action, entry.changes["starts_at"]) == (
        {"de": "ISA-Forum 2028", "en": "ISA Forum 2028"}, EventStatus.PUBLISHED, "event.update",
        ["2027-01-14T08:00:00+00:00", "2027-01-14T07:00:00+00:00"],
    )


def test_edit_event_refuses_dates_that_leave_sessions_outside(client, session, event):
    signed_in(client, session, manages=[event])

    response = post(client, "/manage/events/forum-2027/edit?lang=en", form_data(
        slug="forum-2027", starts_local="2027-01-14T12:00", ends_local="2027-01-14T18:00",
        registration_opens_local="", registration_closes_local=""))

    session.expire_all()
    assert (response.status_code, "A session must lie within the dates of its event." in response.get_data(as_text=True),
            event.title_i18n, count(session, AuditEntry)) == (422, True, {"de": "Forum", "en": "Forum"}, 0)


# --- status changes ------------------------------------------------------------------------------


def test_publish_event_publishes_draft(client, session):
    draft = make_event(session, slug="entwurf", status=EventStatus.DRAFT)
    signed_in(client, session, manages=[draft])

    response = post(client, "/manage/events/entwurf/publish")

    session.expire_all()
    assert (response.status_code, draft.status, session.scalar(select(AuditEntry.action))) == (
        302, EventStatus.PUBLISHED, "event.publish"
    )


def test_unpublish_event_with_registrations_explains_refusal(client, session, event):
    add_registration(session, event, RegistrationStatus.CONFIRMED)
    signed_in(client, session, manages=[event])

    response = post(client, "/manage/events/forum-2027/unpublish?lang=en")
    page = get(client, response.headers["Location"] + "?lang=en").get_data(as_text=True)

    session.expire_all()
    assert (event.status, "This event already has registrations, so it cannot become a draft again." in page) == (
        EventStatus.PUBLISHED, True
    )


def test_cancel_event_asks_first_then_cancels_and_mails(client, session, event):
    add_registration(session, event, RegistrationStatus.CONFIRMED, "en")
    add_registration(session, event, RegistrationStatus.CANCELLED)
    signed_in(client, session, manages=[event])

    question = get(client, "/manage/events/forum-2027/cancel?lang=en").get_data(as_text=True)
    response = post(client, "/manage/events/forum-2027/cancel", form_page="/manage/events/forum-2027/cancel")

    session.expire_all()
    assert "1 registered person will get an e-mail in their language." in question
    assert (response.status_code, event.status, count(session, OutboxMail)) == (302, EventStatus.CANCELLED, 1)


def test_cancelled_event_is_cancelled_in_calendars(client, session, event):
    signed_in(client, session, manages=[event])
    post(client, "/manage/events/forum-2027/cancel")

    event_feed = client.get("/events/forum-2027.ics").get_data(as_text=True)
    feed = client.get("/calendar.ics").get_data(as_text=True)

    # The event's own feed carries its sessions; the subscription feed only events.
    assert [(body.count("BEGIN:VEVENT"), body.count("STATUS:CANCELLED"), body.count("STATUS:CONFIRMED"))
            for body in (event_feed, feed)] == [(2, 2, 0), (1, 1, 0)]


def test_delete_event_asks_first_then_deletes_draft(client, session):
    draft = make_event(session, slug="entwurf", status=EventStatus.DRAFT)
    make_session(session, draft)
    signed_in(client, session, manages=[draft])

    question = get(client, "/manage/events/entwurf/delete?lang=en").get_data(as_text=True)
    response = post(client, "/manage/events/entwurf/delete")

    assert "Yes, delete the draft" in question
    assert (response.status_code, response.headers["Location"], count(session, Event)) == (302, "/manage/", 0)


def test_delete_event_refuses_published_event(client, session, event):
    signed_in(client, session, manages=[event])

    response = post(client, "/manage/events/forum-2027/delete")

    assert (response.status_code, count(session, Event)) == (302, 1)


# --- clone, report and archive ----------------------------------------------------------------------


def test_clone_event_creates_draft_copy(client, session, event):
    signed_in(client, session, manages=[event])

    response = post(client, "/manage/events/forum-2027/clone", {"slug": "forum-2028", "starts_on": "2028-01-13"})

    copy = session.scalar(select(Event).where(Event.slug == "forum-2028"))
    assert (response.status_code, response.headers["Location"]) == (302, "/manage/events/forum-2028/")
    assert (copy.status, copy.starts_at, [item.starts_at for item in copy.sessions]) == (
        EventStatus.DRAFT, datetime.fromisoformat("2028-01-13T08:00:00+00:00"),
        [datetime.fromisoformat("2028-01-13T08:00:00+00:00")],
    )


def test_clone_event_with_taken_slug_is_422(client, session, event):
    signed_in(client, session, manages=[event])

    response = post(client, "/manage/events/forum-2027/clone?lang=en", {"slug": "forum-2027", "starts_on": "2028-01-13"})

    assert (response.status_code, "This address is already taken by another event." in response.get_data(as_text=True),
            count(session, Event)) == (422, True, 1)


def test_report_is_saved_and_shown_in_archive_form(client, session, event):
    signed_in(client, session, manages=[event])

    response = post(client, "/manage/events/forum-2027/report",
                    {"report_de": "Erster Absatz.\r\n\r\nZweiter <b>Absatz</b>.", "report_en": ""})
    page = client.get("/manage/events/forum-2027/report").get_data(as_text=True)

    session.expire_all()
    assert (response.status_code, event.report_i18n) == (302, {"de": "Erster Absatz.\n\nZweiter <b>Absatz</b>."})
    assert "Zweiter &lt;b&gt;Absatz&lt;/b&gt;." in page


def test_archive_marks_ended_event(client, session):
    past = make_event(session, slug="vorbei", starts_local=datetime(2021, 11, 30, 9, 0),
                      ends_local=datetime(2021, 11, 30, 17, 0))
    signed_in(client, session, manages=[past])

    response = post(client, "/manage/events/vorbei/archive")

    session.expire_all()
    assert (response.status_code, past.archived_at is not None) == (302, True)


def test_archive_refuses_event_that_has_not_ended(client, session, event):
    signed_in(client, session, manages=[event])

    response = post(client, "/manage/events/forum-2027/archive?lang=en")
    page = get(client, response.headers["Location"] + "?lang=en").get_data(as_text=True)

    session.expire_all()
    assert (event.archived_at, page.count("An event can be archived only once it has ended.")) == (None, 2)


@pytest.fixture
def db_engine_statements(app):
    """Every statement the engine sends, BEGIN included."""
    statements: list[str] = []
    with app.app_context():
        engine = db.engine

    def _record(conn, cursor, statement, parameters, context, executemany):  # noqa: ANN001
        statements.append(statement.strip())

    sqlalchemy_event.listen(engine, "before_cursor_execute", _record)
    yield statements
    sqlalchemy_event.remove(engine, "before_cursor_execute", _record)


def test_back_office_posts_take_the_sqlite_write_lock_before_reading(client, session, event, db_engine_statements):
    """A POST that may take seats starts as a writer (BEGIN IMMEDIATE), so concurrent writers
    queue instead of failing with "database is locked"; a GET stays a plain reader."""
    signed_in(client, session, role=UserRole.ADMIN)
    get(client, f"/manage/events/{event.slug}/")
    reads = list(db_engine_statements)
    db_engine_statements.clear()
    post(client, f"/manage/events/{event.slug}/publish")
    writes = list(db_engine_statements)
    if session.get_bind().dialect.name == "sqlite":
        assert "BEGIN IMMEDIATE" not in reads
        assert "BEGIN IMMEDIATE" in writes
    else:
        assert "BEGIN IMMEDIATE" not in reads + writes
    assert session.scalar(select(Event.status).where(Event.id == event.id)) == EventStatus.PUBLISHED
