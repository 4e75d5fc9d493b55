"""Speakers in the back office: the list, create and edit with a bio per language, the photo.

A photo is judged by its content, never by its name: Pillow must recognise it as JPEG, PNG
or WebP and verify it. Its pixel count is checked before decoding (a small file can hold a
huge image), then it is turned upright (EXIF orientation), flattened to RGB on white, fitted
into 600 x 600 and stored as a fresh JPEG without any of the upload's metadata, under a
random name in UPLOAD_FOLDER/speakers.
"""
from __future__ import annotations

import io
import os
import secrets
import warnings
from dataclasses import dataclass, field
from pathlib import Path
from typing import BinaryIO, ClassVar

from flask_babel import lazy_gettext as _l
from PIL import Image, ImageOps, UnidentifiedImageError
from sqlalchemy import func, select
from sqlalchemy.orm import Session, selectinload

from eventapp import audit
from eventapp.models import Event, EventOrganiser, EventSession, Speaker, User, UserRole
from eventapp.models.events import session_speakers
from eventapp.pagination import Paged
from eventapp.rules import validation
from eventapp.rules.errors import RuleError

SUBFOLDER = "speakers"
PER_PAGE = 25
MAX_PAGE = 10_000
MAX_QUERY_CHARS = 100
PHOTO_SIZE = (600, 600)
PHOTO_QUALITY = 85
# 40 megapixels: more than any camera photo needs, far below what would exhaust memory.
MAX_PHOTO_PIXELS = 40_000_000
PHOTO_FORMATS = ("JPEG", "PNG", "WEBP")
# Phones write JPEGs with extra frames; Pillow's JPEG reader reports them as MPO.
OPENED_FORMATS = (*PHOTO_FORMATS, "MPO")
MAX_ID = 2**31

PHOTO_EMPTY = _l("The photo file is empty.")
PHOTO_TOO_LARGE = _l("The photo is too large: at most %(megabytes)s MB.")
PHOTO_TOO_MANY_PIXELS = _l("The photo has too many pixels: at most %(megapixels)s megapixels.")
PHOTO_NOT_AN_IMAGE = _l("This is not a photo we accept. Upload a JPEG, PNG or WebP image.")
NAME_REQUIRED = _l("Give the speaker's name.")


@dataclass
class SpeakerData:
    name: str
    affiliation: str | None = None
    main_language: str = "de"
    bio: dict[str, str] = field(default_factory=dict)
    photo: BinaryIO | None = None
    remove_photo: bool = False


@dataclass
class SpeakerItem:
    speaker: Speaker
    events: list[Event]


@dataclass
class SpeakerPage(Paged):
    per_page: ClassVar[int] = PER_PAGE
    items: list[SpeakerItem]
    total: int
    page: int
    query: str


def parse_page(value: str | None) -> int:
    """A page number from a query string: ASCII digits only, 1 to MAX_PAGE, else 1."""
    value = value or ""
    if not (value.isascii() and value.isdigit()) or len(value) > 6:
        return 1
    number = int(value)
    return number if 0 < number <= MAX_PAGE else 1


def _escape_like(text: str) -> str:
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def list_speakers(session: Session, query: str = "", page: int = 1) -> SpeakerPage:
    """One page of speakers by name (a search for part of the name when given), each with
    the events they speak at; three queries whatever the page holds."""
    # Control characters (NUL above all, which PostgreSQL refuses in text) cannot be in a name.
    query = "".join(char for char in query if char.isprintable()).strip()[:MAX_QUERY_CHARS]
    statement = select(Speaker)
    if query:
        statement = statement.where(
            func.lower(Speaker.name).like(f"%{_escape_like(query.lower())}%", escape="\\")
        )
    total = session.scalar(select(func.count()).select_from(statement.subquery())) or 0
    pages = max(1, -(-total // PER_PAGE))
    page = min(max(page, 1), pages)
    speakers = list(
        session.scalars(
            statement.options(selectinload(Speaker.sessions).selectinload(EventSession.event))
            .order_by(Speaker.name, Speaker.id)
            .limit(PER_PAGE)
            .offset((page - 1) * PER_PAGE)
        )
    )
    items = []
    for speaker in speakers:
        events = {item.event.id: item.event for item in speaker.sessions}
        items.append(SpeakerItem(speaker, sorted(events.values(), key=lambda e: (e.starts_at, e.id))))
    return SpeakerPage(items, total, page, query)


def get_speaker(session: Session, speaker_id: int) -> Speaker | None:
    """The speaker by id; None for ids no database column can hold."""
    if not 0 < speaker_id < MAX_ID:
        return None
    return session.get(Speaker, speaker_id)


def may_edit_speaker(session: Session, speaker: Speaker, user: User) -> bool:
    """Admins edit every speaker; organisers those in no session yet or only in sessions of
    events they manage."""
    if user.role == UserRole.ADMIN:
        return True
    if user.role != UserRole.ORGANISER:
        return False
    foreign = session.scalar(
        select(EventSession.event_id)
        .join(session_speakers, session_speakers.c.session_id == EventSession.id)
        .where(
            session_speakers.c.speaker_id == speaker.id,
            EventSession.event_id.not_in(
                select(EventOrganiser.event_id).where(EventOrganiser.user_id == user.id)
            ),
        )
        .limit(1)
    )
    return foreign is None


def list_editable_speaker_ids(session: Session, user: User, speaker_ids: list[int]) -> set[int]:
    """Which of these speakers the user may edit (see may_edit_speaker), in one query."""
    if user.role == UserRole.ADMIN:
        return set(speaker_ids)
    if user.role != UserRole.ORGANISER or not speaker_ids:
        return set()
    foreign = session.scalars(
        select(session_speakers.c.speaker_id)
        .join(EventSession, session_speakers.c.session_id == EventSession.id)
        .where(
            session_speakers.c.speaker_id.in_(speaker_ids),
            EventSession.event_id.not_in(
                select(EventOrganiser.event_id).where(EventOrganiser.user_id == user.id)
            ),
        )
        .distinct()
    )
    return set(speaker_ids) - set(foreign)


def photo_folder(upload_base: str) -> Path:
    folder = Path(upload_base) / SUBFOLDER
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def photo_path(speaker: Speaker, upload_base: str) -> Path | None:
    """Where the speaker's photo is stored, or None without one."""
    if not speaker.photo_path:
        return None
    return Path(upload_base) / SUBFOLDER / os.path.basename(speaker.photo_path)


def _open_image(data: bytes) -> Image.Image:
    image = Image.open(io.BytesIO(data), formats=PHOTO_FORMATS)
    if image.format not in OPENED_FORMATS:
        raise RuleError("photo", PHOTO_NOT_AN_IMAGE)
    if image.width * image.height > MAX_PHOTO_PIXELS:
        raise RuleError(
            "photo", PHOTO_TOO_MANY_PIXELS % {"megapixels": MAX_PHOTO_PIXELS // 1_000_000}
        )
    return image


def prepare_photo(stream: BinaryIO, max_bytes: int) -> bytes:
    """The upload as an upright RGB JPEG of at most 600 x 600 pixels without metadata;
    refuses empty or too large files, anything but JPEG, PNG and WebP, broken images and
    images of more than MAX_PHOTO_PIXELS."""
    stream.seek(0, os.SEEK_END)
    size = stream.tell()
    stream.seek(0)
    if size == 0:
        raise RuleError("photo", PHOTO_EMPTY)
    if size > max_bytes:
        raise RuleError("photo", PHOTO_TOO_LARGE % {"megabytes": f"{max_bytes / 1_048_576:g}"})
    data = stream.read(max_bytes + 1)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            with _open_image(data) as probe:
                probe.verify()
            # verify() leaves the image unusable: decode a second, fresh copy.
            with _open_image(data) as image:
                image.draft("RGB", (PHOTO_SIZE[0] * 2, PHOTO_SIZE[1] * 2))
                upright = ImageOps.exif_transpose(image)
                upright.thumbnail(PHOTO_SIZE, Image.Resampling.LANCZOS)
                rgba = upright.convert("RGBA")
    except RuleError:
        raise
    except (Image.DecompressionBombError, Image.DecompressionBombWarning):
        raise RuleError(
            "photo", PHOTO_TOO_MANY_PIXELS % {"megapixels": MAX_PHOTO_PIXELS // 1_000_000}
        ) from None
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError, EOFError, TypeError):
        raise RuleError("photo", PHOTO_NOT_AN_IMAGE) from None
    # A new image carries none of the upload's metadata (EXIF, XMP, ICC, comments).
    clean = Image.new("RGB", rgba.size, (255, 255, 255))
    clean.paste(rgba, mask=rgba.getchannel("A"))
    output = io.BytesIO()
    clean.save(output, "JPEG", quality=PHOTO_QUALITY, optimize=True)
    return output.getvalue()


def _check(data: SpeakerData) -> SpeakerData:
    name = data.name.strip()
    if not name:
        raise RuleError("name", NAME_REQUIRED)
    validation.check_single_line(name, "name")
    affiliation = (data.affiliation or "").strip() or None
    if affiliation:
        validation.check_single_line(affiliation, "affiliation")
    validation.check_language(data.main_language, "main_language")
    bio = {}
    for code, text in data.bio.items():
        validation.check_language(code, f"bio_{code}")
        validation.check_plain_text(text, f"bio_{code}")
        if text.strip():
            bio[code] = text.strip()
    return SpeakerData(name, affiliation, data.main_language, bio, data.photo, data.remove_photo)


def _values(speaker: Speaker) -> dict[str, object]:
    return {
        "name": speaker.name,
        "affiliation": speaker.affiliation,
        "main_language": speaker.main_language,
        "bio": dict(speaker.bio_i18n or {}),
    }


def _store_photo(speaker: Speaker, jpeg: bytes, upload_base: str) -> None:
    old = photo_path(speaker, upload_base)
    name = f"{secrets.token_hex(16)}.jpg"
    with open(photo_folder(upload_base) / name, "xb") as output:
        output.write(jpeg)
    speaker.photo_path = f"{SUBFOLDER}/{name}"
    if old is not None:
        old.unlink(missing_ok=True)


def _drop_photo(speaker: Speaker, upload_base: str) -> None:
    old = photo_path(speaker, upload_base)
    speaker.photo_path = None
    if old is not None:
        old.unlink(missing_ok=True)


def create_speaker(
    session: Session, data: SpeakerData, actor: User | None, upload_base: str, max_bytes: int
) -> Speaker:
    """Add a speaker; refuses an empty name, line breaks or control characters in the name
    or organisation, unknown languages and what prepare_photo refuses."""
    data = _check(data)
    jpeg = prepare_photo(data.photo, max_bytes) if data.photo is not None else None
    speaker = Speaker(
        name=data.name, affiliation=data.affiliation, main_language=data.main_language,
        bio_i18n=data.bio,
    )
    session.add(speaker)
    session.flush()
    audit.record(session, actor, "speaker.create", "speaker", speaker.id, summary=speaker.name,
                 changes=_values(speaker))
    if jpeg is not None:
        _store_photo(speaker, jpeg, upload_base)
        audit.record(session, actor, "speaker.photo", "speaker", speaker.id, summary=speaker.name,
                     changes={"photo": [None, "uploaded"]})
        session.flush()
    return speaker


def update_speaker(
    session: Session,
    speaker: Speaker,
    data: SpeakerData,
    actor: User | None,
    upload_base: str,
    max_bytes: int,
) -> Speaker:
    """Change a speaker, replace or remove the photo; refuses what create_speaker refuses.
    The model listener raises the SEQUENCE of the speaker's sessions."""
    data = _check(data)
    jpeg = prepare_photo(data.photo, max_bytes) if data.photo is not None else None
    before = _values(speaker)
    speaker.name = data.name
    speaker.affiliation = data.affiliation
    speaker.main_language = data.main_language
    speaker.bio_i18n = data.bio
    changes = audit.diff(before, _values(speaker))
    if changes:
        audit.record(session, actor, "speaker.update", "speaker", speaker.id,
                     summary=speaker.name, changes=changes)
    had_photo = speaker.photo_path is not None
    if jpeg is not None:
        _store_photo(speaker, jpeg, upload_base)
        audit.record(session, actor, "speaker.photo", "speaker", speaker.id, summary=speaker.name,
                     changes={"photo": ["replaced" if had_photo else None, "uploaded"]})
    elif data.remove_photo and had_photo:
        _drop_photo(speaker, upload_base)
        audit.record(session, actor, "speaker.photo", "speaker", speaker.id, summary=speaker.name,
                     changes={"photo": ["removed", None]})
    session.flush()
    return speaker
