"""Database engines: SQLite or any SQLAlchemy URL, migrated under a lock, writes that wait.

Processes started together on a new database take turns at the migration (a file lock beside
the SQLite file, an advisory lock on PostgreSQL). A write that meets another writer's lock waits
(SQLite's busy timeout, then tries again with a growing pause) for PLANS_DB_LOCK_WAIT seconds in
all before it fails with DatabaseBusy, which blames the lock and not the file. Every failure to
open or write the database becomes the typed error that says why (pipeline.faults).
"""

from __future__ import annotations

import fcntl
import os
import sqlite3
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TypeVar

from sqlalchemy import create_engine, event, inspect, text
from sqlalchemy.engine import Connection, Engine
from sqlalchemy.exc import DBAPIError, IntegrityError, OperationalError
from sqlalchemy.orm import Session

from pipeline import errors, faults

T = TypeVar("T")


def data_home() -> Path:
    """The data folder: $PLANS_HOME or ./data."""
    return Path(os.environ.get("PLANS_HOME") or "data").resolve()


def database_url() -> str:
    return os.environ.get("PLANS_DB_URL") or f"sqlite:///{data_home() / 'plans.db'}"


def _sqlite_pragmas(dbapi_connection, _record) -> None:
    """A busy timeout first (so the rest waits for other writers), then WAL and foreign keys.

    pysqlite's own BEGIN is switched off: `_sqlite_begin` starts every transaction, so a write
    can take the write lock up front (BEGIN IMMEDIATE) instead of failing when it upgrades.
    """
    dbapi_connection.isolation_level = None
    cursor = dbapi_connection.cursor()
    cursor.execute(f"PRAGMA busy_timeout={_busy_ms()}")
    switch_to_wal(cursor)
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.close()


def switch_to_wal(cursor) -> None:
    """PRAGMA journal_mode=WAL, tried again while another process holds the new file: two
    processes opening a new database at once can get "database is locked" at once, without the
    busy timeout (SQLite's deadlock guard), before the migration lock is theirs."""
    deadline, pause = time.monotonic() + faults.db_lock_wait(), 0.01
    while True:
        try:
            cursor.execute("PRAGMA journal_mode=WAL")
            return
        except sqlite3.OperationalError as exc:
            if "locked" not in str(exc) or time.monotonic() > deadline:
                raise
            time.sleep(pause)
            pause = min(2 * pause, 0.5)


def _sqlite_begin(connection: Connection) -> None:
    write = connection.get_execution_options().get("plans_write")
    connection.exec_driver_sql("BEGIN IMMEDIATE" if write else "BEGIN")


def _busy_ms() -> int:
    return int(1000 * min(faults.db_busy_timeout(), faults.db_lock_wait()))


def _sqlite_reader_pragmas(dbapi_connection, _record) -> None:
    """A reader waits for writers and may not write, whatever a bug asks of it."""
    cursor = dbapi_connection.cursor()
    cursor.execute(f"PRAGMA busy_timeout={_busy_ms()}")
    cursor.execute("PRAGMA query_only=ON")
    cursor.close()


_ENGINES: dict[tuple[str, bool], Engine] = {}


def get_engine(url: str | None = None, *, readonly: bool = False) -> Engine:
    """An engine on the migrated database; one per URL, mode and process.

    `readonly`: the web app's engine. It never migrates, opens SQLite with mode=ro and runs
    every PostgreSQL transaction read-only; a database whose schema is missing or behind
    raises SchemaOutdated. A database that cannot be opened raises the typed error that says
    why (unreachable, damaged, busy, read-only, disk full); a failed migration MigrationFailed.
    """
    url = url or database_url()
    if (url, readonly) in _ENGINES:
        return _ENGINES[(url, readonly)]
    engine = _reader(url) if readonly else _writer(url)
    try:
        with engine.connect():
            pass
        revision = schema_revision(engine) if readonly else None
    except DBAPIError as exc:
        if readonly and engine.dialect.name == "sqlite" and "no such table" in str(exc):
            raise errors.SchemaOutdated(str(exc.orig)) from exc
        raise _database_error(exc, url) from exc
    if not readonly:
        revision = migrate(engine)
    if revision != SCHEMA_REVISION:
        raise errors.SchemaOutdated(f"schema {revision or 'none'}, this program needs {SCHEMA_REVISION}")
    _ENGINES[(url, readonly)] = engine
    return engine


def _database_error(exc: DBAPIError, url: str) -> errors.PlanError:
    folder = Path(url.removeprefix("sqlite:///")).parent if url.startswith("sqlite:///") else None
    fault = faults.environment_fault(exc, folder)
    return fault if fault is not None else errors.DatabaseUnreachable(str(exc.orig))


def _writer(url: str) -> Engine:
    if url.startswith("sqlite:///"):
        Path(url.removeprefix("sqlite:///")).parent.mkdir(parents=True, exist_ok=True)
    engine = create_engine(url)
    if engine.dialect.name == "sqlite":
        event.listen(engine, "connect", _sqlite_pragmas)
        event.listen(engine, "begin", _sqlite_begin)
    return engine


def _reader(url: str) -> Engine:
    if url.startswith("sqlite:///"):
        path = Path(url.removeprefix("sqlite:///"))
        if not path.is_file():
            raise errors.SchemaOutdated(f"{path}: no database yet")
        engine = create_engine(f"sqlite:///file:{path}?mode=ro&uri=true")
        event.listen(engine, "connect", _sqlite_reader_pragmas)
        return engine
    if url.startswith("postgresql"):
        return create_engine(url, connect_args={"options": "-c default_transaction_read_only=on"})
    return create_engine(url)


SCHEMA_REVISION = "0004"  # the newest revision in pipeline/migrations (a test keeps them equal)
_MIGRATION_LOCK_KEY = 0x706C616E73  # PostgreSQL advisory lock id of the migration ("plans")


def migrate(engine: Engine) -> str | None:
    """Bring the schema to the newest Alembic revision; returns the revision it is at.

    Processes started together on a new database take turns: the migration runs under a lock
    (a file lock beside the SQLite file, an advisory lock on PostgreSQL) and the revision is
    read again inside it, so the second process finds the work done.
    """
    if schema_revision(engine) == SCHEMA_REVISION:
        return SCHEMA_REVISION
    try:
        with _migration_lock(engine), engine.begin() as connection:
            if engine.dialect.name == "postgresql":  # held until this transaction ends
                connection.execute(text("select pg_advisory_xact_lock(:key)"),
                                   {"key": _MIGRATION_LOCK_KEY})
            if schema_revision(connection) != SCHEMA_REVISION:
                _upgrade(connection)
    except DBAPIError as exc:
        raise faults.environment_fault(exc) or errors.MigrationFailed(str(exc.orig)) from exc
    except errors.PlanError:
        raise
    except Exception as exc:  # noqa: BLE001 - Alembic's own errors (unknown revision ...)
        raise errors.MigrationFailed(f"{type(exc).__name__}: {exc}") from exc
    return schema_revision(engine)


def _upgrade(connection: Connection) -> None:
    from alembic import command  # loaded only when a migration is due
    from alembic.config import Config

    config = Config()
    config.set_main_option("script_location", str(Path(__file__).parent / "migrations"))
    config.attributes["connection"] = connection
    command.upgrade(config, "head")


@contextmanager
def _migration_lock(engine: Engine) -> Iterator[None]:
    """An exclusive file lock beside a SQLite database (other databases lock in `migrate`)."""
    database = engine.url.database if engine.dialect.name == "sqlite" else None
    if not database or database == ":memory:":
        yield
        return
    lock_path = Path(database).with_name(Path(database).name + ".migrate.lock")
    try:
        handle = open(lock_path, "a")  # noqa: SIM115 - closed below, after the unlock
    except OSError as exc:
        raise faults.environment_fault(exc) or errors.MigrationFailed(str(exc)) from exc
    try:
        fcntl.flock(handle, fcntl.LOCK_EX)  # waits while another process migrates
        yield
    finally:
        handle.close()


def schema_revision(bind: Engine | Connection) -> str | None:
    """The Alembic revision the database is at; None for a new database."""
    if not inspect(bind).has_table("alembic_version"):
        return None
    if isinstance(bind, Connection):
        return bind.execute(text("select version_num from alembic_version")).scalar()
    with bind.connect() as connection:
        return connection.execute(text("select version_num from alembic_version")).scalar()


@contextmanager
def session_scope(engine: Engine) -> Iterator[Session]:
    """A session that commits on success and rolls back on any error."""
    with Session(engine, expire_on_commit=False) as session, session.begin():
        yield session


@contextmanager
def read_session(engine: Engine) -> Iterator[Session]:
    """A session that only reads: whatever happens in it is rolled back, never committed."""
    with Session(engine) as session:
        try:
            yield session
        finally:
            session.rollback()



def write(engine: Engine, work: Callable[[Session], T]) -> T:
    """Run `work` in one write transaction, waiting while another writer holds the database.

    On SQLite the transaction takes the write lock when it starts (BEGIN IMMEDIATE), waiting up
    to the busy timeout; a lock still held then is tried again after a pause that doubles (at
    most 5 s) until PLANS_DB_LOCK_WAIT has passed. Two processes inserting the same new row:
    the loser's unique violation is tried again too, and then finds the winner's row.
    """
    wait = faults.db_lock_wait()
    deadline = time.monotonic() + wait
    pause, conflicts = 0.1, 0
    writer = engine.execution_options(plans_write=True)
    while True:
        try:
            with session_scope(writer) as session:
                return work(session)
        except IntegrityError:
            conflicts += 1
            if conflicts > 2:
                raise
        except OperationalError as exc:
            if not faults.is_lock_error(exc):
                raise _database_error(exc, str(engine.url)) from exc
            if time.monotonic() + pause > deadline:
                where = engine.url.render_as_string(hide_password=True)
                raise errors.DatabaseBusy(f"{where}, {wait:g} s: {exc.orig}") from exc
            time.sleep(pause)
            pause = min(2 * pause, 5.0)
