"""CSV import of an agenda."""
from __future__ import annotations

from eventapp.agenda import bp  # noqa: F401
