"""A full disk under the data directory: writes are refused with 507 `storage-full`, nothing of
the request is stored, reads and health keep answering, and the same requests succeed once
space is back. Every statement that writes fails as SQLite's do on a full disk: SQLITE_FULL,
"database or disk is full", raised by the driver and rolled back with its transaction."""

from __future__ import annotations

import sqlite3
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

from pytest_httpserver import HTTPServer
from sqlalchemy import Engine, event, func, select

from core.config import Settings
from core.db.schema import ArticleRow, BatchRow, FailureRow, JobRow, PassageRow, ReportRow
from demo.articles import EVACUATION
from tests.api._support import (
    Lifespan,
    article_html,
    article_url,
    assert_problem,
    event_articles,
    finished_job,
    ingest_demo,
    running,
)

WRITES = ("INSERT", "UPDATE", "DELETE", "REPLACE")


class FullDisk:
    """While `full()` holds, every statement the engine runs that writes fails as on a full disk."""

    def __init__(self, engine: Engine) -> None:
        self._full = False
        event.listen(engine, "before_cursor_execute", self._before_execute)

    def _before_execute(self, *args: Any) -> None:
        statement = str(args[2]).lstrip().upper()
        if self._full and statement.startswith(WRITES):
            raise sqlite3.OperationalError("database or disk is full")

    @contextmanager
    def full(self) -> Iterator[None]:
        self._full = True
        try:
            yield
        finally:
            self._full = False


def _row_counts(lifespan: Lifespan) -> dict[str, int]:
    tables = (ArticleRow, ReportRow, PassageRow, BatchRow, JobRow, FailureRow)
    with lifespan.runtime.ingest.sessions() as session:
        return {
            table.__tablename__: int(session.scalar(select(func.count()).select_from(table)) or 0)
            for table in tables
        }


async def test_a_full_disk_answers_507_stores_nothing_and_recovers(
    api_settings: Callable[..., Settings], httpserver: HTTPServer
) -> None:
    stored, submitted, fetched = event_articles(EVACUATION)[:3]
    base = httpserver.url_for("/").rstrip("/")
    httpserver.expect_request("/robots.txt").respond_with_data("", status=404)
    httpserver.expect_request(f"/{fetched.outlet}/{fetched.path}").respond_with_data(
        article_html(fetched, base_url=base), content_type="text/html; charset=utf-8"
    )
    page = {"url": article_url(submitted), "html": article_html(submitted)}
    urls = {"urls": [article_url(fetched, base_url=base)]}
    async with running(api_settings()) as (client, lifespan):
        stored_id = await ingest_demo(lifespan, stored)
        disk = FullDisk(lifespan.runtime.ingest.engine)
        before = _row_counts(lifespan)
        with disk.full():
            refused = await client.post("/compare", json=page)
            body = assert_problem(refused, 507, "storage-full")
            assert "nothing was stored" in body["detail"]
            assert refused.headers["Retry-After"] == str(body["retry_after"])
            assert_problem(await client.post("/ingest", json=urls), 507, "storage-full")
            assert (await client.get("/healthz")).status_code == 200
            assert (await client.get("/readyz")).status_code == 200
            assert (await client.get(f"/articles/{stored_id}")).status_code == 200
        assert _row_counts(lifespan) == before

        compared = await client.post("/compare", json=page)
        assert compared.status_code == 200, compared.text
        assert stored_id in {item["article_id"] for item in compared.json()["coverage"]}
        accepted = await client.post("/ingest", json=urls)
        assert accepted.status_code == 202, accepted.text
        job = await finished_job(client, accepted.json()["job_id"])
        assert job["outcomes"] == {"ingested": 1}, job
