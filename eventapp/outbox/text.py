"""Plain text that organisers type, as the HTML part of a mail: paragraphs, line breaks and
http(s) links kept, everything else escaped (never taken as HTML)."""
from __future__ import annotations

import re

import nh3
from markupsafe import Markup, escape

# A link ends at white space, at what cannot stand in a URL unescaped, and before CJK
# punctuation and full-width forms (Chinese text runs straight on after a link).
URL_RE = re.compile(r"""https?://[^\s<>"'`\u3000-\u303f\uff00-\uffef]+""", re.IGNORECASE)
TRAILING_PUNCTUATION = ".,;:!?'\")]}*"
MESSAGE_TAGS = {"p", "br", "a"}


def _split_link(candidate: str) -> tuple[str, str]:
    """("https://x.org/a_(b)", ").") from "https://x.org/a_(b))."; sentence marks stay text."""
    url = candidate
    while url and url[-1] in TRAILING_PUNCTUATION:
        if url[-1] == ")" and url.count("(") >= url.count(")"):
            break
        url = url[:-1]
    return url, candidate[len(url):]


def _linked_line(line: str) -> Markup:
    parts: list[Markup] = []
    position = 0
    for match in URL_RE.finditer(line):
        url, rest = _split_link(match.group())
        parts.append(escape(line[position:match.start()]))
        if url.split("://", 1)[1]:
            parts.append(Markup('<a href="{0}">{0}</a>').format(url))
        else:
            parts.append(escape(url))
        parts.append(escape(rest))
        position = match.end()
    parts.append(escape(line[position:]))
    return Markup("").join(parts)


def message_html(text: str) -> Markup:
    """An organiser's plain text as HTML: a <p> per blank-line paragraph, <br> per line
    break, http(s) URLs as links; everything else escaped, never taken as HTML."""
    text = text.replace("\r\n", "\n").replace("\r", "\n").strip()
    paragraphs = [part.strip("\n") for part in re.split(r"\n[ \t]*\n\s*", text) if part.strip()]
    html = "\n".join(
        Markup("<p>{}</p>").format(Markup("<br>\n").join(_linked_line(line) for line in paragraph.split("\n")))
        for paragraph in paragraphs
    )
    # Belt and braces: whatever slipped through, only these tags and http(s) links survive.
    cleaned = nh3.clean(html, tags=MESSAGE_TAGS, attributes={"a": {"href"}}, url_schemes={"http", "https"})
    return Markup(cleaned)  # noqa: S704  (nh3's output: escaped text, <p>, <br>, http(s) links)
