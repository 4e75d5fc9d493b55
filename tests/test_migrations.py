"""The schema comes from migrations alone and matches the models."""
from datetime import UTC, datetime

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from flask_migrate import downgrade, upgrade
from sqlalchemy import insert, text
from sqlalchemy.orm import Session

from eventapp.archive.services import ArchiveFilters, search_archive
from eventapp.extensions import db
from eventapp.models import Event
from tests.conftest import reset_schema


def test_migrations_match_models(app_ctx):
    with db.engine.connect() as connection:
        context = MigrationContext.configure(
            connection,
            opts={"include_name": lambda name, type_, parents: not (type_ == "table" and name.startswith("search_")),
                  "compare_type": True},
        )
        assert compare_metadata(context, db.metadata) == []


def test_migrations_run_down_to_empty_and_up_again(app):
    with app.app_context():
        downgrade(revision="base")
        upgrade(revision="heads")
    reset_schema(app)


def _insert_archived_event(connection) -> None:
    """An event written without the ORM (no flush listener), as data from before 0012."""
    starts_at = datetime(2019, 5, 4, 8, tzinfo=UTC)
    connection.execute(insert(Event), [{
        "slug": "foshan-2019", "main_language": "de", "kind": "delegation_visit",
        "format": "in_person", "status": "published", "timezone": "Europe/Berlin",
        "starts_at": starts_at, "ends_at": starts_at.replace(hour=16),
        "title_i18n": {"de": "Delegationsreise nach Foshan"}, "summary_i18n": {},
        "report_i18n": {}, "languages": ["de"],
    }])


def test_search_migration_indexes_existing_events_and_goes_back(app):
    with app.app_context():
        downgrade(revision="0011")
        with db.engine.begin() as connection:
            _insert_archived_event(connection)
        upgrade(revision="0012")
        with Session(db.engine) as session:
            found = [event.slug for event in search_archive(session, ArchiveFilters(q="Foshan")).events]
        downgrade(revision="0011")
        with db.engine.connect() as connection:
            kept = connection.execute(text("SELECT count(*) FROM search_events")).scalar()
    reset_schema(app)

    assert (found, kept) == (["foshan-2019"], 1)
