"""Speaker services: create, edit, the photo, the list and who may edit."""
from __future__ import annotations

import io
from pathlib import Path

import pytest
from PIL import Image
from sqlalchemy import func, select

from eventapp.models import AuditEntry, Speaker, UserRole
from eventapp.rules.errors import RuleError
from eventapp.speakers.services import (
    MAX_PAGE,
    PER_PAGE,
    SpeakerData,
    create_speaker,
    get_speaker,
    list_editable_speaker_ids,
    list_speakers,
    may_edit_speaker,
    parse_page,
    photo_path,
    prepare_photo,
    update_speaker,
)
from tests.factories import make_event, make_session, make_user
from tests.speakers.images import HTML_AS_PNG, huge_png, image_bytes, noisy_jpeg

MAX_BYTES = 20 * 1024 * 1024


@pytest.fixture
def upload_base(app) -> str:
    return app.config["UPLOAD_FOLDER"]


def stored_photos(upload_base: str) -> list[str]:
    folder = Path(upload_base) / "speakers"
    return sorted(path.name for path in folder.iterdir()) if folder.is_dir() else []


def open_jpeg(data: bytes) -> Image.Image:
    image = Image.open(io.BytesIO(data))
    image.load()
    return image


def test_prepare_photo_turns_upright_fits_600_and_drops_exif():
    jpeg = prepare_photo(io.BytesIO(image_bytes((1200, 800), orientation=6)), MAX_BYTES)

    image = open_jpeg(jpeg)
    assert (image.format, image.mode, image.size) == ("JPEG", "RGB", (400, 600))
    assert (dict(image.getexif()), "exif" in image.info, "icc_profile" in image.info) == ({}, False, False)
    # Orientation 6 means "rotate 90° clockwise to view": the red left half ends up on top.
    assert image.getpixel((200, 50))[0] > 200 and image.getpixel((200, 550))[2] > 200


@pytest.mark.parametrize("fmt", ["PNG", "WEBP"])
def test_prepare_photo_accepts_png_and_webp_as_jpeg(fmt):
    jpeg = prepare_photo(io.BytesIO(image_bytes((300, 200), fmt)), MAX_BYTES)

    assert open_jpeg(jpeg).size == (300, 200)
    assert jpeg[:3] == b"\xff\xd8\xff"


def test_prepare_photo_accepts_phone_jpeg_with_several_frames():
    first, second = Image.new("RGB", (80, 60), (255, 0, 0)), Image.new("RGB", (80, 60), (0, 0, 255))
    upload = io.BytesIO()
    first.save(upload, "MPO", save_all=True, append_images=[second])

    image = open_jpeg(prepare_photo(io.BytesIO(upload.getvalue()), MAX_BYTES))

    assert (image.format, image.size, image.getpixel((40, 30))[0] > 200) == ("JPEG", (80, 60), True)


def test_prepare_photo_puts_transparency_on_white():
    jpeg = prepare_photo(io.BytesIO(image_bytes((100, 100), "PNG", mode="RGBA")), MAX_BYTES)

    red, green, blue = open_jpeg(jpeg).getpixel((90, 50))
    assert (red > 100, green > 100, blue > 240) == (True, True, True)


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (HTML_AS_PNG, "This is not a photo we accept. Upload a JPEG, PNG or WebP image."),
        (image_bytes((50, 50), "GIF"), "This is not a photo we accept. Upload a JPEG, PNG or WebP image."),
        (image_bytes((50, 50), "PNG")[:60], "This is not a photo we accept. Upload a JPEG, PNG or WebP image."),
        (b"", "The photo file is empty."),
        (huge_png(8000, 8000), "The photo has too many pixels: at most 40 megapixels."),
        (huge_png(50_000, 50_000), "The photo has too many pixels: at most 40 megapixels."),
    ],
    ids=["html", "gif", "truncated", "empty", "too-many-pixels", "bomb"],
)
def test_prepare_photo_refuses_bad_files(app_ctx, english, content, message):
    with pytest.raises(RuleError) as error:
        prepare_photo(io.BytesIO(content), MAX_BYTES)

    assert (error.value.field, str(error.value.message)) == ("photo", message)


def test_prepare_photo_refuses_files_over_the_limit(app_ctx, english):
    content = noisy_jpeg()
    with pytest.raises(RuleError) as error:
        prepare_photo(io.BytesIO(content), len(content) - 1)

    assert str(error.value.message).startswith("The photo is too large: at most ")


def test_create_speaker_stores_photo_and_audits(session, upload_base):
    actor = make_user(session)
    speaker = create_speaker(
        session,
        SpeakerData(" Li Wei ", "Foshan Investment Promotion", "zh", {"zh": " 李伟介绍 ", "de": ""},
                    io.BytesIO(image_bytes())),
        actor, upload_base, MAX_BYTES,
    )

    path = photo_path(speaker, upload_base)
    assert (speaker.name, speaker.affiliation, speaker.main_language, speaker.bio_i18n) == (
        "Li Wei", "Foshan Investment Promotion", "zh", {"zh": "李伟介绍"}
    )
    assert path is not None and path.is_file() and path.suffix == ".jpg"
    assert speaker.photo_path == f"speakers/{path.name}"
    entries = session.scalars(select(AuditEntry.action).order_by(AuditEntry.id)).all()
    assert entries == ["speaker.create", "speaker.photo"]


@pytest.mark.parametrize(
    ("data", "field"),
    [
        (SpeakerData("Li\nWei"), "name"),
        (SpeakerData("Li\rWei"), "name"),
        (SpeakerData("Li\u2028Wei"), "name"),
        (SpeakerData("Li\u202eWei"), "name"),
        (SpeakerData("   "), "name"),
        (SpeakerData("Li Wei", "ISA\r\nOffice"), "affiliation"),
        (SpeakerData("Li Wei", main_language="fr"), "main_language"),
        (SpeakerData("Li Wei", bio={"de": "Hallo\x00"}), "bio_de"),
        (SpeakerData("Li Wei", photo=io.BytesIO(HTML_AS_PNG)), "photo"),
    ],
    ids=["lf", "cr", "line-separator", "bidi-override", "blank", "affiliation", "language", "nul", "html"],
)
def test_create_speaker_refuses_bad_input_and_writes_nothing(session, upload_base, data, field):
    before = stored_photos(upload_base)
    with pytest.raises(RuleError) as error:
        create_speaker(session, data, None, upload_base, MAX_BYTES)
    session.rollback()

    assert error.value.field == field
    assert session.scalar(select(func.count()).select_from(Speaker)) == 0
    assert session.scalar(select(func.count()).select_from(AuditEntry)) == 0
    assert stored_photos(upload_base) == before


def test_update_speaker_replaces_and_removes_photo_files(session, upload_base):
    speaker = create_speaker(session, SpeakerData("Anna Berg", photo=io.BytesIO(image_bytes())),
                             None, upload_base, MAX_BYTES)
    first = photo_path(speaker, upload_base)

    update_speaker(session, speaker, SpeakerData("Anna Berg", photo=io.BytesIO(image_bytes((640, 480), "PNG"))),
                   None, upload_base, MAX_BYTES)
    second = photo_path(speaker, upload_base)
    assert (first.exists(), second.exists(), first != second) == (False, True, True)

    update_speaker(session, speaker, SpeakerData("Anna Berg", remove_photo=True), None, upload_base, MAX_BYTES)
    assert (speaker.photo_path, second.exists()) == (None, False)
    actions = session.scalars(select(AuditEntry.action).order_by(AuditEntry.id)).all()
    assert actions == ["speaker.create", "speaker.photo", "speaker.photo", "speaker.photo"]


def test_update_speaker_records_changes(session, upload_base):
    actor = make_user(session)
    speaker = create_speaker(session, SpeakerData("Anna Berg", "Stadt Köln"), None, upload_base, MAX_BYTES)

    update_speaker(session, speaker, SpeakerData("Anna Berg-Schulz", "Stadt Köln", bio={"en": "Economist."}),
                   actor, upload_base, MAX_BYTES)

    entry = session.scalars(select(AuditEntry).where(AuditEntry.action == "speaker.update")).one()
    assert (entry.user_id, entry.object_id, entry.changes) == (actor.id, speaker.id, {
        "bio": [{}, {"en": "Economist."}], "name": ["Anna Berg", "Anna Berg-Schulz"],
    })


def test_update_speaker_name_raises_sequence_of_their_sessions(session, upload_base):
    event = make_event(session)
    speaker = create_speaker(session, SpeakerData("Anna Berg"), None, upload_base, MAX_BYTES)
    item = make_session(session, event, speakers=[speaker])
    other = make_session(session, event)
    session.commit()
    before = (item.sequence, other.sequence, event.version, speaker.version)

    update_speaker(session, speaker, SpeakerData("Anna Berg-Schulz"), None, upload_base, MAX_BYTES)
    session.commit()

    assert (item.sequence, other.sequence, event.version, speaker.version) == (
        before[0] + 1, before[1], before[2] + 1, before[3] + 1
    )


def test_list_speakers_searches_names_with_their_events(session, upload_base):
    first = make_event(session, title={"de": "Forum", "en": "Forum"})
    second = make_event(session, title={"de": "Tagung", "en": "Meeting"})
    anna = create_speaker(session, SpeakerData("Anna Berg"), None, upload_base, MAX_BYTES)
    create_speaker(session, SpeakerData("Bernd Anders"), None, upload_base, MAX_BYTES)
    create_speaker(session, SpeakerData("Li 100%_Wei"), None, upload_base, MAX_BYTES)
    make_session(session, first, speakers=[anna])
    make_session(session, second, speakers=[anna])
    make_session(session, first, speakers=[anna])

    everyone = list_speakers(session)
    assert [item.speaker.name for item in everyone.items] == ["Anna Berg", "Bernd Anders", "Li 100%_Wei"]
    assert [event.id for event in everyone.items[0].events] == [first.id, second.id]
    assert [item.speaker.name for item in list_speakers(session, "ANDERS").items] == ["Bernd Anders"]
    assert [item.speaker.name for item in list_speakers(session, "%").items] == ["Li 100%_Wei"]
    assert [item.speaker.name for item in list_speakers(session, "_").items] == ["Li 100%_Wei"]
    assert list_speakers(session, "nobody").total == 0


def test_list_speakers_pages_and_clamps_the_page(session, upload_base):
    for number in range(PER_PAGE + 2):
        create_speaker(session, SpeakerData(f"Speaker {number:03d}"), None, upload_base, MAX_BYTES)

    second = list_speakers(session, page=2)
    beyond = list_speakers(session, page=MAX_PAGE)
    assert (second.page, second.pages, [item.speaker.name for item in second.items]) == (
        2, 2, [f"Speaker {PER_PAGE:03d}", f"Speaker {PER_PAGE + 1:03d}"]
    )
    assert (beyond.page, len(beyond.items)) == (2, 2)


@pytest.mark.parametrize(
    ("value", "page"),
    [("2", 2), ("", 1), (None, 1), ("0", 1), ("-1", 1), ("٣", 1), ("²", 1), ("9" * 400, 1),
     (str(MAX_PAGE + 1), 1), ("1e3", 1)],
)
def test_parse_page_accepts_only_small_ascii_numbers(value, page):
    assert parse_page(value) == page


def test_get_speaker_refuses_out_of_range_ids(session, upload_base):
    speaker = create_speaker(session, SpeakerData("Anna Berg"), None, upload_base, MAX_BYTES)

    assert [get_speaker(session, value) for value in (speaker.id, 0, -1, 2**31, 10**30)] == [
        speaker, None, None, None, None
    ]


def test_may_edit_speaker_follows_event_assignments(session, upload_base):
    mine, theirs = make_event(session), make_event(session)
    admin = make_user(session, role=UserRole.ADMIN)
    organiser = make_user(session, manages=[mine])
    unused = create_speaker(session, SpeakerData("Unused"), None, upload_base, MAX_BYTES)
    own = create_speaker(session, SpeakerData("Own"), None, upload_base, MAX_BYTES)
    shared = create_speaker(session, SpeakerData("Shared"), None, upload_base, MAX_BYTES)
    foreign = create_speaker(session, SpeakerData("Foreign"), None, upload_base, MAX_BYTES)
    make_session(session, mine, speakers=[own, shared])
    make_session(session, theirs, speakers=[shared, foreign])
    speakers = [unused, own, shared, foreign]

    assert [may_edit_speaker(session, item, organiser) for item in speakers] == [True, True, False, False]
    assert [may_edit_speaker(session, item, admin) for item in speakers] == [True, True, True, True]
    assert list_editable_speaker_ids(session, organiser, [item.id for item in speakers]) == {unused.id, own.id}
