"""archive search: rows carry the archive's sort key, so a page of results is read in
key order instead of ranking every match (#9)

SQLite: the FTS5 table is rebuilt with rowid = sort key, and search_keys maps event ids
to keys. PostgreSQL: search_events gains sort_key. Both are rebuilt from the events by
eventapp/archive/search.py (reindex_events).

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-01 11:00:00

"""
from alembic import op
from sqlalchemy.orm import Session

revision = "0012"
down_revision = "0011"
branch_labels = None
depends_on = None


def upgrade():
    bind = op.get_bind()
    if bind.dialect.name == "postgresql":
        op.execute("DELETE FROM search_events")
        op.execute("ALTER TABLE search_events ADD COLUMN sort_key BIGINT NOT NULL")
        # Writes are rare (an event's texts change) and searches frequent: entries go
        # straight into the index instead of a pending list every search must scan.
        op.execute("ALTER INDEX ix_search_events_document SET (fastupdate = off)")
    else:
        op.execute("DROP TABLE search_events")
        op.execute(
            "CREATE VIRTUAL TABLE search_events USING fts5("
            "title, body, tokenize = 'unicode61 remove_diacritics 0')"
        )
        # No foreign key: a cascade would drop an event's key before the flush listener
        # has used it to find the event's row in search_events.
        op.execute(
            "CREATE TABLE search_keys ("
            " event_id INTEGER PRIMARY KEY,"
            " sort_key INTEGER NOT NULL UNIQUE)"
        )
    from eventapp.archive.search import reindex_events

    if bind.exec_driver_sql("SELECT count(*) FROM events").scalar():
        reindex_events(Session(bind=bind))


def downgrade():
    bind = op.get_bind()
    if bind.dialect.name == "postgresql":
        op.execute("ALTER INDEX ix_search_events_document RESET (fastupdate)")
        op.execute("ALTER TABLE search_events DROP COLUMN sort_key")
        return
    # Back to rowid = event id; the rows keep their text.
    op.execute("ALTER TABLE search_events RENAME TO search_events_keyed")
    op.execute(
        "CREATE VIRTUAL TABLE search_events USING fts5("
        "title, body, tokenize = 'unicode61 remove_diacritics 0')"
    )
    op.execute(
        "INSERT INTO search_events (rowid, title, body)"
        " SELECT search_keys.event_id, keyed.title, keyed.body"
        " FROM search_events_keyed AS keyed JOIN search_keys ON search_keys.sort_key = keyed.rowid"
    )
    op.execute("DROP TABLE search_events_keyed")
    op.execute("DROP TABLE search_keys")
