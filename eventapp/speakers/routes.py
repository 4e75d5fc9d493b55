"""Speaker pages of the back office and the public photo route."""
from __future__ import annotations

from eventapp.speakers import bp  # noqa: F401
