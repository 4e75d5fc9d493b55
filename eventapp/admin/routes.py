"""Admin pages: accounts, assignments, audit log."""
from __future__ import annotations

from eventapp.admin import bp  # noqa: F401
