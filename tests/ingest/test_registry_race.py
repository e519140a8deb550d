"""Processes starting together on a new store each write the outlet registry: they take turns."""

from __future__ import annotations

import threading

from core.db.engine import make_engine, make_sessionmaker, migrate
from core.models import Outlet
from ingest.outlet_store import store_registry
from tests.core.conftest import postgres_server_url, store_url  # noqa: F401

OUTLETS = [
    Outlet(slug="ledger", name="The Daily Ledger", domains=("ledger.example",),
           feeds=("http://ledger.example/rss",)),
    Outlet(slug="courier", name="Northern Courier", domains=("courier.example",),
           feeds=("http://courier.example/rss",)),
]  # fmt: skip
WAIT_SECONDS = 30.0


def test_a_second_process_waits_for_the_first_registry_and_finds_it(
    store_url: str,  # noqa: F811
) -> None:
    engine = make_engine(store_url, busy_timeout=WAIT_SECONDS)
    migrate(engine)
    sessions = make_sessionmaker(engine)
    second: dict[str, object] = {}

    def start_second() -> None:
        try:
            with sessions.begin() as session:
                second["ids"] = store_registry(session, OUTLETS)
        except Exception as exc:  # the failure the lock prevents
            second["error"] = exc

    try:
        with sessions.begin() as session:
            first = store_registry(session, OUTLETS)
            thread = threading.Thread(target=start_second)
            thread.start()
            thread.join(0.5)
            assert thread.is_alive(), "the second registry did not wait for the first"
        thread.join(WAIT_SECONDS)
        assert not thread.is_alive()
        assert second == {"ids": first}
    finally:
        engine.dispose()
