"""Archive material: files organisers upload (reports, slides, photos) and recording links.

A file's type is decided by its content, never by its name or the browser's word: PDF and
images by their magic bytes, office documents by the zip container's manifest
([Content_Types].xml for Office Open XML, the `mimetype` entry for OpenDocument). The name
must agree with the content. Files are stored under UPLOAD_FOLDER/documents with a random
name; the original name is kept only for the download.
"""
from __future__ import annotations

import bz2
import copy
import lzma
import os
import re
import secrets
import unicodedata
import zipfile
import zlib
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO

from flask_babel import lazy_gettext as _l
from sqlalchemy import select
from sqlalchemy.orm import Session

from eventapp.models import Document, DocumentKind, Event, Visibility
from eventapp.rules import validation
from eventapp.rules.errors import RuleError

SUBFOLDER = "documents"

# content type -> (extension used for the stored and served name, extensions accepted)
FILE_TYPES: dict[str, tuple[str, tuple[str, ...]]] = {
    "application/pdf": ("pdf", ("pdf",)),
    "image/png": ("png", ("png",)),
    "image/jpeg": ("jpg", ("jpg", "jpeg")),
    "image/webp": ("webp", ("webp",)),
    "application/vnd.openxmlformats-officedocument.wordprocessingml.document": ("docx", ("docx",)),
    "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet": ("xlsx", ("xlsx",)),
    "application/vnd.openxmlformats-officedocument.presentationml.presentation": ("pptx", ("pptx",)),
    "application/vnd.oasis.opendocument.text": ("odt", ("odt",)),
    "application/vnd.oasis.opendocument.spreadsheet": ("ods", ("ods",)),
    "application/vnd.oasis.opendocument.presentation": ("odp", ("odp",)),
}
IMAGE_TYPES = {"image/png", "image/jpeg", "image/webp"}
# The main part's content type in [Content_Types].xml names the kind of OOXML file.
OOXML_MAIN_PARTS = {
    "application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml":
        "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml":
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "application/vnd.openxmlformats-officedocument.presentationml.presentation.main+xml":
        "application/vnd.openxmlformats-officedocument.presentationml.presentation",
}
MANIFEST_LIMIT = 512 * 1024
# Office files are zip containers: their entries are unpacked in bounded chunks and their
# real (not declared) sizes summed; past this budget the file is refused as a zip bomb.
# A real 20 MB presentation unpacks to a few times its size; a bomb, to thousands.
UNPACK_RATIO = 25
UNPACK_MINIMUM = 32 * 1024 * 1024
UNPACK_CHUNK = 64 * 1024
ZIP_MAX_ENTRIES = 5000
LZMA_MAX_DICTIONARY = 64 * 1024 * 1024

UNKNOWN_TYPE = _l("This file type is not accepted. Upload a PDF, an image (PNG, JPEG, WebP) or an office document (Word, Excel, PowerPoint, OpenDocument).")
NAME_MISMATCH = _l("The file's name does not match its content (the content is %(kind)s).")
TOO_LARGE = _l("The file is too large: at most %(megabytes)s MB.")
EMPTY_FILE = _l("The file is empty.")
FILE_OR_LINK = _l("Upload a file or give a link, not both.")
NEED_FILE_OR_LINK = _l("Upload a file or give a link.")
PHOTO_NEEDS_IMAGE = _l("A photo must be an image file (PNG, JPEG or WebP).")
ZIP_TOO_BIG = _l("This office file unpacks to far more than its size and is refused.")


def _read_bounded(archive: zipfile.ZipFile, name: str, limit: int) -> bytes | None:
    """An entry's bytes, read in one bounded call; None when it holds more than `limit`."""
    with archive.open(name) as handle:
        data = handle.read(limit + 1)
    return None if len(data) > limit else data


def _zip_content_type(stream: BinaryIO) -> str | None:
    try:
        with zipfile.ZipFile(stream) as archive:
            names = set(archive.namelist())
            if "mimetype" in names:
                raw = _read_bounded(archive, "mimetype", 200)
                if raw is not None:
                    mimetype = raw.decode("ascii", "replace").strip()
                    if mimetype in FILE_TYPES and mimetype.startswith("application/vnd.oasis"):
                        return mimetype
            if "[Content_Types].xml" in names:
                raw = _read_bounded(archive, "[Content_Types].xml", MANIFEST_LIMIT)
                if raw is not None:
                    manifest = raw.decode("utf-8", "replace")
                    for main_part, content_type in OOXML_MAIN_PARTS.items():
                        if f'ContentType="{main_part}"' in manifest:
                            return content_type
    except (zipfile.BadZipFile, KeyError, OSError, ValueError, EOFError):
        return None
    return None


class _Budget:
    """Counts unpacked bytes across a container's entries; refuses past its limit."""

    def __init__(self, limit: int) -> None:
        self.limit = limit
        self.total = 0

    def add(self, count: int) -> None:
        self.total += count
        if self.total > self.limit:
            raise RuleError("file", ZIP_TOO_BIG)


def _lzma_decompressor(raw: BinaryIO) -> lzma.LZMADecompressor:
    """The raw LZMA1 decompressor of a zip entry (after its 4-byte version and size header)."""
    header = raw.read(4)
    if len(header) != 4:
        raise EOFError
    properties = raw.read(int.from_bytes(header[2:4], "little"))
    if len(properties) != 5 or properties[0] >= 9 * 5 * 5:
        raise ValueError("bad LZMA properties")
    pb, rest = divmod(properties[0], 45)
    lp, lc = divmod(rest, 9)
    dict_size = int.from_bytes(properties[1:5], "little")
    # The dictionary is the decompressor's memory; raw LZMA takes no memlimit, so bound it.
    if dict_size > LZMA_MAX_DICTIONARY:
        raise ValueError("LZMA dictionary too large")
    lzma_filter = {"id": lzma.FILTER_LZMA1, "lc": lc, "lp": lp, "pb": pb, "dict_size": dict_size}
    return lzma.LZMADecompressor(lzma.FORMAT_RAW, filters=[lzma_filter])


def _unpack_counting(raw: BinaryIO, compress_type: int, budget: _Budget) -> None:
    """Unpack one entry's compressed bytes in bounded steps, counting what comes out.

    zipfile itself unpacks LZMA and bzip2 entries without an output bound (a 6 KB chunk
    can become 40 MB at once), so the entry is read raw and every decompress call is
    capped at UNPACK_CHUNK bytes of output.
    """
    if compress_type == zipfile.ZIP_STORED:
        while chunk := raw.read(UNPACK_CHUNK):
            budget.add(len(chunk))
        return
    if compress_type == zipfile.ZIP_DEFLATED:
        inflater = zlib.decompressobj(-15)
        while chunk := raw.read(UNPACK_CHUNK):
            while chunk:
                budget.add(len(inflater.decompress(chunk, UNPACK_CHUNK)))
                chunk = inflater.unconsumed_tail
        return
    decompressor: bz2.BZ2Decompressor | lzma.LZMADecompressor
    if compress_type == zipfile.ZIP_BZIP2:
        decompressor = bz2.BZ2Decompressor()
    elif compress_type == zipfile.ZIP_LZMA:
        decompressor = _lzma_decompressor(raw)
    else:
        raise NotImplementedError(compress_type)
    while not decompressor.eof:
        chunk = raw.read(UNPACK_CHUNK) if decompressor.needs_input else b""
        if decompressor.needs_input and not chunk:
            break
        budget.add(len(decompressor.decompress(chunk, max_length=UNPACK_CHUNK)))


def check_zip_expansion(stream: BinaryIO, size: int) -> None:
    """Refuses a zip container whose entries unpack past UNPACK_RATIO times its size (at
    least UNPACK_MINIMUM), with too many entries, encrypted or of unknown compression.
    Sizes are counted while unpacking in bounded steps, never taken from the headers, so a
    bomb costs bounded time and memory."""
    budget = _Budget(max(UNPACK_MINIMUM, size * UNPACK_RATIO))
    stream.seek(0)
    try:
        with zipfile.ZipFile(stream) as archive:
            entries = archive.infolist()
            if len(entries) > ZIP_MAX_ENTRIES:
                raise RuleError("file", ZIP_TOO_BIG)
            for info in entries:
                if info.flag_bits & 0x1:
                    raise RuleError("file", UNKNOWN_TYPE)
                # Opened as stored, the entry yields its compressed bytes unchecked.
                raw_info = copy.copy(info)
                raw_info.compress_type = zipfile.ZIP_STORED
                raw_info.file_size = info.compress_size
                raw_info.CRC = None  # type: ignore[assignment]
                before = budget.total
                with archive.open(raw_info) as raw:
                    _unpack_counting(raw, info.compress_type, budget)
                if budget.total - before != info.file_size:
                    raise zipfile.BadZipFile("an entry's real size differs from its header")
    except RuleError:
        raise
    except (zipfile.BadZipFile, OSError, ValueError, EOFError, NotImplementedError, lzma.LZMAError,
            zlib.error):
        raise RuleError("file", UNKNOWN_TYPE) from None
    finally:
        stream.seek(0)


def sniff_content_type(stream: BinaryIO) -> str | None:
    """The content type of an accepted file judged by its bytes, or None."""
    stream.seek(0)
    head = stream.read(16)
    stream.seek(0)
    if head.startswith(b"%PDF-"):
        return "application/pdf"
    if head.startswith(b"\x89PNG\r\n\x1a\n"):
        return "image/png"
    if head.startswith(b"\xff\xd8\xff"):
        return "image/jpeg"
    if head[:4] == b"RIFF" and head[8:12] == b"WEBP":
        return "image/webp"
    if head.startswith(b"PK\x03\x04"):
        content_type = _zip_content_type(stream)
        stream.seek(0)
        return content_type
    return None


def safe_filename(name: str, extension: str) -> str:
    """A download name of letters, digits, '-', '_' and '.', ending in the extension."""
    stem = os.path.splitext(os.path.basename(name.replace("\\", "/")))[0]
    stem = unicodedata.normalize("NFKD", stem).encode("ascii", "ignore").decode("ascii")
    stem = re.sub(r"[^A-Za-z0-9_-]+", "-", stem).strip("-_")[:80] or "document"
    return f"{stem}.{extension}"


def check_upload(stream: BinaryIO, filename: str, max_bytes: int) -> tuple[str, int]:
    """Content type and size of an upload; refuses empty, too large, unknown files and
    names whose extension does not match the content."""
    stream.seek(0, os.SEEK_END)
    size = stream.tell()
    stream.seek(0)
    if size == 0:
        raise RuleError("file", EMPTY_FILE)
    if size > max_bytes:
        raise RuleError("file", TOO_LARGE % {"megabytes": f"{max_bytes / 1_048_576:g}"})
    content_type = sniff_content_type(stream)
    if content_type is None:
        raise RuleError("file", UNKNOWN_TYPE)
    extension = os.path.splitext(filename or "")[1].lower().lstrip(".")
    if extension not in FILE_TYPES[content_type][1]:
        raise RuleError("file", NAME_MISMATCH % {"kind": FILE_TYPES[content_type][0].upper()})
    if content_type.startswith("application/vnd."):
        check_zip_expansion(stream, size)
    return content_type, size


@dataclass
class DocumentData:
    kind: DocumentKind
    title: dict[str, str]
    visibility: Visibility = Visibility.PUBLIC
    url: str | None = None
    filename: str | None = None
    stream: BinaryIO | None = None


def upload_folder(base: str) -> Path:
    folder = Path(base) / SUBFOLDER
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def add_document(
    session: Session, event: Event, data: DocumentData, upload_base: str, max_bytes: int
) -> Document:
    """Attach a file or a link to an event; refuses what check_upload refuses, links that
    are not https, photos that are not images, and both or neither of file and link."""
    validation.check_translations(data.title, event.main_language, "title")
    has_file = data.stream is not None and bool(data.filename)
    if has_file and data.url:
        raise RuleError("url", FILE_OR_LINK)
    if not has_file and not data.url:
        raise RuleError("file", NEED_FILE_OR_LINK)
    document = Document(
        event=event,
        kind=data.kind,
        title_i18n={code: text for code, text in data.title.items() if text},
        visibility=data.visibility,
    )
    if has_file:
        assert data.stream is not None and data.filename is not None
        content_type, size = check_upload(data.stream, data.filename, max_bytes)
        if data.kind == DocumentKind.PHOTO and content_type not in IMAGE_TYPES:
            raise RuleError("file", PHOTO_NEEDS_IMAGE)
        extension = FILE_TYPES[content_type][0]
        stored_name = f"{secrets.token_hex(16)}.{extension}"
        target = upload_folder(upload_base) / stored_name
        with open(target, "xb") as output:
            data.stream.seek(0)
            while chunk := data.stream.read(1 << 16):
                output.write(chunk)
        document.stored_name = stored_name
        document.original_filename = safe_filename(data.filename, extension)
        document.content_type = content_type
        document.size_bytes = size
    else:
        assert data.url is not None
        validation.check_https_url(data.url, "url")
        document.url = data.url
    session.add(document)
    session.flush()
    return document


def delete_document(session: Session, document: Document, upload_base: str) -> None:
    """Remove a document and its stored file."""
    if document.stored_name:
        (Path(upload_base) / SUBFOLDER / document.stored_name).unlink(missing_ok=True)
    session.delete(document)
    session.flush()


def get_document(session: Session, document_id: int) -> Document | None:
    return session.scalar(select(Document).where(Document.id == document_id))


def list_event_documents(session: Session, event: Event) -> list[Document]:
    return list(session.scalars(select(Document).where(Document.event_id == event.id).order_by(Document.id)))


def stored_path(document: Document, upload_base: str) -> Path | None:
    if not document.stored_name:
        return None
    return Path(upload_base) / SUBFOLDER / document.stored_name
