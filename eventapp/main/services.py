"""The health probe: is the database reachable, answering in time, and migrated?"""
from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from concurrent.futures import TimeoutError as FutureTimeout
from functools import lru_cache
from pathlib import Path

from alembic.config import Config as AlembicConfig
from alembic.script import ScriptDirectory
from sqlalchemy import text
from sqlalchemy.engine import Engine
from sqlalchemy.exc import OperationalError, ProgrammingError, SQLAlchemyError

# A hung database (a dead host that drops packets, a server that accepts but never answers)
# must not hang the probe: it runs in a worker thread and the answer waits this long at most.
PROBE_SECONDS = 1.5
_probes = ThreadPoolExecutor(max_workers=4, thread_name_prefix="healthz")


@lru_cache(maxsize=4)
def migration_heads(directory: str) -> frozenset[str]:
    """The head revisions of the migrations in `directory` (read once per process)."""
    config = AlembicConfig()
    config.set_main_option("script_location", directory)
    return frozenset(ScriptDirectory.from_config(config).get_heads())


def _probe(engine: Engine, heads: frozenset[str]) -> str:
    try:
        with engine.connect() as connection:
            if connection.dialect.name == "postgresql":
                connection.exec_driver_sql("SET statement_timeout = 1000")
            versions = set(
                connection.execute(text("SELECT version_num FROM alembic_version")).scalars()
            )
            connection.rollback()
    except (ProgrammingError, OperationalError) as error:
        # A database without the version table is reachable but was never migrated.
        message = str(error.orig).lower()
        if "alembic_version" in message and ("no such table" in message or "does not exist" in message):
            return "unmigrated"
        return "error"
    except SQLAlchemyError:
        return "error"
    return "ok" if versions == heads else "unmigrated"


def probe_database(engine: Engine, migrations: str | Path) -> str:
    """"ok", "unmigrated" (reachable, schema not at the migrations' head) or "error"
    (unreachable, failing, or no answer within PROBE_SECONDS)."""
    future = _probes.submit(_probe, engine, migration_heads(str(migrations)))
    try:
        return future.result(timeout=PROBE_SECONDS)
    except FutureTimeout:
        return "error"
