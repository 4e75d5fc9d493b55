"""CSV import of an agenda: the service (all lines checked, all or nothing) and its page."""
from __future__ import annotations

import io
import re

import pytest
from flask_babel import force_locale

from eventapp.agenda import services
from eventapp.agenda.importing import (
    MAX_IMPORT_BYTES,
    MAX_IMPORT_LINES,
    ImportFileError,
    decode_upload,
    import_agenda_csv,
    template_csv,
)
from eventapp.extensions import db
from eventapp.models import (
    AuditEntry,
    EventSession,
    EventStatus,
    SessionDraft,
    SessionKind,
    Speaker,
    UserRole,
)
from tests.factories import make_event, make_session, make_user
from tests.manage.test_routes import sign_in


def run_import(session, event, text):
    """The import, its messages in English."""
    with force_locale("en"):
        return import_agenda_csv(session, event, text, None)

HEADER = "date,start,end,kind,title_de,title_en,room,speakers,interpretation,capacity"
GOOD = (
    f"{HEADER}\n"
    "2027-01-14,09:00,09:45,talk,Begrüßung,Welcome,Saal 1,Anna Schmidt (Stadt Aachen),ja,\n"
    "2027-01-14,10:00,11:00,panel,Podium Wasserstoff,Hydrogen panel,Saal 1,"
    "\"Anna Schmidt (Stadt Aachen); Li Wei (Foshan)\",yes,40\n"
    "2027-01-14,11:00,11:30,break,Kaffeepause,Coffee break,Foyer,,no,\n"
)


def test_import_on_draft_event_adds_items_at_once(session):
    event = make_event(session, status=EventStatus.DRAFT)

    report = run_import(session, event, GOOD)

    items = session.query(EventSession).order_by(EventSession.starts_at).all()
    assert (report.created, report.errors, report.warnings) == (3, [], [])
    assert [(i.text("title", "de"), i.kind, i.room, i.has_interpretation, i.capacity) for i in items] == [
        ("Begrüßung", SessionKind.TALK, "Saal 1", True, None),
        ("Podium Wasserstoff", SessionKind.PANEL, "Saal 1", True, 40),
        ("Kaffeepause", SessionKind.BREAK, "Foyer", False, None),
    ]
    assert [s.name for s in items[1].speakers] == ["Anna Schmidt", "Li Wei"]
    assert (items[0].starts_at.hour, items[0].speakers[0].affiliation) == (8, "Stadt Aachen")  # 09:00 Berlin
    assert session.query(Speaker).count() == 2
    assert [entry.action for entry in session.query(AuditEntry).order_by(AuditEntry.id)] == [
        "session.create", "session.create", "session.create", "agenda.import"]


def test_import_on_published_event_makes_drafts(session):
    event = make_event(session)

    report = run_import(session, event, GOOD)

    assert (report.created, services.count_drafts(session, event), session.query(EventSession).count()) == (3, 3, 0)


def test_import_with_one_bad_line_imports_nothing(session):
    event = make_event(session, status=EventStatus.DRAFT)
    text = GOOD + "2027-01-14,12:00,11:00,talk,Rückwärts,,Saal 2,,,\n" + \
        "2027-01-14,13:00,14:00,lecture,Falsche Art,,Saal 2,Neu (Org),,\n"

    report = run_import(session, event, text)

    assert report.errors == [
        "Line 5: The end must be after the start.",
        "Line 6: “lecture” is not a kind of item; use one of: talk, panel, break, networking, "
        "site_visit, b2b_meetings.",
    ]
    assert (report.created, session.query(EventSession).count(), session.query(Speaker).count()) == (0, 0, 0)


def test_import_reports_conflicts_among_its_own_lines(session):
    event = make_event(session, status=EventStatus.DRAFT)
    text = (
        "date;start;end;kind;title_de;room;speakers\n"
        "2027-01-14;09:00;10:00;talk;Erster;Saal 1;Li Wei\n"
        "2027-01-14;09:30;10:30;talk;Zweiter;Saal 1;\n"
        "2027-01-14;09:30;10:30;talk;Dritter;Saal 2;Li Wei\n"
    )

    report = run_import(session, event, text)

    assert report.errors == [
        "Line 3: Saal 1 is used twice at once: “Erster” and “Zweiter”.",
        "Line 4: Li Wei would be in two places at once: “Erster” and “Dritter”.",
    ]
    assert session.query(EventSession).count() == 0


def test_import_conflict_with_saved_item_names_the_line(session):
    event = make_event(session, status=EventStatus.DRAFT)
    make_session(session, event, title={"de": "Schon da"}, room="Saal 1")
    text = "date,start,end,kind,title_de,room\n2027-01-14,09:30,10:30,talk,Neu,Saal 1\n"

    report = run_import(session, event, text)

    assert report.errors == ["Line 2: Saal 1 is used twice at once: “Schon da” and “Neu”."]


def test_import_lists_warnings_but_imports(session):
    event = make_event(session, status=EventStatus.DRAFT)
    text = ("date,start,end,kind,title_de,room\n2027-01-14,09:00,10:00,talk,Vortrag,Saal 1\n"
            "2027-01-14,09:30,10:00,break,Kaffee,Saal 1\n")

    report = run_import(session, event, text)

    assert (report.created, report.errors) == (2, [])
    assert report.warnings == ["Line 3: The break “Kaffee” overlaps “Vortrag” in Saal 1."]


def test_import_reads_bom_and_semicolons(session):
    event = make_event(session, status=EventStatus.DRAFT)
    raw = "\ufeffdate;start;end;kind;title_de;description_de\n" \
          "2027-01-14;09:00;10:00;talk;Grüße aus Köln;\"Zwei\nZeilen\"\n"

    report = run_import(session, event, decode_upload(raw.encode("utf-8")))

    item = session.query(EventSession).one()
    assert (report.created, item.text("title", "de"), item.description_i18n) == (
        1, "Grüße aus Köln", {"de": "Zwei\nZeilen"})


def test_import_refuses_missing_and_unknown_columns_in_one_message(session):
    event = make_event(session, status=EventStatus.DRAFT)
    with pytest.raises(ImportFileError) as caught:
        run_import(session, event, "date,start,kind,title_de,farbe\n2027-01-14,09:00,talk,X,rot\n")
    with force_locale("en"):
        message = str(caught.value)
    assert message.startswith(
        "The header row does not fit (missing columns: end; unknown columns: farbe). Expected the columns: date, "
    )


def test_import_refuses_line_breaks_in_one_line_cells(session):
    event = make_event(session, status=EventStatus.DRAFT)
    text = 'date,start,end,kind,title_de\n2027-01-14,09:00,10:00,talk,"Zwei\nZeilen"\n'
    report = run_import(session, event, text)
    assert report.errors == ["Line 2: The column title_de must be one line."]


def test_import_refuses_bad_values_with_their_column(session):
    event = make_event(session, status=EventStatus.DRAFT)
    text = (
        "date,start,end,kind,title_de,language,interpretation,capacity,join_url\n"
        "14.01.2027,09:00,10:00,talk,A,,,,\n"
        "2027-01-14,9 Uhr,10:00,talk,B,,,,\n"
        "2027-01-14,09:00,10:00,talk,C,fr,,,\n"
        "2027-01-14,09:00,10:00,talk,D,,vielleicht,,\n"
        "2027-01-14,09:00,10:00,talk,E,,,-3,\n"
        "2027-01-14,09:00,10:00,talk,F,,,,http://zoom.us/j/1\n"
        "2027-01-14,09:00,10:00,talk,,,,,\n"
        "2027-01-14,20:00,21:00,talk,H,,,,\n"
        "2027-01-14,09:00,10:00,talk,I,,,,,extra\n"
    )

    report = run_import(session, event, text)

    assert report.errors == [
        "Line 2: “14.01.2027” is not a date like 2027-01-14.",
        "Line 3: “9 Uhr” in the column start is not a time like 09:30.",
        "Line 4: “fr” is not a language; use de, en or zh.",
        "Line 5: “vielleicht” in the column interpretation is neither yes nor no.",
        "Line 6: “-3” is not a capacity (a whole number from 0).",
        "Line 7: Only https:// links are accepted.",
        "Line 8: A text in the main language is required.",
        "Line 9: A session must lie within the dates of its event.",
        "Line 10: The line has 10 cells but the header only 9.",
    ]


def test_import_refuses_more_than_the_line_limit(session):
    event = make_event(session, status=EventStatus.DRAFT)
    text = "date,start,end,kind,title_de\n" + "2027-01-14,09:00,10:00,talk,X\n" * (MAX_IMPORT_LINES + 1)
    with pytest.raises(ImportFileError) as caught:
        run_import(session, event, text)
    with force_locale("en"):
        assert str(caught.value) == "The file has more than 500 lines; split it."


@pytest.mark.parametrize(("data", "message"), [
    (b"date,start\n\xff\xfe", "The file is not UTF-8 encoded. Save it as “CSV UTF-8” and try again."),
    (b"date,start\x00,end\n", "The file contains NUL bytes: it is not a text file. Save it as CSV (UTF-8)."),
    (b"x" * (MAX_IMPORT_BYTES + 1), "The file is too large (at most 1024 KB)."),
    (b"\n\n", "The file is empty."),
])
def test_decode_upload_refuses_unreadable_files(app_ctx, data, message):
    with force_locale("en"), pytest.raises(ImportFileError) as caught:
        decode_upload(data)
    with force_locale("en"):
        assert str(caught.value) == message


def test_template_imports_cleanly(session):
    event = make_event(session, status=EventStatus.DRAFT)
    report = run_import(session, event, template_csv())
    assert (report.created, report.errors) == (2, [])


# --- The page -------------------------------------------------------------------------------


def _csrf(client, path):
    body = client.get(path).get_data(as_text=True)
    return re.search(r'name="csrf_token"[^>]*value="([^"]+)"', body).group(1)


def _upload(client, slug, data: bytes, name="agenda.csv"):
    path = f"/manage/events/{slug}/agenda/import"
    return client.post(f"{path}?lang=en", data={"csrf_token": _csrf(client, path), "file": (io.BytesIO(data), name)},
                       content_type="multipart/form-data")


def make_people(app, slug: str) -> None:
    """An event and four kinds of visitor, committed outside any app context of the test
    (a shared app context would share flask_login's user between the test clients)."""
    with app.app_context():
        event = make_event(db.session, slug=slug)
        make_user(db.session, email="other@example.org")
        make_user(db.session, email="assigned@example.org", manages=[event])
        make_user(db.session, email="admin@example.org", role=UserRole.ADMIN)
        db.session.commit()
        db.session.remove()


@pytest.fixture
def organiser(app, client):
    """An organiser of the published event "fachtagung", signed in."""
    make_people(app, "fachtagung")
    sign_in(client, "assigned@example.org")


def counts(app) -> tuple[int, int, int]:
    """(drafts, programme items, speakers) as committed."""
    with app.app_context():
        try:
            return (db.session.query(SessionDraft).count(), db.session.query(EventSession).count(),
                    db.session.query(Speaker).count())
        finally:
            db.session.remove()


def test_import_page_imports_a_good_file_as_drafts(app, client, organiser):
    response = _upload(client, "fachtagung", GOOD.encode())

    assert response.status_code == 302
    assert response.headers["Location"] in ("/manage/events/fachtagung/agenda/",
                                            "/manage/events/fachtagung/agenda/import")
    assert counts(app) == (3, 0, 2)
    page = client.get("/manage/events/fachtagung/agenda/import?lang=en").get_data(as_text=True)
    assert "3 programme items imported; they wait for the next release." in page


def test_import_page_reports_bad_lines_with_422_and_keeps_nothing(app, client, organiser):
    text = GOOD + "2027-01-14,12:00,11:00,talk,Rückwärts,,Saal 2,,,\n"

    response = _upload(client, "fachtagung", text.encode())

    body = response.get_data(as_text=True)
    assert response.status_code == 422
    assert re.findall(r"<li>(Line [^<]*)</li>", body) == ["Line 5: The end must be after the start."]
    assert counts(app) == (0, 0, 0)


def test_import_page_refuses_non_utf8_and_huge_files_with_422(client, organiser):
    latin = _upload(client, "fachtagung", "date,start,end,kind,title_de\nMünchen".encode("latin-1"))
    huge = _upload(client, "fachtagung", b"a" * (MAX_IMPORT_BYTES + 10))
    missing = client.post("/manage/events/fachtagung/agenda/import?lang=en",
                          data={"csrf_token": _csrf(client, "/manage/events/fachtagung/agenda/import")})
    assert (latin.status_code, huge.status_code, missing.status_code) == (422, 422, 422)
    assert "Choose a CSV file." in missing.get_data(as_text=True)


def test_import_template_download(client, organiser):
    response = client.get("/manage/events/fachtagung/agenda/import/template.csv")
    text = response.get_data(as_text=True)
    assert (response.status_code, response.mimetype) == (200, "text/csv")
    assert response.headers["Content-Disposition"] == 'attachment; filename="fachtagung-agenda.csv"'
    assert len(text.strip().splitlines()) == 3
    assert text.startswith("\ufeffdate,start,end,kind,title_de,title_en,title_zh,room,language,speakers,")


def status_as(app, email, url):
    """The status of a GET in a fresh client, signed in as `email` (None: anonymous)."""
    client = app.test_client()
    if email:
        sign_in(client, email)
    response = client.get(url)
    return response.status_code, response.headers.get("Location", "").split("?")[0]


@pytest.mark.parametrize("path", ["/import", "/import/template.csv"])
def test_import_routes_check_permissions(app, path):
    make_people(app, "geheim")
    url = f"/manage/events/geheim/agenda{path}"
    assert [status_as(app, email, url) for email in
            (None, "other@example.org", "assigned@example.org", "admin@example.org")] == [
        (302, "/auth/login"), (403, ""), (200, ""), (200, "")]
