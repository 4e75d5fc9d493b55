"""Agenda builder pages: grid, item forms, moves, releases."""
from __future__ import annotations

from eventapp.agenda import bp  # noqa: F401
