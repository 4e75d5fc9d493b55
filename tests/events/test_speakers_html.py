"""The event page builds its speaker cards in Python (eventapp/events/speakers_html.py) for
speed; they must stay byte for byte the markup of the Jinja loop they replace (kept here as
the reference, with the live speaker_photo macro), hostile values escaped alike."""
from __future__ import annotations

import pytest
from flask import render_template_string

from eventapp.events.services import SpeakerCard
from eventapp.events.speakers_html import speaker_cards_html

# The loop templates/events/detail.html had before the cards were built in Python.
REFERENCE = """{% from "speakers/_macros.html" import speaker_photo %}
      {%- for speaker in speakers %}
      <li class="speaker{% if speaker.photo_version is not none %} has-photo{% endif %}">
        {% if speaker.photo_version is not none %}{{ speaker_photo(speaker.id, speaker.photo_version, speaker.name) }}{% endif %}
        <h3>{{ speaker.name }}</h3>
        {% if speaker.affiliation %}<p class="speaker-affiliation">{{ speaker.affiliation }}</p>{% endif %}
        {% if speaker.bio %}<p class="speaker-bio"{% if speaker.bio_language != lang %} lang="{{ html_language(speaker.bio_language) }}"{% endif %}>{{ speaker.bio }}</p>{% endif %}
      </li>
      {% endfor %}"""

HOSTILE = """<b onclick="x">O'Neil & Co</b>"""

CARDS = [
    SpeakerCard("Anna Albrecht", "Stadt Hildesheim", "Arbeitet zu Wasserstoff.", "de", 1),
    SpeakerCard("王芳", None, "研究电池生产。", "zh", 2, photo_version=3),
    SpeakerCard("Bo Chen", "", "", "en", 3),
    SpeakerCard(HOSTILE, HOSTILE, HOSTILE, "en", 4, photo_version=1),
    SpeakerCard("Dana Ernst", "Uni", "Short bio.", "en", 5, photo_version=None),
]


@pytest.mark.parametrize("language", ["de", "en", "zh"])
def test_python_speaker_cards_are_the_templates_markup(app, language):
    with app.test_request_context(f"/?lang={language}"):
        from_template = render_template_string(REFERENCE, speakers=CARDS, lang=language)
        from_python = str(speaker_cards_html(CARDS, language))
    assert from_python == from_template
    assert "<b" not in from_python and "&lt;b onclick=&#34;x&#34;&gt;O&#39;Neil &amp; Co" in from_python


def test_no_speakers_no_cards(app):
    with app.test_request_context("/"):
        assert str(speaker_cards_html([], "de")) == ""
