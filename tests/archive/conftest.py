"""The search tables live outside the models' metadata, so the shared clean-up does not
empty it; rows of deleted events would otherwise linger (SQLite reuses rowids)."""
from __future__ import annotations

from collections.abc import Iterator

import pytest
from flask import Flask

from eventapp.archive.search import clear_search_tables
from eventapp.extensions import db


@pytest.fixture(autouse=True)
def _empty_search_table(app: Flask) -> Iterator[None]:
    yield
    with app.app_context(), db.engine.begin() as connection:
        clear_search_tables(connection)
