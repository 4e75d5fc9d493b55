"""The four independent readers of our feeds: icalendar, vobject, ical.js and libical.

Each returns {uid: Item} with UTC instants, so tests can compare them with each other
and with the database. ical.js and libical run as subprocesses (node, system python3);
outside CI a missing tool skips the test with the reason, in CI it fails.
"""
from __future__ import annotations

import json
import os
import shutil
import subprocess
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import pytest
import vobject
from icalendar import Calendar

HERE = Path(__file__).resolve().parent
ICALJS_DIR = HERE / "icaljs"
LIBICAL_SCRIPT = HERE / "libical_check.py"
SYSTEM_PYTHON = "/usr/bin/python3"


@dataclass(frozen=True)
class Item:
    uid: str
    starts_at: datetime
    ends_at: datetime
    sequence: int
    status: str
    summary: str


def _utc(moment: datetime) -> datetime:
    assert moment.tzinfo is not None, "a floating time: the TZID did not resolve"
    return moment.astimezone(UTC)


def _missing(reason: str) -> None:
    if os.environ.get("CI"):
        pytest.fail(f"{reason} (required in CI)")
    pytest.skip(reason)


def read_icalendar(body: bytes) -> dict[str, Item]:
    calendar = Calendar.from_ical(body)
    items = {}
    for event in calendar.walk("VEVENT"):
        uid = str(event["UID"])
        items[uid] = Item(
            uid,
            _utc(event.decoded("DTSTART")),
            _utc(event.decoded("DTEND")),
            int(event.get("SEQUENCE", 0)),
            str(event.get("STATUS", "")),
            str(event.get("SUMMARY", "")),
        )
    return items


def read_vobject(body: bytes) -> dict[str, Item]:
    calendar = vobject.readOne(body.decode("utf-8"))
    items = {}
    for event in getattr(calendar, "vevent_list", []):
        uid = event.uid.value
        items[uid] = Item(
            uid,
            _utc(event.dtstart.value),
            _utc(event.dtend.value),
            int(event.sequence.value) if hasattr(event, "sequence") else 0,
            event.status.value if hasattr(event, "status") else "",
            event.summary.value if hasattr(event, "summary") else "",
        )
    return items


def _from_json(events: list[dict]) -> dict[str, Item]:
    return {
        event["uid"]: Item(
            event["uid"],
            _utc(datetime.fromisoformat(event["start"].replace("Z", "+00:00"))),
            _utc(datetime.fromisoformat(event["end"].replace("Z", "+00:00"))),
            int(event["sequence"] or 0),
            event["status"] or "",
            event["summary"] or "",
        )
        for event in events
    }


def icaljs_ready() -> None:
    """Skip (locally) or fail (CI) unless node and the ical.js package are there; installs
    the package with `npm ci` on first use."""
    if shutil.which("node") is None:
        _missing("node is not installed (Debian package nodejs)")
    if not (ICALJS_DIR / "node_modules" / "ical.js").exists():
        npm = shutil.which("npm")
        if npm is None:
            _missing("npm is not installed (Debian package npm)")
        result = subprocess.run(
            [npm, "ci", "--no-audit", "--no-fund"], cwd=ICALJS_DIR,
            capture_output=True, text=True, timeout=300,
        )
        if result.returncode != 0:
            _missing(f"npm ci for ical.js failed: {result.stderr[-500:]}")


def read_icaljs(path: Path) -> tuple[dict, dict[str, Item]]:
    icaljs_ready()
    result = subprocess.run(
        ["node", str(ICALJS_DIR / "check.mjs"), str(path)],
        capture_output=True, text=True, timeout=60, check=True,
    )
    data = json.loads(result.stdout)
    assert all(event["tzid"] != "floating" for event in data["events"]), data["events"]
    return data["calendar"], _from_json(data["events"])


def libical_ready() -> None:
    probe = subprocess.run(
        [SYSTEM_PYTHON, "-c", "import gi; gi.require_version('ICalGLib', '3.0')"],
        capture_output=True, text=True,
    ) if Path(SYSTEM_PYTHON).exists() else None
    if probe is None or probe.returncode != 0:
        _missing("libical for Python is missing (Debian packages gir1.2-ical-3.0 python3-gi)")


def read_libical(path: Path) -> tuple[list[str], dict[str, Item]]:
    """libical's restriction errors (X-LIC-ERROR) and the events it read."""
    libical_ready()
    result = subprocess.run(
        [SYSTEM_PYTHON, str(LIBICAL_SCRIPT), str(path)],
        capture_output=True, text=True, timeout=60, check=True,
    )
    data = json.loads(result.stdout)
    return data["errors"], _from_json(data["events"])


def read_components(path: Path) -> dict[str, list[str]]:
    """The names of the calendar's own components as ical.js and libical see them."""
    icaljs_ready()
    libical_ready()
    found = {}
    for parser, command in (("ical.js", ["node", str(ICALJS_DIR / "check.mjs")]),
                            ("libical", [SYSTEM_PYTHON, str(LIBICAL_SCRIPT)])):
        result = subprocess.run([*command, str(path)], capture_output=True, text=True, timeout=60, check=True)
        found[parser] = json.loads(result.stdout)["components"]
    return found
