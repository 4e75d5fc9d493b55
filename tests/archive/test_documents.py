"""Organisers upload archive material; files are judged by content and served safely."""
from __future__ import annotations

import io
import re
import struct
import zipfile
import zlib
from pathlib import Path

import pytest
from sqlalchemy import select

from eventapp.archive.documents import DocumentData, add_document, check_upload, sniff_content_type
from eventapp.models import Document, DocumentKind, Event, EventStatus, Visibility
from eventapp.rules.errors import RuleError
from tests.archive.helpers import make_fachtagung_2021
from tests.factories import make_user

PDF = b"%PDF-1.4\n1 0 obj <</Type /Catalog /Pages 2 0 R>> endobj\n2 0 obj <</Type /Pages /Kids [] /Count 0>> endobj\ntrailer <</Root 1 0 R>>\n%%EOF\n"
HTML = b"<!doctype html><html><body><script>alert(document.cookie)</script></body></html>"
DOCX_TYPE = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"


def png_bytes() -> bytes:
    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    header = struct.pack(">IIBBBBB", 1, 1, 8, 2, 0, 0, 0)
    pixels = zlib.compress(b"\x00\xff\x00\x00")
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", pixels) + chunk(b"IEND", b"")


def docx_bytes(main: str = DOCX_TYPE + ".main+xml") -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("[Content_Types].xml", (
            '<?xml version="1.0"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
            f'<Override PartName="/word/document.xml" ContentType="{main}"/></Types>'))
        archive.writestr("word/document.xml", "<w:document/>")
    return buffer.getvalue()


def odt_bytes() -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr(zipfile.ZipInfo("mimetype"), "application/vnd.oasis.opendocument.text")
        archive.writestr("content.xml", "<office:document-content/>")
    return buffer.getvalue()


def plain_zip() -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("evil.html", HTML)
    return buffer.getvalue()


@pytest.mark.parametrize(("content", "expected"), [
    (PDF, "application/pdf"),
    (png_bytes(), "image/png"),
    (b"\xff\xd8\xff\xe0\x00\x10JFIF\x00", "image/jpeg"),
    (b"RIFF\x24\x00\x00\x00WEBPVP8 ", "image/webp"),
    (docx_bytes(), DOCX_TYPE),
    (docx_bytes("application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"),
     "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"),
    (odt_bytes(), "application/vnd.oasis.opendocument.text"),
    (HTML, None),
    (plain_zip(), None),
    (b"PK\x03\x04 not really a zip", None),
    (b"", None),
], ids=["pdf", "png", "jpeg", "webp", "docx", "xlsx", "odt", "html", "zip", "fake-zip", "empty"])
def test_sniff_content_type_by_bytes(content, expected):
    assert sniff_content_type(io.BytesIO(content)) == expected


@pytest.mark.parametrize(("content", "name"), [
    (HTML, "report.pdf"),
    (png_bytes(), "report.pdf"),
    (plain_zip(), "minutes.docx"),
    (b"", "empty.pdf"),
], ids=["html-as-pdf", "png-as-pdf", "zip-as-docx", "empty"])
def test_check_upload_refuses(content, name):
    with pytest.raises(RuleError):
        check_upload(io.BytesIO(content), name, 1_000_000)


def test_check_upload_refuses_too_large():
    with pytest.raises(RuleError) as error:
        check_upload(io.BytesIO(PDF), "report.pdf", len(PDF) - 1)
    assert error.value.field == "file"


def test_add_document_stores_file_under_generated_name(session, app):
    event = make_fachtagung_2021(session)

    document = add_document(session, event, DocumentData(
        kind=DocumentKind.REPORT, title={"de": "Bericht"}, filename="../../Bericht Fachtagung ö.PDF",
        stream=io.BytesIO(PDF)), app.config["UPLOAD_FOLDER"], 1_000_000)

    stored = Path(app.config["UPLOAD_FOLDER"]) / "documents" / document.stored_name
    assert re.fullmatch(r"[0-9a-f]{32}\.pdf", document.stored_name)
    assert (document.original_filename, document.content_type, document.size_bytes) == (
        "Bericht-Fachtagung-o.pdf", "application/pdf", len(PDF))
    assert stored.read_bytes() == PDF


def test_add_document_refuses_photo_that_is_not_an_image(session, app):
    event = make_fachtagung_2021(session)

    with pytest.raises(RuleError):
        add_document(session, event, DocumentData(
            kind=DocumentKind.PHOTO, title={"de": "Foto"}, filename="foto.pdf", stream=io.BytesIO(PDF)),
            app.config["UPLOAD_FOLDER"], 1_000_000)


def test_add_document_refuses_http_link(session, app):
    event = make_fachtagung_2021(session)

    with pytest.raises(RuleError):
        add_document(session, event, DocumentData(
            kind=DocumentKind.RECORDING, title={"de": "Mitschnitt"}, url="http://example.org/video"),
            app.config["UPLOAD_FOLDER"], 1_000_000)


# --- routes -----------------------------------------------------------------------------


def csrf_token(client, path):
    body = client.get(path).get_data(as_text=True)
    return re.search(r'name="csrf_token"[^>]*value="([^"]+)"', body).group(1)


def sign_in(client, session, **overrides):
    """Signs in an organiser assigned to the demo's fachtagung-2021 (the `event` fixture)."""
    event = session.scalar(select(Event).where(Event.slug == "fachtagung-2021"))
    make_user(session, email="office@example.org", manages=[event], **overrides)
    session.commit()
    response = client.post("/auth/login", data={
        "email": "office@example.org", "password": "correct horse battery",
        "csrf_token": csrf_token(client, "/auth/login")})
    assert response.status_code == 302


def upload(client, content, name, **fields):
    path = "/manage/events/fachtagung-2021/documents"
    data = {"kind": "report", "title_de": "Bericht", "visibility": "public",
            "csrf_token": csrf_token(client, path), "file": (io.BytesIO(content), name)}
    data.update(fields)
    return client.post(path, data=data, content_type="multipart/form-data")


@pytest.fixture
def event(session):
    event = make_fachtagung_2021(session)
    session.commit()
    return event


def test_upload_page_requires_sign_in(client, event):
    response = client.get("/manage/events/fachtagung-2021/documents")

    assert response.status_code == 302
    assert response.headers["Location"].startswith("/auth/login")


def test_upload_without_csrf_token_is_400(client, session, event):
    sign_in(client, session)

    response = client.post("/manage/events/fachtagung-2021/documents", data={
        "kind": "report", "title_de": "Bericht", "visibility": "public", "file": (io.BytesIO(PDF), "a.pdf")},
        content_type="multipart/form-data")

    assert response.status_code == 400


def test_upload_pdf_then_download_it(client, session, event, app):
    sign_in(client, session)

    response = upload(client, PDF, "Bericht.pdf")

    assert response.status_code == 302
    document = session.scalar(select(Document))
    download = client.get(f"/documents/{document.id}/Bericht.pdf")
    assert download.status_code == 200
    assert download.data == PDF
    assert download.headers["Content-Type"] == "application/pdf"
    assert download.headers["Content-Disposition"] == "attachment; filename=Bericht.pdf"
    assert download.headers["X-Content-Type-Options"] == "nosniff"


def test_upload_html_disguised_as_pdf_is_refused(client, session, event, app):
    sign_in(client, session)

    response = upload(client, HTML, "report.pdf")

    assert response.status_code == 422
    assert '<p class="error" id="file-error">' in response.get_data(as_text=True)
    assert session.scalar(select(Document)) is None
    assert list((Path(app.config["UPLOAD_FOLDER"]) / "documents").glob("*.html")) == []


def test_upload_larger_than_limit_is_refused(client, session, event, app, monkeypatch):
    monkeypatch.setitem(app.config, "MAX_UPLOAD_BYTES", 100)
    sign_in(client, session)

    response = upload(client, PDF + b" " * 200, "report.pdf")

    assert response.status_code == 422
    assert session.scalar(select(Document)) is None


def test_photo_is_served_inline_and_shown_on_event_page(client, session, event):
    sign_in(client, session)
    upload(client, png_bytes(), "gruppe.png", kind="photo", title_de="Gruppenfoto")
    client.post("/auth/logout", data={"csrf_token": csrf_token(client, "/archive/")})
    document = session.scalar(select(Document))

    image = client.get(f"/documents/{document.id}/gruppe.png")
    page = client.get("/events/fachtagung-2021/").get_data(as_text=True)

    assert (image.status_code, image.headers["Content-Type"]) == (200, "image/png")
    assert image.headers["Content-Disposition"] == "inline; filename=gruppe.png"
    assert f'<img src="/documents/{document.id}/gruppe.png" alt="Gruppenfoto"' in page


def test_participants_only_document_is_not_served_publicly(client, session, event, app):
    document = add_document(session, event, DocumentData(
        kind=DocumentKind.MINUTES, title={"de": "Protokoll"}, visibility=Visibility.PARTICIPANTS,
        filename="protokoll.pdf", stream=io.BytesIO(PDF)), app.config["UPLOAD_FOLDER"], 1_000_000)
    session.commit()
    path = f"/documents/{document.id}/protokoll.pdf"

    anonymous = client.get(path)
    sign_in(client, session)
    organiser = client.get(path)

    assert anonymous.status_code == 404
    assert (organiser.status_code, organiser.headers["Cache-Control"]) == (200, "private, no-store")


def test_public_document_of_draft_event_is_not_served(client, session, event, app):
    document = add_document(session, event, DocumentData(
        kind=DocumentKind.REPORT, title={"de": "Bericht"}, filename="bericht.pdf", stream=io.BytesIO(PDF)),
        app.config["UPLOAD_FOLDER"], 1_000_000)
    event.status = EventStatus.DRAFT
    session.commit()

    assert client.get(f"/documents/{document.id}/bericht.pdf").status_code == 404


def test_unknown_document_is_404(client):
    assert client.get("/documents/999/x.pdf").status_code == 404


def test_remove_document_deletes_file(client, session, event, app):
    sign_in(client, session)
    upload(client, PDF, "weg.pdf")
    document = session.scalar(select(Document))
    stored = Path(app.config["UPLOAD_FOLDER"]) / "documents" / document.stored_name
    path = f"/manage/events/fachtagung-2021/documents/{document.id}/delete"

    token = csrf_token(client, "/manage/events/fachtagung-2021/documents")

    asked = client.post(path, data={"csrf_token": token})
    kept = (session.scalar(select(Document)) is not None, stored.exists())
    response = client.post(path, data={"csrf_token": token, "confirm": "1"})

    session.expire_all()
    assert (asked.status_code, 'data-confirm-page="remove-document"' in asked.get_data(as_text=True), kept) == (
        200, True, (True, True))
    assert response.status_code == 302
    assert (session.scalar(select(Document)), stored.exists()) == (None, False)


def lzma_bomb(megabytes: int) -> bytes:
    """A docx whose one entry unpacks to `megabytes` MiB of zeros (a few KB packed)."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_LZMA) as archive:
        archive.writestr("[Content_Types].xml", (
            '<?xml version="1.0"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
            f'<Override PartName="/word/document.xml" ContentType="{DOCX_TYPE}.main+xml"/></Types>'))
        with archive.open("word/media/zeros.bin", "w", force_zip64=True) as handle:
            block = bytes(1 << 20)
            for _ in range(megabytes):
                handle.write(block)
    return buffer.getvalue()


def test_check_upload_refuses_zip_bomb_with_bounded_memory():
    import tracemalloc

    bomb = lzma_bomb(40)
    tracemalloc.start()
    with pytest.raises(RuleError) as caught:
        check_upload(io.BytesIO(bomb), "bericht.docx", 20 * 1024 * 1024)
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    assert (len(bomb) < 20_000, str(caught.value.message)) == (
        True, "This office file unpacks to far more than its size and is refused.")
    # LZMA's 8 MiB dictionary plus chunks of 64 KiB; the 40 MiB entry is never held whole.
    assert peak < 12 * 1024 * 1024


def test_check_upload_refuses_zip_whose_headers_understate_sizes():
    honest = lzma_bomb(1)
    # Declare 100 bytes for the big entry in both headers: unpacking stops there and the
    # CRC no longer matches, so the file is refused instead of trusted.
    lying = honest.replace(struct.pack("<I", 1 << 20), struct.pack("<I", 100))
    assert lying != honest
    with pytest.raises(RuleError):
        check_upload(io.BytesIO(lying), "bericht.docx", 20 * 1024 * 1024)


def test_check_upload_accepts_an_ordinary_docx():
    assert check_upload(io.BytesIO(docx_bytes()), "bericht.docx", 1024 * 1024)[0] == DOCX_TYPE
