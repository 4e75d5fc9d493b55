"""CSV and XLSX exports of registration lists, safe to open in a spreadsheet."""
from __future__ import annotations

import csv
import io
from collections.abc import Iterable

from flask_babel import gettext as _
from openpyxl import Workbook

from eventapp.labels import label
from eventapp.models import Registration

# A spreadsheet runs a cell that starts with one of these as a formula (CSV injection).
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def neutralise(value: object) -> str:
    """The cell's text, with a leading apostrophe when a spreadsheet would read a formula."""
    text = "" if value is None else str(value)
    return "'" + text if text.startswith(FORMULA_STARTS) else text


def registration_rows(registrations: Iterable[Registration], language: str) -> list[list[str]]:
    header = [
        _("Registered at"), _("Status"), _("First name"), _("Last name"), _("E-mail"),
        _("Organisation"), _("City"), _("Participant type"), _("Position"), _("Attendance"),
        _("Language"), _("Interpretation"), _("Notes"), _("Sessions"), _("Listed"),
        _("Checked in at"),
    ]
    rows = [header]
    for item in registrations:
        organisation = item.organisation.name if item.organisation else item.organisation_name
        city = item.city.text("name", language) if item.city else item.city_other
        sessions = "; ".join(
            f"{choice.session.text('title', language)} ({label(choice.status)})"
            for choice in item.session_choices
        )
        rows.append(
            [
                item.created_at.strftime("%Y-%m-%d %H:%M UTC"),
                label(item.status),
                item.first_name,
                item.last_name,
                item.email,
                organisation or "",
                city or "",
                label(item.participant_type),
                item.position or "",
                label(item.attendance_mode),
                label(item.preferred_language),
                _("yes") if item.needs_interpretation else _("no"),
                item.notes or "",
                sessions,
                _("yes") if item.consent_listing else _("no"),
                item.checked_in_at.strftime("%Y-%m-%d %H:%M UTC") if item.checked_in_at else "",
            ]
        )
    return rows


def to_csv(rows: list[list[str]]) -> bytes:
    """UTF-8 with BOM (so that Excel reads the umlauts and Chinese), every cell neutralised
    and quoted: a German spreadsheet splits unquoted text at ";", so "x;=1+1" would put a
    formula in a cell of its own."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, quoting=csv.QUOTE_ALL)
    for row in rows:
        writer.writerow([neutralise(cell) for cell in row])
    return ("\ufeff" + buffer.getvalue()).encode("utf-8")


def to_xlsx(rows: list[list[str]], title: str) -> bytes:
    workbook = Workbook()
    sheet = workbook.active
    sheet.title = title[:31]
    for row in rows:
        # Strings stay strings; a neutralised cell never becomes a formula.
        sheet.append([neutralise(cell) for cell in row])
        for cell in sheet[sheet.max_row]:
            cell.data_type = "s"
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()
