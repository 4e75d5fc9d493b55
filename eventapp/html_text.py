"""HTML escaping for markup built as plain strings (agenda rows, speaker cards, archive
results): the same escaping as markupsafe's escape(), as a str, with no Markup object made
for the common text that holds nothing to escape."""
from __future__ import annotations

from markupsafe import escape


class FinishedHtml:
    """HTML built and escaped in Python, for a template's `{{ }}`: escape() reads it through
    __html__ into one Markup. Made a Markup here, a whole agenda day (up to 100 KB) was
    copied once more, since a str subclass copies the string it is made from: two copies
    of the 300-session agenda were a tenth of its page's string work."""

    __slots__ = ("text",)

    def __init__(self, text: str) -> None:
        self.text = text

    def __html__(self) -> str:
        return self.text

    def __str__(self) -> str:
        return self.text


def escape_text(value: object) -> str:
    """`value` HTML-escaped as a plain str (a Markup value stays as it is, as with escape()).

    Plain strings are tested with five `in` checks, which run in C: a page calls this a
    few hundred times and most values hold nothing to escape."""
    if type(value) is str:
        if "&" in value or "<" in value or ">" in value or '"' in value or "'" in value:
            return (
                value.replace("&", "&amp;").replace(">", "&gt;").replace("<", "&lt;")
                .replace("'", "&#39;").replace('"', "&#34;")
            )
        return value
    return str(escape(value))
