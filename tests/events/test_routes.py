"""Event list and event page over HTTP: zones, filters, 404s, caching and query counts."""
import re
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from flask import url_for
from markupsafe import escape
from sqlalchemy import select

from eventapp.events import cache
from eventapp.events.services import SessionData, add_session, cancel_session, get_or_create_speaker
from eventapp.models import Event, EventStatus, Visibility
from eventapp.rules.times import now_utc
from tests.factories import make_city, make_event, make_session, make_user


def _queries(counter) -> list[str]:
    """Statements that ask the database something (SQLite's explicit BEGIN is no query)."""
    return [statement for statement in counter.statements if statement != "BEGIN"]


def _agenda_titles(html: str) -> list[str]:
    return re.findall(r'<h4 class="session-title"[^>]*>(?:<del>)?([^<]+)', html)


def _upcoming(session, **overrides):
    """An event about a month from now, in Berlin (on whatever day the suite runs)."""
    start = (now_utc() + timedelta(days=30)).astimezone().replace(tzinfo=None)
    start = start.replace(hour=9, minute=0, second=0, microsecond=0)
    values = {"starts_local": start, "ends_local": start + timedelta(hours=8)}
    values.update(overrides)
    return make_event(session, **values)


def test_index_lists_upcoming_published_events_only(client, data):
    with data() as session:
        _upcoming(session, slug="kommend", title={"de": "Kommend"}, capacity_onsite=50,
                  registration_opens_local=datetime(2026, 1, 1, 9, 0))
        _upcoming(session, slug="entwurf", title={"de": "Entwurf"}, status=EventStatus.DRAFT)
        make_event(session, slug="vorbei", title={"de": "Vorbei"}, starts_local=datetime(2020, 1, 14, 9, 0),
                   ends_local=datetime(2020, 1, 14, 17, 0))

    html = client.get("/events/?lang=de").get_data(as_text=True)

    assert re.findall(r'<h2 class="card-title"><a href="/events/([\w-]+)/"', html) == ["kommend"]
    assert "Vor Ort: noch 50 Plätze frei" in html or "On site: 50 seats left" in html


def test_index_query_count_is_the_same_for_one_and_three_events(client, data, count_queries):
    with data() as session:
        city = make_city(session)
        _upcoming(session, host_city=city, topics=["hydrogen"])
    client.get("/events/")
    count_queries.statements.clear()
    client.get("/events/")
    one = len(_queries(count_queries))

    with data() as session:
        city = make_city(session)
        _upcoming(session, host_city=city, topics=["automation"])
        _upcoming(session, host_city=make_city(session), topics=["research", "hydrogen"])
    client.get("/events/")
    count_queries.statements.clear()
    client.get("/events/")

    assert len(_queries(count_queries)) == one == 3


def test_detail_lists_the_events_topics_in_order(client, data):
    with data() as session:
        _upcoming(session, slug="themen", topics=["research", "hydrogen", "automation"])

    html = client.get("/events/themen/?lang=en").get_data(as_text=True)

    tags = re.search(r'<div class="event-summary">.*?<ul class="tags">(.*?)</ul>', html, re.S)
    assert tags is not None
    assert re.findall(r"<li>([^<]+)</li>", tags.group(1)) == [
        "Automation", "Hydrogen technology", "Research and development"]  # by code, as Event.topics


def test_detail_shows_both_zones_in_winter(client, data):
    with data() as session:
        event = make_event(session, slug="winter")
        make_session(session, event, starts_local=datetime(2027, 1, 14, 9, 0),
                     ends_local=datetime(2027, 1, 14, 10, 0))

    html = client.get("/events/winter/?lang=en").get_data(as_text=True)

    times = re.findall(r'<span class="clock">([^<]+)</span> <abbr title="([^"]+)">([^<]+)</abbr>', html)
    assert times == [
        ("09:00–10:00", "Europe/Berlin (UTC+1)", "Berlin"),
        ("16:00–17:00", "Asia/Shanghai (UTC+8)", "Beijing"),
    ]


def test_detail_shows_both_zones_in_summer(client, data):
    with data() as session:
        event = make_event(session, slug="sommer", starts_local=datetime(2027, 6, 10, 8, 0),
                           ends_local=datetime(2027, 6, 10, 18, 0))
        make_session(session, event, starts_local=datetime(2027, 6, 10, 9, 0),
                     ends_local=datetime(2027, 6, 10, 10, 0))

    html = client.get("/events/sommer/?lang=de").get_data(as_text=True)

    times = re.findall(r'<span class="clock">([^<]+)</span>', html)
    assert times == ["09:00–10:00", "15:00–16:00"]


def test_detail_of_draft_is_the_same_404_as_unknown_slug(client, data):
    with data() as session:
        make_event(session, slug="geheim", status=EventStatus.DRAFT)

    draft = client.get("/events/geheim/")
    unknown = client.get("/events/gibt-es-nicht/")

    assert (draft.status_code, unknown.status_code) == (404, 404)
    assert draft.get_data(as_text=True).replace("geheim", "gibt-es-nicht") == unknown.get_data(as_text=True)


def test_detail_filters_agenda_by_room_with_plain_links(client, data):
    with data() as session:
        event = make_event(session, slug="filter")
        make_session(session, event, title={"de": "Erster"}, room="Saal 1")
        make_session(session, event, title={"de": "Zweiter"}, room="Saal 2")

    full = client.get("/events/filter/").get_data(as_text=True)
    filtered = client.get("/events/filter/?room=Saal+2").get_data(as_text=True)

    assert _agenda_titles(full) == ["Erster", "Zweiter"]
    assert '<a data-agenda-link href="/events/filter/?room=Saal+2#agenda">Saal 2</a>' in full
    assert _agenda_titles(filtered) == ["Zweiter"]


def test_detail_partial_returns_only_the_agenda(client, data):
    with data() as session:
        event = make_event(session, slug="teil")
        make_session(session, event, title={"de": "Einzig"})

    html = client.get("/events/teil/?partial=agenda").get_data(as_text=True)

    assert html.lstrip().startswith('<section id="agenda"')
    assert "<html" not in html
    assert _agenda_titles(html) == ["Einzig"]


def test_detail_strikes_cancelled_session_through(client, data):
    with data() as session:
        event = make_event(session, slug="abgesagt")
        cancel_session(session, make_session(session, event, title={"de": "Fällt aus"}))

    html = client.get("/events/abgesagt/").get_data(as_text=True)

    assert '<h4 class="session-title"><del>Fällt aus</del></h4>' in html


def test_detail_never_shows_a_join_link_itself(client, data):
    with data() as session:
        event = make_event(session, slug="online")
        public_id = make_session(session, event, join_url="https://zoom.us/j/111",
                                 join_visibility=Visibility.PUBLIC).id
        make_session(session, event, join_url="https://zoom.us/j/222", join_visibility=Visibility.PARTICIPANTS)

    html = client.get("/events/online/").get_data(as_text=True)

    assert "zoom.us" not in html
    assert re.findall(r'href="(/events/online/sessions/\d+/join)"', html) == [
        f"/events/online/sessions/{public_id}/join"
    ]


def test_join_redirects_to_a_public_link_only(client, data):
    with data() as session:
        event = make_event(session, slug="beitreten")
        public = make_session(session, event, join_url="https://zoom.us/j/111",
                              join_visibility=Visibility.PUBLIC).id
        private = make_session(session, event, join_url="https://zoom.us/j/222",
                               join_visibility=Visibility.PARTICIPANTS).id

    found = client.get(f"/events/beitreten/sessions/{public}/join")
    hidden = client.get(f"/events/beitreten/sessions/{private}/join")
    elsewhere = client.get(f"/events/other/sessions/{public}/join")

    assert (found.status_code, found.headers["Location"]) == (302, "https://zoom.us/j/111")
    assert (hidden.status_code, elsewhere.status_code) == (404, 404)


def test_session_page_offers_calendar_links(client, data):
    with data() as session:
        event = make_event(session, slug="kalender")
        item = make_session(session, event).id

    html = client.get(f"/events/kalender/sessions/{item}/").get_data(as_text=True)

    assert f'href="https://events.example.org/events/kalender/sessions/{item}.ics"' in html
    assert 'href="webcal://events.example.org/events/kalender/sessions/' in html
    assert "https://calendar.google.com/calendar/render?" in html


def test_detail_offers_event_calendar_links_and_map(client, data):
    with data() as session:
        make_event(session, slug="karte", venue_address="Marktplatz 1, 52062 Aachen")

    html = client.get("/events/karte/").get_data(as_text=True)

    assert 'href="webcal://events.example.org/events/karte.ics"' in html
    assert 'href="https://www.openstreetmap.org/search?query=Marktplatz+1%2C+52062+Aachen"' in html


def _congress(session, count: int) -> None:
    event = make_event(session, slug=f"kongress-{count}", ends_local=datetime(2027, 1, 16, 18, 0))
    speakers = []
    for number in range(5):
        speakers.append(get_or_create_speaker(session, f"Person {number}-{count}", bio={"de": "Kurz."}))
    for number in range(count):
        day, slot = divmod(number, 100)
        start = datetime(2027, 1, 14 + day, 9, 0) + timedelta(minutes=5 * (slot // 6))
        add_session(session, event, SessionData(
            title={"de": f"Punkt {number}"}, kind="talk", starts_local=start,
            ends_local=start + timedelta(minutes=5), room=f"Saal {slot % 6}",
            speakers=[speakers[number % 5], speakers[(number + 1) % 5]],
        ))


def test_detail_query_count_is_the_same_for_one_and_three_hundred_sessions(client, data, count_queries):
    with data() as session:
        _congress(session, 1)
        _congress(session, 300)
    counts = []
    for slug in ("kongress-1", "kongress-300"):
        count_queries.statements.clear()
        response = client.get(f"/events/{slug}/")
        assert response.status_code == 200
        counts.append(len(_queries(count_queries)))
    # stamp, event with its host city, its topic codes, sessions, speakers with their session
    # ids, agenda changes
    assert counts == [6, 6]


def test_detail_without_page_cache_renders_every_request_in_the_same_queries(
    app, client, data, count_queries, monkeypatch
):
    monkeypatch.setitem(app.config, "PAGE_CACHE", False)
    with data() as session:
        _congress(session, 1)
        _congress(session, 300)
    counts = []
    for slug in ("kongress-1", "kongress-300", "kongress-300"):
        count_queries.statements.clear()
        response = client.get(f"/events/{slug}/")
        assert response.status_code == 200
        counts.append(len(_queries(count_queries)))

    assert counts == [6, 6, 6]  # the second request for the same page renders it again
    assert len(cache.bodies) == 0
    assert response.headers["ETag"]


def test_detail_answers_304_after_one_version_lookup(client, data, count_queries):
    with data() as session:
        event = make_event(session, slug="bedingt")
        make_session(session, event)
    first = client.get("/events/bedingt/?lang=en")
    count_queries.statements.clear()

    again = client.get("/events/bedingt/?lang=en", headers={"If-None-Match": first.headers["ETag"]})

    assert (first.status_code, again.status_code) == (200, 304)
    assert again.get_data() == b""
    assert again.headers["ETag"] == first.headers["ETag"]
    queries = _queries(count_queries)
    assert len(queries) == 1
    assert re.sub(r"\s+", " ", queries[0]).startswith("SELECT events.id, events.version")


def test_detail_answers_304_to_if_modified_since(client, data):
    with data() as session:
        event = make_event(session, slug="seit")
        make_session(session, event)
    first = client.get("/events/seit/")

    again = client.get("/events/seit/", headers={"If-Modified-Since": first.headers["Last-Modified"]})

    assert again.status_code == 304


def test_detail_etag_varies_with_language(client, data):
    with data() as session:
        make_event(session, slug="sprachen")

    tags = {client.get(f"/events/sprachen/?lang={code}").headers["ETag"] for code in ("de", "en", "zh")}
    german_again = client.get("/events/sprachen/?lang=de", headers={"If-None-Match": tags.pop()})

    assert len(tags) == 2
    assert german_again.status_code in (200, 304)
    assert client.get("/events/sprachen/", headers={"Accept-Language": "zh"}).headers["Vary"] == (
        "Cookie, Accept-Language"
    )


def test_detail_etag_and_body_change_when_a_session_is_added(client, data):
    with data() as session:
        make_session(session, make_event(session, slug="neu"), title={"de": "Alt"})
    first = client.get("/events/neu/")

    with data() as session:
        event = session.scalar(select(Event).where(Event.slug == "neu"))
        make_session(session, event, title={"de": "Neu"},
                     starts_local=datetime(2027, 1, 14, 11, 0), ends_local=datetime(2027, 1, 14, 12, 0))
    second = client.get("/events/neu/", headers={"If-None-Match": first.headers["ETag"]})

    assert second.status_code == 200
    assert second.headers["ETag"] != first.headers["ETag"]
    assert _agenda_titles(second.get_data(as_text=True)) == ["Alt", "Neu"]


def test_detail_for_signed_in_organiser_is_private_and_uncached(client, data):
    with data() as session:
        make_event(session, slug="privat")
        make_user(session, email="orga@example.org", password="correct horse battery")
    client.get("/events/privat/")
    login_page = client.get("/auth/login").get_data(as_text=True)
    token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', login_page).group(1)
    client.post("/auth/login", data={"email": "orga@example.org", "password": "correct horse battery",
                                     "csrf_token": token})

    response = client.get("/events/privat/")

    assert "ETag" not in response.headers
    assert response.headers["Cache-Control"] == "private, no-store"
    assert "orga@example.org" in response.get_data(as_text=True)


def test_detail_with_unknown_arguments_is_not_cached(client, data):
    with data() as session:
        make_event(session, slug="fremd")

    response = client.get("/events/fremd/?utm_source=mail")

    assert response.status_code == 200
    assert "ETag" not in response.headers
    assert 'href="/events/fremd/?utm_source=mail&amp;lang=en"' in response.get_data(as_text=True)


def test_detail_highlights_current_and_next_session_while_running(client, data):
    berlin_now = now_utc().astimezone(ZoneInfo("Europe/Berlin")).replace(tzinfo=None)
    start = berlin_now.replace(second=0, microsecond=0) - timedelta(hours=1)
    with data() as session:
        event = make_event(session, slug="laeuft", starts_local=start, ends_local=start + timedelta(hours=4))
        for title, begins, ends in (("Vorbei", 0, 30), ("Jetzt", 30, 120), ("Danach", 120, 180)):
            make_session(session, event, title={"de": title}, starts_local=start + timedelta(minutes=begins),
                         ends_local=start + timedelta(minutes=ends))

    html = client.get("/events/laeuft/?lang=de").get_data(as_text=True)

    states = re.findall(r'<li id="session-\d+" class="([^"]+)">\s*(?:<strong[^>]*>[^<]*</strong>)?\s*'
                        r'<h4 class="session-title">([^<]+)', html)
    assert states == [("session", "Vorbei"), ("session is-current", "Jetzt"), ("session is-next", "Danach")]


def test_agenda_rows_escape_hostile_session_fields_and_keep_both_zones(app, client, data, monkeypatch):
    # Rows are finished strings built in Python (eventapp/events/agenda_html.py): every
    # user field must still be escaped there, fresh (no page cache) as when cached.
    monkeypatch.setitem(app.config, "PAGE_CACHE", False)
    with data() as session:
        event = make_event(session, slug="feindlich")
        speaker = get_or_create_speaker(session, """<b onclick="x">O'Neil</b>""", bio={"de": "Kurz."})
        make_session(
            session, event, title={"de": """<script>alert("t")</script> & 'Q'""", "zh": "标题"},
            room="""Saal "A"><img src=x onerror=alert(1)>""", speakers=[speaker],
            is_virtual=True, join_url="https://meet.example.org/r", join_visibility=Visibility.PUBLIC,
        )
        cancelled = make_session(
            session, event, title={"de": "<i>Abgesagt</i>"}, room="<u>Saal B</u>",
            starts_local=datetime(2027, 1, 14, 11, 0), ends_local=datetime(2027, 1, 14, 12, 0),
        )
        cancel_session(session, cancelled)

    html = client.get("/events/feindlich/?lang=en").get_data(as_text=True)

    agenda = html[html.index('<section id="agenda"'):]
    assert "<script>" not in agenda and "<img" not in agenda and "<b " not in agenda
    assert "<i>" not in agenda and "<u>" not in agenda
    assert "&lt;script&gt;alert(&#34;t&#34;)&lt;/script&gt; &amp; &#39;Q&#39;" in agenda
    assert "Saal &#34;A&#34;&gt;&lt;img src=x onerror=alert(1)&gt;" in agenda
    assert '<p class="session-speakers">&lt;b onclick=&#34;x&#34;&gt;O&#39;Neil&lt;/b&gt;</p>' in agenda
    assert '<del>&lt;i&gt;Abgesagt&lt;/i&gt;</del>' in agenda
    # The German title shown in the English page says so; both zones show for each slot.
    assert '<h4 class="session-title" lang="de">' in agenda
    assert agenda.count('<abbr title="Europe/Berlin (UTC+1)">Berlin</abbr>') == 2
    assert agenda.count('<abbr title="Asia/Shanghai (UTC+8)">Beijing</abbr>') == 2
    assert '<span class="clock">09:00–10:00</span>' in agenda
    assert '<span class="clock">16:00–17:00</span>' in agenda
    # The join box of the public virtual session keeps its data attributes.
    assert re.search(r'<div class="join join-\w+" data-join-phase="\w+" id="join-\d+">', agenda)
    assert 'class="badge badge-virtual">Virtual</span>' in agenda
    # Filter links are built from one route prefix, encoded exactly as url_for encodes them.
    with app.test_request_context():
        for room in ("""Saal "A"><img src=x onerror=alert(1)>""", "<u>Saal B</u>"):
            expected = url_for("events.detail", slug="feindlich", room=room)
            assert f'href="{escape(expected)}#agenda"' in agenda
