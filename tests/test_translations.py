"""Every interface string is translated into German, English and Chinese."""
import subprocess
import sys

import pytest
from babel.messages.pofile import read_po

from eventapp.i18n_tools import (
    LANGUAGES,
    TRANSLATIONS,
    catalog_path,
    load_catalog,
    missing_translations,
)


@pytest.fixture(scope="module")
def extracted_ids(tmp_path_factory):
    pot = tmp_path_factory.mktemp("i18n") / "messages.pot"
    subprocess.run(
        [sys.executable, "-m", "babel.messages.frontend", "extract", "--no-location", "-F", "babel.cfg",
         "-k", "_l", "-k", "lazy_gettext", "-k", "pgettext:1c,2", "-o", str(pot), "."],
        check=True, capture_output=True, cwd=TRANSLATIONS.parent.parent,
    )
    with pot.open("rb") as handle:
        return {m.id if isinstance(m.id, str) else m.id[0] for m in read_po(handle) if m.id}


@pytest.mark.parametrize("language", LANGUAGES)
def test_catalog_has_every_extracted_string(extracted_ids, language):
    catalog_ids = {
        m.id if isinstance(m.id, str) else m.id[0] for m in load_catalog(catalog_path(language)) if m.id
    }
    assert sorted(extracted_ids - catalog_ids) == []


@pytest.mark.parametrize("language", LANGUAGES)
def test_catalog_translates_every_string(language):
    assert missing_translations(language) == []


@pytest.mark.parametrize("language", LANGUAGES)
def test_catalog_keeps_placeholders(language):
    import re

    placeholder = re.compile(r"%\((\w+)\)s")
    for message in load_catalog(catalog_path(language)):
        if message.id and isinstance(message.id, str) and message.string:
            assert set(placeholder.findall(message.id)) == set(placeholder.findall(message.string)), message.id
