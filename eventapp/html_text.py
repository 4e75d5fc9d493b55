"""HTML escaping for markup built as plain strings (agenda rows, speaker cards, archive
results): the same escaping as markupsafe's escape(), as a str, with no Markup object made
for the common text that holds nothing to escape."""
from __future__ import annotations

from markupsafe import escape

_SPECIAL = ("&", "<", ">", '"', "'")


def escape_text(value: object) -> str:
    """`value` HTML-escaped as a plain str (a Markup value stays as it is, as with escape())."""
    if type(value) is str and not any(char in value for char in _SPECIAL):
        return value
    return str(escape(value))
