"""Engine tuning per database, applied to every engine the app creates, and the SQLite
write lock every writing service takes first (begin_write)."""
from __future__ import annotations

import contextlib
import fcntl
import json
import os
from typing import Any

import orjson
from sqlalchemy import event
from sqlalchemy.engine import Connection, Engine
from sqlalchemy.exc import ProgrammingError
from sqlalchemy.orm import Session, SessionTransaction, scoped_session


def load_json(text: str | bytes) -> Any:
    """A stored JSON text as Python values: orjson reads it several times faster than the
    json module (a 300-session agenda decodes 400 texts per page); what orjson refuses
    and json reads (a lone surrogate escape written by json.dumps) is read by json."""
    try:
        return orjson.loads(text)
    except orjson.JSONDecodeError:
        return json.loads(text)


@event.listens_for(Engine, "connect")
def _sqlite_on_connect(dbapi_connection: Any, _record: Any) -> None:
    module = type(dbapi_connection).__module__
    if not module.startswith("sqlite3"):
        return
    # Let SQLAlchemy emit BEGIN itself so that SAVEPOINTs and BEGIN IMMEDIATE work.
    dbapi_connection.isolation_level = None
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA busy_timeout=30000")
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.close()


@event.listens_for(Engine, "begin")
def _sqlite_on_begin(connection: Any) -> None:
    if connection.dialect.name == "sqlite":
        mode = connection.info.pop("sqlite_begin", "BEGIN")
        connection.exec_driver_sql(mode)


def begin_write(session: Session) -> None:
    """Start the session's transaction as a writer (SQLite: BEGIN IMMEDIATE).

    A deferred SQLite transaction that reads first and writes later fails with "database is
    locked" when another writer committed in between; taking the write lock up front makes
    concurrent writers queue on busy_timeout instead. PostgreSQL needs nothing here.
    """
    if isinstance(session, scoped_session):
        session = session()
    bind = session.get_bind()
    if bind.dialect.name != "sqlite":
        return
    if session.in_transaction():
        if session.new or session.dirty or session.deleted:
            raise RuntimeError("begin_write() with unsaved changes: call it before changing anything")
        session.rollback()  # end the read snapshot; loaded objects reload on next access
    _take_write_lock(session, bind.url.database)
    try:
        session.connection(execution_options={"sqlite_begin": "BEGIN IMMEDIATE"})
    except BaseException:
        _unlock(session)
        raise


def begin_write_on_post() -> None:
    """A blueprint's before_request: every POST of the back office is a writer from its start
    (approvals, promotions and capacity edits take seats), so SQLite queues it instead of
    failing with "database is locked" halfway."""
    from flask import request

    from eventapp.extensions import db

    if request.method == "POST":
        begin_write(db.session)


def _take_write_lock(session: Session, database: str | None) -> None:
    """Queue SQLite writers of every process on a file lock before BEGIN IMMEDIATE.

    SQLite's own busy handler polls with sleeps of up to 100 ms, so under load a waiting
    writer sleeps long after the lock is free; flock() wakes the next writer at once.
    Released after the transaction ends (see _release_write_lock).
    """
    if not database or database == ":memory:" or "write_lock_fd" in session.info:
        return
    descriptor = os.open(f"{database}.write-lock", os.O_CREAT | os.O_RDWR, 0o600)
    fcntl.flock(descriptor, fcntl.LOCK_EX)
    session.info["write_lock_fd"] = descriptor


@event.listens_for(Session, "after_transaction_end")
def _release_write_lock(session: Session, transaction: SessionTransaction) -> None:
    # The outermost transaction ended: by commit, rollback or close (a request that aborts).
    if transaction.parent is None:
        _unlock(session)


def _unlock(session: Session) -> None:
    descriptor = session.info.pop("write_lock_fd", None)
    if descriptor is not None:
        fcntl.flock(descriptor, fcntl.LOCK_UN)
        os.close(descriptor)


@event.listens_for(Engine, "set_connection_execution_options")
def _pass_sqlite_begin(connection: Connection, options: dict) -> None:
    # eventapp/database.py starts the next SQLite transaction with connection.info["sqlite_begin"].
    mode = options.get("sqlite_begin")
    if mode and connection.dialect.name == "sqlite":
        connection.info["sqlite_begin"] = mode


def settle_after_bulk_load(engine: Engine) -> None:
    """After thousands of rows in one go (`flask demo load --large`): PostgreSQL's VACUUM
    ANALYZE sets the visibility map and the statistics now, as autovacuum would a minute
    later, so that counts and deep archive pages read their indexes alone from the first
    request (a page 480 took 17.7 ms by sequential scan and sort before, 3.0 ms after).
    SQLite's ANALYZE already ran with the search index (archive/search.py).

    Then a CHECKPOINT writes the load's dirty pages now: otherwise the next timed
    checkpoint flushes them while the first requests run (a registration POST measured
    right after the load once had a p99 of 893 ms, against 274 ms when run again)."""
    if engine.dialect.name != "postgresql":
        return
    with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
        connection.exec_driver_sql("VACUUM ANALYZE")
        # A role without pg_checkpoint leaves it to the timed checkpoint.
        with contextlib.suppress(ProgrammingError):
            connection.exec_driver_sql("CHECKPOINT")
