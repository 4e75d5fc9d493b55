"""The event page's speaker cards as one finished HTML string, built in Python per render.

A 300-session congress lists about 100 speakers; in Jinja each card cost a dozen
expressions, escapes and tests. Here the fixed parts are plain strings and each user
value (name, affiliation, bio, the bio's language) is escaped once.

The markup is byte for byte the loop templates/events/detail.html had (tests/events
compare it, with the speaker_photo macro of templates/speakers/_macros.html): change
both together.
"""
from __future__ import annotations

from collections.abc import Iterable

from eventapp.events.services import SpeakerCard
from eventapp.html_text import FinishedHtml, escape_text
from eventapp.i18n import html_language
from eventapp.speakers.routes import speaker_photo_url

_e = escape_text


def _card_html(card: SpeakerCard, page_language: str) -> str:
    name = _e(card.name)
    if card.photo_version is None:
        html = '\n      <li class="speaker">\n        '
    else:
        html = (
            '\n      <li class="speaker has-photo">\n        <img class="speaker-photo" src="'
            f'{_e(speaker_photo_url(card.id, card.photo_version))}" alt="{name}" width="96"'
            ' height="96" loading="lazy" decoding="async">'
        )
    html += f"\n        <h3>{name}</h3>\n        "
    if card.affiliation:
        html += f'<p class="speaker-affiliation">{_e(card.affiliation)}</p>'
    html += "\n        "
    if card.bio:
        html += '<p class="speaker-bio"'
        if card.bio_language != page_language:
            html += f' lang="{_e(html_language(card.bio_language))}"'
        html += f">{_e(card.bio)}</p>"
    return html + "\n      </li>\n      "


def speaker_cards_html(cards: Iterable[SpeakerCard], page_language: str) -> FinishedHtml:
    """The `<li>` cards of the speaker list, in the order given."""
    # Every user value went through _e() (tests/events: hostile names, affiliations, bios).
    return FinishedHtml("".join([_card_html(card, page_language) for card in cards]))
