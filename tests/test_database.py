"""The database layer's helpers that are not about the write lock."""
from __future__ import annotations

from sqlalchemy import text

from eventapp.database import load_json, settle_after_bulk_load
from eventapp.extensions import db


def test_settling_after_a_bulk_load_vacuums_and_checkpoints_postgresql_only(app, count_queries):
    with app.app_context():
        engine = db.engine
        settle_after_bulk_load(engine)
        with engine.connect() as connection:
            alive = connection.execute(text("SELECT 1")).scalar()

    expected = ["VACUUM ANALYZE", "CHECKPOINT"] if engine.dialect.name == "postgresql" else []
    assert (count_queries.statements[:-1], alive) == (expected, 1)


def test_settling_needs_no_checkpoint_right(app):
    """A role that may not CHECKPOINT (PostgreSQL's pg_checkpoint) still settles a load."""
    import pytest
    from sqlalchemy import create_engine

    with app.app_context():
        engine = db.engine
    if engine.dialect.name != "postgresql":
        pytest.skip("PostgreSQL only")
    with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
        connection.execute(text("DROP ROLE IF EXISTS eventapp_plain"))
        connection.execute(text("CREATE ROLE eventapp_plain LOGIN"))
    plain = create_engine(engine.url.set(username="eventapp_plain"))
    try:
        settle_after_bulk_load(plain)
        with plain.connect() as connection:
            assert connection.execute(text("SELECT current_user")).scalar() == "eventapp_plain"
    finally:
        plain.dispose()
        with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
            connection.execute(text("DROP ROLE eventapp_plain"))


def test_stored_json_is_read_by_orjson_and_what_it_refuses_by_json(session):
    import json

    assert session.get_bind().dialect._json_deserializer is load_json
    values = {"de": "Wirtschaftsförderung", "zh": "佛山", "n": [1, 2.5, None, True]}
    assert load_json(json.dumps(values)) == values
    # json.dumps writes a lone surrogate as an escape that orjson refuses.
    assert load_json(json.dumps({"de": "\ud800x"})) == {"de": "\ud800x"}
