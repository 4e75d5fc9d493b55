"""The agenda builds its join boxes in Python (eventapp/events/agenda_html.py) for speed; they
must stay the markup of the join_button macro (templates/macros/video.html) that the session
and participant pages use, for every public phase."""
from __future__ import annotations

import re
from datetime import UTC, datetime

import pytest
from flask import render_template_string

from eventapp.events.agenda_html import join_html, row_texts
from eventapp.models import Visibility
from eventapp.virtual.services import JoinView

STARTS = datetime(2027, 3, 2, 9, 0, tzinfo=UTC)
ENDS = datetime(2027, 3, 2, 10, 0, tzinfo=UTC)


def _view(phase: str, visibility: Visibility, **values: object) -> JoinView:
    return JoinView(
        session_id=7, title="Panel <b>", phase=phase, visibility=visibility, starts_at=STARTS,
        ends_at=ENDS, opens_at=datetime(2027, 3, 2, 8, 30, tzinfo=UTC),
        opens_label="09:30 Berlin (UTC+1) / 16:30 Beijing (UTC+8) <&>", times_label="", **values,
    )


def _normalised(html: str) -> str:
    return re.sub(r">\s+<", "><", html.strip())


@pytest.mark.parametrize("language", ["de", "en", "zh"])
@pytest.mark.parametrize(
    ("phase", "visibility", "values"),
    [
        ("waiting", Visibility.PUBLIC, {}),
        ("waiting", Visibility.PARTICIPANTS, {}),
        ("open", Visibility.PUBLIC, {"href": "/events/x/sessions/7/join?a=1&b=2"}),
        ("open", Visibility.PARTICIPANTS, {}),
        ("ended", Visibility.PUBLIC, {}),
        ("ended", Visibility.PUBLIC, {"recording_url": "https://example.org/r?a=1&b=\"2\"",
                                      "slides_url": "https://example.org/s.pdf"}),
    ],
)
def test_python_join_box_is_the_macros_markup(app, phase, visibility, values, language):
    view = _view(phase, visibility, **values)
    with app.test_request_context(f"/?lang={language}"):
        from_macro = render_template_string(
            '{% from "macros/video.html" import join_button %}{{ join_button(view) }}', view=view)
        from_python = join_html(view, row_texts())
    assert _normalised(from_python) == _normalised(from_macro)
