"""Catalog upkeep: the English catalog mirrors its English msgids; completeness checks.

`python -m eventapp.i18n_tools` fills the English catalog after `make update-messages`.
"""
from __future__ import annotations

from pathlib import Path

from babel.messages.catalog import Catalog
from babel.messages.pofile import read_po, write_po

TRANSLATIONS = Path(__file__).resolve().parent / "translations"
LANGUAGES = ("de", "en", "zh")


def catalog_path(language: str) -> Path:
    return TRANSLATIONS / language / "LC_MESSAGES" / "messages.po"


def load_catalog(path: Path) -> Catalog:
    with path.open("rb") as handle:
        return read_po(handle)


def fill_english() -> int:
    """Copy each msgid into the English msgstr where it is empty; returns how many changed."""
    path = catalog_path("en")
    catalog = load_catalog(path)
    changed = 0
    for message in catalog:
        if not message.id:
            continue
        if isinstance(message.id, tuple):
            if not all(message.string):
                message.string = (message.id[0], message.id[1])
                changed += 1
        elif not message.string:
            message.string = message.id
            changed += 1
        message.flags.discard("fuzzy")
    with path.open("wb") as handle:
        write_po(handle, catalog, width=100)
    return changed


def missing_translations(language: str) -> list[str]:
    """Msgids of the language's catalog without a (non-fuzzy) translation."""
    missing = []
    for message in load_catalog(catalog_path(language)):
        if not message.id:
            continue
        strings = message.string if isinstance(message.string, tuple) else (message.string,)
        if "fuzzy" in message.flags or not all(strings):
            missing.append(message.id if isinstance(message.id, str) else message.id[0])
    return missing


def export_missing(language: str) -> list[dict]:
    """The untranslated entries of a catalog as {"id", "plural", "context", "string"} dicts."""
    entries = []
    for message in load_catalog(catalog_path(language)):
        if not message.id:
            continue
        strings = message.string if isinstance(message.string, tuple) else (message.string,)
        if "fuzzy" in message.flags or not all(strings):
            ids = message.id if isinstance(message.id, tuple) else (message.id,)
            entries.append({
                "id": ids[0],
                "plural": ids[1] if len(ids) > 1 else None,
                "context": message.context,
                "string": [] if len(ids) > 1 else "",
            })
    return entries


def apply_translations(language: str, entries: list[dict]) -> int:
    """Write translated entries (as export_missing gives them, "string" filled) into a catalog."""
    path = catalog_path(language)
    catalog = load_catalog(path)
    changed = 0
    for entry in entries:
        key = (entry["id"], entry["plural"]) if entry.get("plural") else entry["id"]
        message = catalog.get(key, context=entry.get("context"))
        if message is None or not entry.get("string"):
            continue
        string = entry["string"]
        message.string = tuple(string) if isinstance(string, list) else string
        message.flags.discard("fuzzy")
        changed += 1
    with path.open("wb") as handle:
        write_po(handle, catalog, width=100)
    return changed


if __name__ == "__main__":
    import json
    import sys

    if len(sys.argv) == 3 and sys.argv[1] == "--missing":
        json.dump(export_missing(sys.argv[2]), sys.stdout, ensure_ascii=False, indent=1)
    elif len(sys.argv) == 4 and sys.argv[1] == "--apply":
        with open(sys.argv[3], encoding="utf-8") as handle:
            print(f"{apply_translations(sys.argv[2], json.load(handle))} entries written")
    else:
        print(f"English catalog: {fill_english()} entries filled")
