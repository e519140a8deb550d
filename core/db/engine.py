"""Engine creation and migrations. SQLite gets WAL and a busy timeout; PostgreSQL gets UTC."""

from __future__ import annotations

import sqlite3
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from alembic import command
from alembic.config import Config
from sqlalchemy import Connection, Engine, create_engine, event, make_url
from sqlalchemy.orm import Session, sessionmaker

from core.config import Settings
from core.db.locks import MIGRATION, hold

MIGRATIONS_DIR = Path(__file__).resolve().parent.parent / "migrations"


WAL_SWITCH_ATTEMPTS = 100
# Connections kept open: more than the threads that query at once (the event loop's executor,
# the ingest workers, FastAPI's thread pool). Past the pool a connection is opened per query and
# closed after it, which costs far more than the query: SQLite re-reads the schema, PostgreSQL
# starts a backend.
POOL_SIZE = 32


def _sqlite_pragmas(busy_timeout: float) -> Callable[[Any, Any], None]:
    def on_connect(dbapi_connection: Any, _record: Any) -> None:
        _set_pragmas(dbapi_connection, busy_timeout)

    return on_connect


def _set_pragmas(dbapi_connection: Any, busy_timeout: float) -> None:
    cursor = dbapi_connection.cursor()
    cursor.execute(f"PRAGMA busy_timeout={int(busy_timeout * 1000)}")
    # Switching a new file to WAL needs it alone and does not wait on the busy timeout, so
    # processes opening a new store together retry until one of them has switched it.
    for attempt in range(WAL_SWITCH_ATTEMPTS):
        try:
            cursor.execute("PRAGMA journal_mode=WAL")
            break
        except sqlite3.OperationalError:
            if attempt == WAL_SWITCH_ATTEMPTS - 1:
                raise
            time.sleep(0.05)
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.close()


def _postgres_utc(dbapi_connection: Any, _record: Any) -> None:
    # timestamptz values come back in the session's zone; a server zone other than UTC makes
    # values near year 1 or 9999 unrepresentable as Python datetimes on the way out.
    with dbapi_connection.cursor() as cursor:
        cursor.execute("SET TIME ZONE 'UTC'")
    dbapi_connection.commit()


def make_engine(url: str, *, busy_timeout: float = 30.0) -> Engine:
    """An engine for `url`; on SQLite a write waits `busy_timeout` seconds for the lock."""
    if url.startswith("sqlite"):
        path = make_url(url).database or ":memory:"
        in_memory = path == ":memory:"
        if not in_memory:
            Path(path).parent.mkdir(parents=True, exist_ok=True)
        pooling = {} if in_memory else {"pool_size": POOL_SIZE, "max_overflow": POOL_SIZE}
        engine = create_engine(
            url, connect_args={"check_same_thread": False, "timeout": busy_timeout}, **pooling
        )
        event.listen(engine, "connect", _sqlite_pragmas(busy_timeout))
        return engine
    # A bounded pool: a server allows only so many connections across all processes.
    engine = create_engine(url, pool_pre_ping=True, pool_size=POOL_SIZE, max_overflow=0)
    if engine.dialect.name == "postgresql":
        event.listen(engine, "connect", _postgres_utc)
    return engine


def make_sessionmaker(engine: Engine) -> sessionmaker[Session]:
    return sessionmaker(engine, expire_on_commit=False)


def alembic_config(url: str) -> Config:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    config.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    return config


def migrate(engine: Engine) -> None:
    """Bring the schema to the newest migration (idempotent, also when processes race)."""
    config = alembic_config(engine.url.render_as_string(hide_password=False))
    with engine.begin() as connection:
        _lock_for_migration(connection)
        config.attributes["connection"] = connection
        command.upgrade(config, "head")


def _lock_for_migration(connection: Connection) -> None:
    # Processes starting together on a new store would each create the tables and all but one
    # would fail. Holding a lock for the whole migration makes the others wait and then find it
    # done; on SQLite, BEGIN IMMEDIATE also puts the DDL in this transaction, so a migration cut
    # short leaves no half-made schema behind.
    hold(connection, MIGRATION)


def open_store(settings: Settings) -> tuple[Engine, sessionmaker[Session]]:
    """The configured store, migrated to the newest schema."""
    settings.data_dir.mkdir(parents=True, exist_ok=True)
    engine = make_engine(settings.resolved_database_url, busy_timeout=settings.store_busy_timeout)
    migrate(engine)
    return engine, make_sessionmaker(engine)
