"""Agenda releases: the list of releases and the digest mail to registrants."""
from __future__ import annotations

from eventapp.agenda import bp  # noqa: F401
