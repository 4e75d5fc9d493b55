"""Speaker pages of the back office, the public photo and the photo on the event page."""
from __future__ import annotations

import io
import re
from pathlib import Path

import pytest
from PIL import Image
from sqlalchemy import func, select

from eventapp.models import AuditEntry, Speaker, UserRole
from eventapp.speakers.services import SpeakerData, create_speaker
from tests.factories import make_event, make_session, make_user
from tests.manage.test_routes import sign_in
from tests.speakers.images import HTML_AS_PNG, huge_png, image_bytes, noisy_jpeg

MAX_BYTES = 20 * 1024 * 1024


def csrf_token(client, url: str) -> str:
    body = client.get(url).get_data(as_text=True)
    return re.search(r'name="csrf_token"[^>]*value="([^"]+)"', body).group(1)


def form_data(client, url: str, **overrides) -> dict:
    data = {"name": "Anna Berg", "affiliation": "Stadt Köln", "main_language": "de",
            "bio_de": "Leiterin der Wirtschaftsförderung.", "bio_en": "", "bio_zh": "",
            "csrf_token": csrf_token(client, url)}
    data.update(overrides)
    return data


def stored_photos(app) -> list[str]:
    folder = Path(app.config["UPLOAD_FOLDER"]) / "speakers"
    return sorted(path.name for path in folder.iterdir()) if folder.is_dir() else []


def add_speaker(session, app, name="Anna Berg", photo: bytes | None = None) -> Speaker:
    return create_speaker(session, SpeakerData(name, photo=io.BytesIO(photo) if photo else None),
                          None, app.config["UPLOAD_FOLDER"], MAX_BYTES)


@pytest.fixture
def organiser(session):
    user = make_user(session, email="office@example.org")
    session.commit()
    return user


@pytest.mark.parametrize("url", ["/manage/speakers/", "/manage/speakers/new", "/manage/speakers/1/edit"])
def test_speaker_pages_send_anonymous_visitors_to_sign_in(client, url):
    response = client.get(url)

    assert (response.status_code, response.headers["Location"].split("?")[0]) == (302, "/auth/login")


def test_new_speaker_is_created_with_photo(client, session, app, organiser):
    sign_in(client, "office@example.org")
    data = form_data(client, "/manage/speakers/new", name="Li Wei", main_language="zh", bio_zh="佛山招商局局长。",
                     photo=(io.BytesIO(image_bytes((1600, 1200), orientation=8)), "portrait.png"))

    response = client.post("/manage/speakers/new", data=data, content_type="multipart/form-data")

    assert (response.status_code, response.headers["Location"]) == (302, "/manage/speakers/?q=Li+Wei")
    session.expire_all()
    speaker = session.scalars(select(Speaker)).one()
    assert (speaker.name, speaker.main_language, speaker.bio_i18n) == (
        "Li Wei", "zh", {"de": "Leiterin der Wirtschaftsförderung.", "zh": "佛山招商局局长。"}
    )
    photo = client.get(f"/speakers/{speaker.id}/photo.jpg?v={speaker.version}")
    image = Image.open(io.BytesIO(photo.data))
    assert (photo.status_code, photo.mimetype, photo.headers["X-Content-Type-Options"]) == (
        200, "image/jpeg", "nosniff"
    )
    assert (image.size, dict(image.getexif())) == ((450, 600), {})
    assert photo.headers["Cache-Control"] == "public, max-age=31536000, immutable"
    assert photo.headers["ETag"] == f'"speaker-{speaker.id}-{speaker.version}"'
    listing = client.get("/manage/speakers/?q=li").get_data(as_text=True)
    assert f'src="/speakers/{speaker.id}/photo.jpg?v={speaker.version}" alt="Li Wei"' in listing
    assert [action for action in session.scalars(select(AuditEntry.action).order_by(AuditEntry.id))] == [
        "speaker.create", "speaker.photo"
    ]


@pytest.mark.parametrize(
    ("overrides", "field_id"),
    [
        ({"name": "Anna\r\nBerg"}, "name"),
        ({"name": "Anna\nBerg"}, "name"),
        ({"name": ""}, "name"),
        ({"affiliation": "Stadt\nKöln"}, "affiliation"),
        ({"main_language": "fr"}, "main_language"),
        ({"bio_en": "Hello\x1b[31m"}, "bio_en"),
        ({"photo": (io.BytesIO(HTML_AS_PNG), "photo.png")}, "photo"),
        ({"photo": (io.BytesIO(huge_png(50_000, 50_000)), "bomb.png")}, "photo"),
        ({"photo": (io.BytesIO(huge_png(9000, 9000)), "big.png")}, "photo"),
    ],
    ids=["crlf", "lf", "empty", "affiliation", "language", "escape", "html-as-png", "bomb", "too-many-pixels"],
)
def test_new_speaker_refuses_bad_input_with_422(client, session, app, organiser, overrides, field_id):
    sign_in(client, "office@example.org")
    before = stored_photos(app)
    data = form_data(client, "/manage/speakers/new", **overrides)

    response = client.post("/manage/speakers/new", data=data, content_type="multipart/form-data")

    body = response.get_data(as_text=True)
    assert response.status_code == 422
    assert f'id="{field_id}-error"' in body
    assert len(re.findall(r'class="error" id="[a-z_]+-error"', body)) == 1
    session.expire_all()
    assert session.scalar(select(func.count()).select_from(Speaker)) == 0
    assert session.scalar(select(func.count()).select_from(AuditEntry)) == 0
    assert stored_photos(app) == before


def test_new_speaker_refuses_photo_over_upload_limit(client, session, app, organiser, monkeypatch):
    sign_in(client, "office@example.org")
    content = noisy_jpeg()
    monkeypatch.setitem(app.config, "MAX_UPLOAD_BYTES", len(content) - 1)
    data = form_data(client, "/manage/speakers/new", photo=(io.BytesIO(content), "big.jpg"))

    response = client.post("/manage/speakers/new?lang=en", data=data, content_type="multipart/form-data")

    assert response.status_code == 422
    assert "The photo is too large" in response.get_data(as_text=True)
    session.expire_all()
    assert session.scalar(select(func.count()).select_from(Speaker)) == 0


def test_new_speaker_refuses_post_without_csrf(client, session, organiser):
    sign_in(client, "office@example.org")

    response = client.post("/manage/speakers/new", data={"name": "Anna Berg", "main_language": "de"})

    assert response.status_code == 400
    session.expire_all()
    assert session.scalar(select(func.count()).select_from(Speaker)) == 0


def test_edit_speaker_changes_name_and_raises_sequence(client, session, app):
    event = make_event(session)
    make_user(session, email="office@example.org", manages=[event])
    speaker = add_speaker(session, app)
    item = make_session(session, event, speakers=[speaker])
    session.commit()
    sequence, speaker_id, item_id = item.sequence, speaker.id, item.id
    sign_in(client, "office@example.org")
    url = f"/manage/speakers/{speaker_id}/edit"
    assert 'value="Anna Berg"' in client.get(url).get_data(as_text=True)

    response = client.post(url, data=form_data(client, url, name="Anna Berg-Schulz"))

    assert (response.status_code, response.headers["Location"]) == (302, url)
    session.expire_all()
    speaker = session.get(Speaker, speaker_id)
    assert (speaker.name, session.get(type(item), item_id).sequence) == ("Anna Berg-Schulz", sequence + 1)
    entry = session.scalars(select(AuditEntry).where(AuditEntry.action == "speaker.update")).one()
    assert entry.changes["name"] == ["Anna Berg", "Anna Berg-Schulz"]


def test_edit_speaker_removes_photo(client, session, app, organiser):
    speaker = add_speaker(session, app, photo=image_bytes())
    session.commit()
    speaker_id, old_version = speaker.id, speaker.version
    file_name = Path(speaker.photo_path).name
    sign_in(client, "office@example.org")
    url = f"/manage/speakers/{speaker_id}/edit"
    assert 'name="remove_photo"' in client.get(url).get_data(as_text=True)

    response = client.post(url, data=form_data(client, url, remove_photo="y"))

    session.expire_all()
    speaker = session.get(Speaker, speaker_id)
    assert (response.status_code, speaker.photo_path, speaker.version) == (302, None, old_version + 1)
    assert file_name not in stored_photos(app)
    assert client.get(f"/speakers/{speaker_id}/photo.jpg").status_code == 404


def test_edit_speaker_permissions(client, session, app):
    mine, theirs = make_event(session), make_event(session)
    make_user(session, email="mine@example.org", manages=[mine])
    unused = add_speaker(session, app, "Unused")
    own = add_speaker(session, app, "Own")
    foreign = add_speaker(session, app, "Foreign")
    make_session(session, mine, speakers=[own])
    make_session(session, theirs, speakers=[foreign])
    session.commit()
    urls = [f"/manage/speakers/{speaker.id}/edit" for speaker in (unused, own, foreign)]

    assert [client.get(url).status_code for url in urls] == [302, 302, 302]
    sign_in(client, "mine@example.org")
    assert [client.get(url).status_code for url in urls] == [200, 200, 403]
    token = csrf_token(client, urls[0])
    assert client.post(urls[2], data={"name": "Hacked", "main_language": "de", "csrf_token": token}).status_code == 403
    listing = client.get("/manage/speakers/").get_data(as_text=True)
    assert re.findall(r'href="/manage/speakers/(\d+)/edit"', listing) == [str(own.id), str(unused.id)]
    session.expire_all()
    assert session.get(Speaker, foreign.id).name == "Foreign"


def test_edit_speaker_admin_may_edit_any(client, session, app):
    theirs = make_event(session)
    make_user(session, email="admin@example.org", role=UserRole.ADMIN)
    foreign = add_speaker(session, app, "Foreign")
    make_session(session, theirs, speakers=[foreign])
    session.commit()
    url = f"/manage/speakers/{foreign.id}/edit"
    sign_in(client, "admin@example.org")

    response = client.post(url, data=form_data(client, url, name="Foreign Speaker"))

    session.expire_all()
    assert (response.status_code, session.get(Speaker, foreign.id).name) == (302, "Foreign Speaker")


@pytest.mark.parametrize("speaker_id", ["0", "2147483648", "9" * 30])
def test_speaker_pages_answer_404_for_huge_ids(client, organiser, speaker_id):
    sign_in(client, "office@example.org")

    assert client.get(f"/manage/speakers/{speaker_id}/edit").status_code == 404
    assert client.get(f"/speakers/{speaker_id}/photo.jpg").status_code == 404


def test_photo_answers_404_without_photo_and_304_when_unchanged(client, session, app):
    bare = add_speaker(session, app, "Bare")
    pictured = add_speaker(session, app, "Pictured", photo=image_bytes())
    session.commit()

    first = client.get(f"/speakers/{pictured.id}/photo.jpg")
    again = client.get(f"/speakers/{pictured.id}/photo.jpg", headers={"If-None-Match": first.headers["ETag"]})

    assert client.get(f"/speakers/{bare.id}/photo.jpg").status_code == 404
    assert (first.status_code, first.headers["Cache-Control"], again.status_code) == (
        200, "public, max-age=300", 304
    )


@pytest.mark.parametrize("page", ["٣", "²", "9" * 400, "-1", "abc", "99999999999999999999"])
def test_speaker_list_survives_odd_page_numbers(client, session, app, organiser, page):
    add_speaker(session, app)
    session.commit()
    sign_in(client, "office@example.org")

    response = client.get("/manage/speakers/", query_string={"page": page})

    assert (response.status_code, response.headers["Cache-Control"]) == (200, "private, no-store")
    assert ">Anna Berg</td>" in response.get_data(as_text=True)


@pytest.mark.parametrize("query", ["\x00", "Anna\x00", "\r\n", "%" * 500])
def test_speaker_list_survives_odd_searches(client, session, app, organiser, query):
    add_speaker(session, app)
    session.commit()
    sign_in(client, "office@example.org")

    response = client.get("/manage/speakers/", query_string={"q": query})

    assert response.status_code == 200


def test_speaker_list_escapes_names_and_search(client, session, app, organiser):
    add_speaker(session, app, "<script>alert(1)</script>")
    session.commit()
    sign_in(client, "office@example.org")

    body = client.get("/manage/speakers/", query_string={"q": "<script>"}).get_data(as_text=True)

    assert "<script>alert" not in body
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in body


def test_speaker_list_query_count_does_not_grow(client, session, app, organiser, count_queries):
    event = make_event(session)
    make_session(session, event, speakers=[add_speaker(session, app, "One")])
    session.commit()
    sign_in(client, "office@example.org")
    session.expire_all()
    count_queries.statements.clear()
    client.get("/manage/speakers/")
    one = count_queries.count
    make_session(session, make_event(session), speakers=[add_speaker(session, app, "Two"),
                                                         add_speaker(session, app, "Three")])
    session.commit()
    session.expire_all()
    count_queries.statements.clear()
    client.get("/manage/speakers/")

    assert (one, count_queries.count) == (6, 6)


def test_event_page_shows_speaker_photo_with_name_as_alt(client, session, app):
    event = make_event(session, slug="isa-forum")
    pictured = add_speaker(session, app, "Li Wei", photo=image_bytes())
    bare = add_speaker(session, app, "Anna Berg")
    make_session(session, event, speakers=[pictured, bare])
    session.commit()

    body = client.get("/events/isa-forum/?lang=en").get_data(as_text=True)

    assert re.findall(r'<img class="speaker-photo" src="([^"]+)" alt="([^"]+)"', body) == [
        (f"/speakers/{pictured.id}/photo.jpg?v={pictured.version}", "Li Wei")
    ]


def test_directory_links_macro_links_both_lists(app):
    with app.test_request_context("/manage/?lang=en"):
        html = app.jinja_env.from_string(
            '{% from "speakers/_macros.html" import directory_links %}{{ directory_links() }}'
        ).render()

    assert re.findall(r'<a href="([^"]+)">', html) == ["/manage/speakers/", "/manage/cities/"]
