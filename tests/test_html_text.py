"""escape_text() escapes exactly as markupsafe's escape() does, as a plain str."""
from __future__ import annotations

import pytest
from markupsafe import Markup, escape

from eventapp.html_text import escape_text


@pytest.mark.parametrize("value", [
    "Saal A", "", "Tom & Jerry", "<script>", 'a "b"', "it's", "佛山 · Wasserstoff",
    Markup("<mark>Foshan</mark>"), 42, "09:00–09:30",
    "<a href='x' title=\"&amp; &#39;\">>&<</a>", "&&&", "\"'", "\u00e4<\u00f6>",
])
def test_escape_text_is_markupsafe_escape_as_str(value):
    result = escape_text(value)

    assert (result, type(result)) == (str(escape(value)), str)
