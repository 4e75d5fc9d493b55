"""The database layer's helpers that are not about the write lock."""
from __future__ import annotations

from sqlalchemy import text

from eventapp.database import settle_after_bulk_load
from eventapp.extensions import db


def test_settling_after_a_bulk_load_vacuums_postgresql_only(app, count_queries):
    with app.app_context():
        engine = db.engine
        settle_after_bulk_load(engine)
        with engine.connect() as connection:
            alive = connection.execute(text("SELECT 1")).scalar()

    expected = ["VACUUM ANALYZE"] if engine.dialect.name == "postgresql" else []
    assert (count_queries.statements[:-1], alive) == (expected, 1)
