"""CSV import of an agenda: every line goes through `save_session`, like the item form.

The file is read as UTF-8 (with or without BOM), `,` or `;` separated, with a header row.
All lines are checked, the file's own lines against each other too (each saved line is seen
by the next one's conflict check); if any line is bad, nothing is kept: the whole import
runs inside one savepoint that is rolled back.
"""
from __future__ import annotations

import csv
import io
import re
from dataclasses import dataclass, field
from datetime import date, datetime, time

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy.orm import Session

from eventapp import audit
from eventapp.agenda.services import ConflictError, save_session
from eventapp.events.services import SessionData, get_or_create_speaker
from eventapp.models import Event, SessionKind, Speaker, User
from eventapp.rules.errors import RuleError
from eventapp.rules.validation import LANGUAGE_CODES

MAX_IMPORT_BYTES = 1024 * 1024
# save_session checks each line against the whole planned agenda (which it reloads), so an
# import costs O(lines²): about 10 s for 400 lines on a published event. Raise this only
# once save_session can check a batch at once.
MAX_IMPORT_LINES = 500

REQUIRED_COLUMNS = ("date", "start", "end", "kind")
TITLE_COLUMNS = tuple(f"title_{code}" for code in LANGUAGE_CODES)
DESCRIPTION_COLUMNS = tuple(f"description_{code}" for code in LANGUAGE_CODES)
OPTIONAL_COLUMNS = (
    *TITLE_COLUMNS, "room", "language", "speakers", *DESCRIPTION_COLUMNS,
    "interpretation", "capacity", "join_url",
)
ALL_COLUMNS = (*REQUIRED_COLUMNS, *OPTIONAL_COLUMNS)
# Cells that may hold line breaks; every other cell is one line.
MULTILINE_COLUMNS = frozenset(DESCRIPTION_COLUMNS)
# Longest text accepted per cell (the database's column sizes, or a sane page).
MAX_CELL_CHARS = {"room": 120, "join_url": 500, "speakers": 2000}
DEFAULT_MAX_CELL_CHARS = 300
MAX_DESCRIPTION_CHARS = 5000
MAX_SPEAKER_CHARS = 200

YES = frozenset({"yes", "ja", "1", "y", "j", "true", "是"})
NO = frozenset({"no", "nein", "0", "n", "false", "", "否"})

_DATE_RE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
_TIME_RE = re.compile(r"^(\d{1,2}):(\d{2})$")
_SPEAKER_RE = re.compile(r"^(?P<name>[^()]+?)\s*\((?P<affiliation>[^()]*)\)$")

TEMPLATE_ROWS = (
    ALL_COLUMNS,
    ("2027-01-14", "09:00", "09:45", "talk", "Begrüßung", "Welcome", "欢迎致辞", "Saal 1", "de",
     "Anna Schmidt (Stadt Aachen); Li Wei (Foshan)", "Eröffnung der Fachtagung",
     "Opening of the expert meeting", "", "yes", "", ""),
    ("2027-01-14", "10:00", "10:30", "break", "Kaffeepause", "Coffee break", "茶歇", "Foyer", "de",
     "", "", "", "", "no", "", ""),
)


class ImportFileError(RuleError):
    """The file as a whole cannot be read (encoding, size, header)."""

    def __init__(self, message: object) -> None:
        super().__init__("file", message)


@dataclass
class ImportReport:
    """What an import did: items created, or the lines that stopped it; warnings either way."""

    created: int = 0
    lines: int = 0
    errors: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)

    @property
    def is_ok(self) -> bool:
        return not self.errors


def template_csv() -> str:
    """The downloadable template: the header and two example lines."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerows(TEMPLATE_ROWS)
    return buffer.getvalue()


def decode_upload(data: bytes) -> str:
    """The text of an uploaded file; refuses files too large, with NUL bytes, or not UTF-8."""
    if len(data) > MAX_IMPORT_BYTES:
        raise ImportFileError(
            _l("The file is too large (at most %(kilobytes)s KB).", kilobytes=MAX_IMPORT_BYTES // 1024)
        )
    if not data.strip():
        raise ImportFileError(_l("The file is empty."))
    if b"\x00" in data:
        raise ImportFileError(
            _l("The file contains NUL bytes: it is not a text file. Save it as CSV (UTF-8).")
        )
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise ImportFileError(
            _l("The file is not UTF-8 encoded. Save it as “CSV UTF-8” and try again.")
        ) from None


def _delimiter(header_line: str) -> str:
    """`;` when the header has more semicolons than commas (German spreadsheets), else `,`."""
    return ";" if header_line.count(";") > header_line.count(",") else ","


def _read_header(cells: list[str]) -> list[str]:
    """The header's column names; refuses unknown, repeated and missing columns in one message."""
    names = [cell.strip().lstrip("\ufeff").casefold() for cell in cells]
    unknown = [name for name in names if name not in ALL_COLUMNS]
    repeated = sorted({name for name in names if names.count(name) > 1 and name in ALL_COLUMNS})
    missing = [name for name in REQUIRED_COLUMNS if name not in names]
    if not any(name in names for name in TITLE_COLUMNS):
        missing.append("title_de / title_en / title_zh")
    problems = []
    if missing:
        problems.append(_("missing columns: %(columns)s", columns=", ".join(missing)))
    if unknown:
        problems.append(_("unknown columns: %(columns)s",
                          columns=", ".join(name or "“”" for name in unknown)))
    if repeated:
        problems.append(_("repeated columns: %(columns)s", columns=", ".join(repeated)))
    if problems:
        raise ImportFileError(
            _l("The header row does not fit (%(problems)s). Expected the columns: %(columns)s.",
               problems="; ".join(problems), columns=", ".join(ALL_COLUMNS))
        )
    return names


def _check_cells(values: dict[str, str]) -> None:
    for name, value in values.items():
        if name not in MULTILINE_COLUMNS and ("\n" in value or "\r" in value):
            raise RuleError(name, _l("The column %(column)s must be one line.", column=name))
        longest = MAX_DESCRIPTION_CHARS if name in MULTILINE_COLUMNS else \
            MAX_CELL_CHARS.get(name, DEFAULT_MAX_CELL_CHARS)
        if len(value) > longest:
            raise RuleError(name, _l("The column %(column)s is longer than %(count)s characters.",
                                     column=name, count=longest))


def _parse_date(value: str) -> date:
    if not _DATE_RE.match(value):
        raise RuleError("date", _l("“%(value)s” is not a date like 2027-01-14.", value=value))
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise RuleError("date", _l("“%(value)s” is not a date like 2027-01-14.", value=value)) from None


def _parse_time(value: str, column: str) -> time:
    match = _TIME_RE.match(value)
    if not match or int(match.group(1)) > 23 or int(match.group(2)) > 59:
        raise RuleError(column, _l("“%(value)s” in the column %(column)s is not a time like 09:30.",
                                   value=value, column=column))
    return time(int(match.group(1)), int(match.group(2)))


def _parse_kind(value: str) -> SessionKind:
    try:
        return SessionKind(value.strip().casefold())
    except ValueError:
        raise RuleError("kind", _l("“%(value)s” is not a kind of item; use one of: %(kinds)s.",
                                   value=value, kinds=", ".join(kind.value for kind in SessionKind))
                        ) from None


def _parse_flag(value: str) -> bool:
    folded = value.strip().casefold()
    if folded in YES:
        return True
    if folded in NO:
        return False
    raise RuleError("interpretation", _l("“%(value)s” in the column interpretation is neither yes nor "
                                         "no.", value=value))


def _parse_capacity(value: str) -> int | None:
    if not value.strip():
        return None
    if not value.strip().isascii() or not value.strip().isdigit() or len(value.strip()) > 6:
        raise RuleError("capacity", _l("“%(value)s” is not a capacity (a whole number from 0).",
                                       value=value))
    return int(value.strip())


def _parse_speakers(session: Session, value: str, main_language: str) -> list[Speaker]:
    """Speakers from "Name (Organisation); Name 2", created on first use."""
    speakers: list[Speaker] = []
    for part in value.split(";"):
        part = " ".join(part.split())
        if not part:
            continue
        match = _SPEAKER_RE.match(part)
        name, affiliation = (match["name"], match["affiliation"].strip() or None) if match else (part, None)
        if "(" in name or ")" in name or len(name) > MAX_SPEAKER_CHARS or \
                len(affiliation or "") > MAX_SPEAKER_CHARS:
            raise RuleError("speakers", _l("“%(value)s” is not a speaker like “Name (Organisation)”.",
                                           value=part))
        speaker = get_or_create_speaker(session, name, affiliation, main_language=main_language)
        if speaker not in speakers:
            speakers.append(speaker)
    return speakers


def _line_data(session: Session, event: Event, values: dict[str, str]) -> SessionData:
    """A line's values as SessionData; refuses cells that cannot be read."""
    _check_cells(values)
    day = _parse_date(values["date"].strip())
    starts = _parse_time(values["start"].strip(), "start")
    ends = _parse_time(values["end"].strip(), "end")
    kind = _parse_kind(values["kind"])
    language = values.get("language", "").strip().casefold() or event.main_language
    if language not in LANGUAGE_CODES:
        raise RuleError("language", _l("“%(value)s” is not a language; use de, en or zh.",
                                       value=language))
    join_url = values.get("join_url", "").strip() or None
    return SessionData(
        title={code: text for code in LANGUAGE_CODES
               if (text := " ".join(values.get(f"title_{code}", "").split()))},
        description={code: text for code in LANGUAGE_CODES
                     if (text := values.get(f"description_{code}", "").strip())},
        kind=kind,
        starts_local=datetime.combine(day, starts),
        ends_local=datetime.combine(day, ends),
        room=" ".join(values.get("room", "").split()) or None,
        spoken_language=language,
        has_interpretation=_parse_flag(values.get("interpretation", "")),
        is_virtual=join_url is not None,
        join_url=join_url,
        capacity=_parse_capacity(values.get("capacity", "")),
        speakers=_parse_speakers(session, values.get("speakers", ""), event.main_language),
    )


def _line_message(number: int, message: object) -> str:
    return _("Line %(number)s: %(message)s", number=number, message=str(message))


def _rows(text: str) -> tuple[list[str], list[tuple[int, list[str]]]]:
    """The header and the numbered rows (as a spreadsheet counts them: the header is line 1)."""
    first_line = text.split("\n", 1)[0]
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=_delimiter(first_line), strict=True)
    rows: list[tuple[int, list[str]]] = []
    header: list[str] | None = None
    number = 0
    try:
        for cells in reader:
            number += 1
            if header is None:
                header = cells
                continue
            if not any(cell.strip() for cell in cells):
                continue
            rows.append((number, cells))
            if len(rows) > MAX_IMPORT_LINES:
                raise ImportFileError(_l("The file has more than %(count)s lines; split it.",
                                         count=MAX_IMPORT_LINES))
    except csv.Error as error:
        raise ImportFileError(
            _l("Line %(number)s cannot be read as CSV (%(reason)s).", number=number + 1, reason=str(error))
        ) from None
    if header is None:
        raise ImportFileError(_l("The file is empty."))
    return header, rows


def import_agenda_csv(
    session: Session, event: Event, text: str, actor: User | None, language: str = "de"
) -> ImportReport:
    """Add every line of a CSV agenda as a programme item (drafts on a published event).

    Refuses a file without the required columns, with more than MAX_IMPORT_LINES lines, and
    keeps nothing if any line breaks a rule or conflicts (with the agenda or another line).
    """
    header, rows = _rows(text)
    names = _read_header(header)
    report = ImportReport(lines=len(rows))
    if not rows:
        raise ImportFileError(_l("The file has a header but no programme items."))
    savepoint = session.begin_nested()
    try:
        for number, cells in rows:
            if len(cells) > len(names):
                report.errors.append(_line_message(
                    number, _l("The line has %(found)s cells but the header only %(expected)s.",
                               found=len(cells), expected=len(names))))
                continue
            values = dict(zip(names, cells + [""] * (len(names) - len(cells)), strict=True))
            try:
                data = _line_data(session, event, values)
                try:
                    save_session(session, event, data, actor, language=language)
                except ConflictError as error:
                    if error.has_errors:
                        raise
                    report.warnings.extend(
                        _line_message(number, conflict.message) for conflict in error.conflicts
                    )
                    save_session(session, event, data, actor, accept_warnings=True, language=language)
            except ConflictError as error:
                report.errors.extend(
                    _line_message(number, conflict.message)
                    for conflict in error.conflicts if conflict.is_error
                )
            except RuleError as error:
                report.errors.append(_line_message(number, error.message))
            else:
                report.created += 1
    except BaseException:
        savepoint.rollback()
        raise
    if report.errors:
        savepoint.rollback()
        report.created = 0
    else:
        savepoint.commit()
        audit.record(session, actor, "agenda.import", "event", event.id, event_id=event.id,
                     summary=f"CSV: {report.created}", changes={"created": report.created,
                                                                "warnings": len(report.warnings)})
        session.flush()
    return report
