"""The schema comes from migrations alone and matches the models."""
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from flask_migrate import downgrade, upgrade

from eventapp.extensions import db
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
