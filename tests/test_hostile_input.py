"""Ids out of range and digits that are not ASCII never reach the database as numbers."""
import pytest

from eventapp.rules.validation import parse_number


@pytest.mark.parametrize("path", [
    "/events/isa-forum/sessions/99999999999999999999999.ics",
    "/events/isa-forum/sessions/2147483648/",
    "/events/isa-forum/sessions/2147483648/join",
    "/documents/99999999999999999999/x.pdf",
    "/join/sometoken/2147483648",
])
def test_path_ids_beyond_32_bits_are_404(client, path):
    assert client.get(path).status_code == 404


@pytest.mark.parametrize("query", ["year=%C2%B2", "page=%C2%B2", "page=99999999999999999999", "year=%D9%A3"])
def test_archive_ignores_numbers_that_are_not_ascii_digits(client, query):
    assert client.get(f"/archive/?{query}").status_code == 200


@pytest.mark.parametrize(("value", "expected"), [
    ("12", 12), ("0", None), ("²", None), ("٣", None), ("2147483648", None), ("", None), (None, None),
    (" 1", None), ("00000000007", None),
])
def test_parse_number_takes_ascii_digits_within_bounds(value, expected):
    assert parse_number(value) == expected


def test_links_from_the_request_path_stay_on_this_site(client):
    body = client.get("/%5Cevil.example/").get_data(as_text=True)
    assert ("evil.example" in body, 'href="/?lang=en"' in body) == (False, True)


def test_404_page_does_not_echo_the_slug(client):
    body = client.get("/events/no-such-event-xyzzy/").get_data(as_text=True)
    assert "xyzzy" not in body


def test_language_links_keep_the_path_and_query_of_real_pages(client):
    body = client.get("/archive/?q=Foshan").get_data(as_text=True)
    assert 'href="/archive/?q=Foshan&amp;lang=en"' in body


@pytest.mark.parametrize("path", ["/events/isa%00forum/", "/cities/a%00b/", "/calendar/t%00k.ics"])
def test_nul_byte_in_path_is_404(client, path):
    assert client.get(path).status_code == 404


def test_nul_byte_in_a_form_field_is_a_field_error(session, client):
    import re

    from tests.factories import make_user

    make_user(session, email="office@example.org")
    session.commit()
    body = client.get("/auth/login").get_data(as_text=True)
    token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', body).group(1)
    response = client.post("/auth/login?lang=en", data={
        "email": "office\x00@example.org", "password": "correct horse battery", "csrf_token": token})
    assert (response.status_code,
            "This field contains a character that is not allowed." in response.get_data(as_text=True)) == (
        422, True)


def test_form_fields_carry_no_none_attributes(client):
    body = client.get("/auth/login").get_data(as_text=True)
    assert ('="None"' in body, 'aria-invalid' in body) == (False, False)


def test_labels_of_equal_values_in_different_enums_stay_apart(app):
    from eventapp.labels import label
    from eventapp.models import OrganisationKind, VideoPlatform

    with app.test_request_context("/?lang=en"):
        assert (label(OrganisationKind.OTHER), label(VideoPlatform.OTHER)) == ("Other", "Other video platform")


def test_csv_export_quotes_every_cell_so_semicolons_start_no_formula():
    import csv
    import io

    from eventapp.registrations.exports import to_csv

    data = to_csv([["Name", "Notes"], ["Li;=HYPERLINK(\"http://x\")", "=1+1"]]).decode("utf-8-sig")
    german = list(csv.reader(io.StringIO(data), delimiter=";"))
    assert data.splitlines()[1] == '"Li;=HYPERLINK(""http://x"")","\'=1+1"'
    assert all(not cell.startswith(("=", "+", "-", "@")) for row in german for cell in row)


@pytest.mark.parametrize("field", ["first_name", "last_name", "position"])
def test_registration_refuses_line_breaks_in_one_line_fields(session, client, field):
    from sqlalchemy import func, select

    from eventapp.models import Registration
    from tests.registrations.support import open_event, post_registration

    event = open_event(session)
    session.commit()
    client.get("/?lang=en")  # remembered in a cookie
    response = post_registration(client, event, **{field: "Anna\r\nBcc: victim@example.org"})
    assert (response.status_code, session.scalar(select(func.count()).select_from(Registration)),
            "Please write this on one line." in response.get_data(as_text=True)) == (422, 0, True)


@pytest.mark.parametrize("path", ["/registrations/", "/registrations/export.csv"])
def test_registration_list_ignores_a_nul_byte_in_its_search(session, client, path):
    from tests.admin.support import sign_in
    from tests.factories import make_user
    from tests.registrations.support import open_event, sign_up

    event = open_event(session)
    sign_up(session, event, first_name="Wei")
    make_user(session, email="office@example.org", manages=[event])
    session.commit()
    sign_in(client, "office@example.org")
    response = client.get(f"/manage/events/{event.slug}{path}?q=We%00i")
    assert (response.status_code, "Wei" in response.get_data(as_text=True)) == (200, True)


def test_archive_indexes_a_report_with_a_word_too_long_for_postgresql(session):
    from eventapp.archive.services import ArchiveFilters, search_archive
    from tests.archive.helpers import make_fachtagung_2021

    event = make_fachtagung_2021(session)
    session.commit()
    event.report_i18n = {"de": "Wasserstoff " + "w" * 10_000}
    session.commit()
    found = search_archive(session, ArchiveFilters(q="Wasserstoff")).events
    assert [item.slug for item in found] == ["fachtagung-2021"]
