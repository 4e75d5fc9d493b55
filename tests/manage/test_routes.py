from eventapp.models import EventStatus, UserRole
from tests.factories import make_city, make_event, make_user
from tests.manage.helpers import sign_in


def test_back_office_sends_anonymous_visitor_to_sign_in(client):
    response = client.get("/manage/")
    assert (response.status_code, response.headers["Location"]) == (302, "/auth/login?next=%2Fmanage%2F")


def test_back_office_lists_drafts_with_their_tools(session, client):
    event = make_event(session, slug="draft-forum", title={"de": "Entwurf", "en": "Draft forum"},
                       status=EventStatus.DRAFT)
    make_user(session, email="office@example.org", role=UserRole.ORGANISER, manages=[event])
    session.commit()
    assert sign_in(client, "office@example.org").headers["Location"] == "/manage/"
    response = client.get("/manage/?lang=en")
    body = response.get_data(as_text=True)
    assert (response.status_code, response.headers["Cache-Control"]) == (200, "private, no-store")
    assert "<code>draft-forum</code>" in body
    assert 'href="/manage/events/draft-forum/registrations/"' in body
    assert 'href="/manage/events/draft-forum/documents"' in body
    assert 'href="/events/draft-forum/"' not in body  # drafts have no public page


def test_back_office_link_shows_only_for_organisers(session, client):
    make_user(session, email="office@example.org")
    session.commit()
    assert ">Back office</a>" not in client.get("/?lang=en").get_data(as_text=True)
    sign_in(client, "office@example.org")
    assert ">Back office</a>" in client.get("/?lang=en").get_data(as_text=True)


def test_back_office_query_count_does_not_grow_with_events(session, client, count_queries):
    make_user(session, email="office@example.org", role=UserRole.ADMIN)
    city = make_city(session)
    make_event(session, host_city=city)
    session.commit()
    sign_in(client, "office@example.org")
    session.expire_all()  # the client's requests share this test's session
    count_queries.statements.clear()
    client.get("/manage/")
    one = count_queries.count
    make_event(session, host_city=make_city(session))
    make_event(session, host_city=city)
    session.commit()
    session.expire_all()
    count_queries.statements.clear()
    client.get("/manage/")

    assert (one, count_queries.count) == (8, 8)

