"""archive full-text search tables

SQLite: an FTS5 virtual table (rowid = event id) holding the normalised text built in
eventapp/archive/search.py. PostgreSQL: a tsvector per event with a GIN index. Both are
named search_* so that autogenerate leaves them alone (migrations/env.py).

Revision ID: 0004
Revises: 0001
"""
from alembic import op

revision = "0004"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade():
    bind = op.get_bind()
    if bind.dialect.name == "postgresql":
        op.execute(
            "CREATE TABLE search_events ("
            " event_id INTEGER PRIMARY KEY REFERENCES events (id) ON DELETE CASCADE,"
            " document TSVECTOR NOT NULL)"
        )
        op.execute("CREATE INDEX ix_search_events_document ON search_events USING gin (document)")
    else:
        op.execute(
            "CREATE VIRTUAL TABLE search_events USING fts5("
            "title, body, tokenize = 'unicode61 remove_diacritics 0')"
        )
    # Events that exist before this migration get their rows in migration 0012, which
    # rebuilds the index in its current form.


def downgrade():
    op.execute("DROP TABLE search_events")
