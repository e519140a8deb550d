"""Store fixtures that run a test on each backend: SQLite always, PostgreSQL when configured.

PostgreSQL is the server named by `PARALLAX_TEST_DATABASE_URL` (`scripts/postgres-test-server.sh`
starts one and prints its URL). Each test gets a database of its own, created through that URL
and dropped afterwards, so the URL's role needs CREATEDB. Without the variable the PostgreSQL
cases are skipped with the reason shown; under CI (`CI=true`) they fail instead, so a CI run can
never pass without having exercised PostgreSQL.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import URL, Engine, create_engine, make_url, text
from sqlalchemy.orm import Session, sessionmaker
from sqlalchemy.pool import NullPool

from core.db.engine import make_sessionmaker
from tests.conftest import migrated_engine, service_url

POSTGRES_URL_VARIABLE = "PARALLAX_TEST_DATABASE_URL"


@pytest.fixture(scope="session")
def postgres_server_url() -> URL:
    """The PostgreSQL URL the per-test databases are created through."""
    raw = service_url(
        POSTGRES_URL_VARIABLE,
        "the PostgreSQL store tests did not run; start a server with: "
        f'export {POSTGRES_URL_VARIABLE}="$(bash scripts/postgres-test-server.sh)"',
    )
    url = make_url(raw)
    if (backend := url.get_backend_name()) != "postgresql":
        pytest.fail(f"{POSTGRES_URL_VARIABLE} must name a PostgreSQL database, not {backend}")
    return url


def _fresh_postgres_database(server: URL) -> Iterator[str]:
    name = f"parallax_test_{uuid.uuid4().hex[:16]}"
    # CREATE/DROP DATABASE cannot run inside a transaction block.
    admin = create_engine(server, isolation_level="AUTOCOMMIT", poolclass=NullPool)
    try:
        with admin.connect() as connection:
            connection.execute(text(f'CREATE DATABASE "{name}"'))
        try:
            yield server.set(database=name).render_as_string(hide_password=False)
        finally:
            with admin.connect() as connection:
                # Without FORCE: a connection a test left open should fail the test run.
                connection.execute(text(f'DROP DATABASE "{name}"'))
    finally:
        admin.dispose()


@pytest.fixture(
    params=[
        pytest.param("sqlite", id="sqlite"),
        pytest.param("postgresql", id="postgresql", marks=pytest.mark.postgresql),
    ]
)
def store_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """The URL of an empty database of its own for this test, on each backend in turn."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'store.db'}"
        return
    server: URL = request.getfixturevalue("postgres_server_url")
    yield from _fresh_postgres_database(server)


@pytest.fixture
def store_engine(store_url: str) -> Iterator[Engine]:
    """An engine on this test's database, migrated to the newest schema."""
    yield from migrated_engine(store_url)


@pytest.fixture
def store_sessions(store_engine: Engine) -> sessionmaker[Session]:
    return make_sessionmaker(store_engine)
