"""escape_text() escapes exactly as markupsafe's escape() does, as a plain str; FinishedHtml
reaches a template's output as it is, and text next to it is still escaped."""
from __future__ import annotations

import pytest
from jinja2 import Environment
from markupsafe import Markup, escape

from eventapp.html_text import FinishedHtml, escape_text


@pytest.mark.parametrize("value", [
    "Saal A", "", "Tom & Jerry", "<script>", 'a "b"', "it's", "佛山 · Wasserstoff",
    Markup("<mark>Foshan</mark>"), 42, "09:00–09:30",
    "<a href='x' title=\"&amp; &#39;\">>&<</a>", "&&&", "\"'", "\u00e4<\u00f6>",
])
def test_escape_text_is_markupsafe_escape_as_str(value):
    result = escape_text(value)

    assert (result, type(result)) == (str(escape(value)), str)


def test_finished_html_is_output_as_it_is_and_other_values_are_escaped():
    finished = FinishedHtml('<li class="slot">Tom &amp; Jerry</li>')
    template = Environment(autoescape=True).from_string("{{ html }}|{{ text }}")

    assert template.render(html=finished, text="<li>") == '<li class="slot">Tom &amp; Jerry</li>|&lt;li&gt;'
    assert (type(escape(finished)), str(escape(finished))) == (Markup, finished.text)
    assert str(finished) == finished.text
