"""Ingest jobs through RabbitMQ, run by `parallax worker` processes started as subprocesses.

The jobs are queued the way the API queues them (`IngestService.submit_urls`), on SQLite and on
PostgreSQL; the outlets are the demo site's, served on loopback. A worker killed with SIGKILL
while it fetches a page leaves nothing lost and nothing twice; a job that always fails ends
failed with its reason after its attempts.
"""

from __future__ import annotations

import asyncio
import os
import signal
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from pytest_httpserver import HTTPServer
from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from core.config import Settings
from core.db.schema import FailureRow, JobRow, PassageRow
from core.models import ArticleInput
from demo import ARTICLES
from demo.server import DemoSite
from index.embedder import Embedder
from ingest.jobs import DONE, FAILED
from ingest.service import IngestService, ingest_service
from tests.conftest import service_url
from tests.core.conftest import postgres_server_url, store_url  # noqa: F401
from tests.ingest._workers import (
    BATCH_DEADLINE,
    Workers,
    delete_queues,
    held_page,
    store_counts,
)

pytestmark = pytest.mark.slow


@pytest.fixture
def broker_url() -> str:
    return service_url("PARALLAX_TEST_BROKER_URL", "the broker tests need RabbitMQ")


@pytest.fixture
def broker_settings(
    make_settings: Callable[..., Settings],
    broker_url: str,
    store_url: str,  # noqa: F811
) -> Iterator[Callable[..., Settings]]:
    """Settings sharing one store (on each backend) and one broker queue of this test's own,
    deleted after."""
    queue = f"parallax-test-{uuid.uuid4().hex[:12]}"
    database = store_url

    def build(**overrides: Any) -> Settings:
        values: dict[str, Any] = {
            "database_url": database,
            "broker_url": broker_url,
            "broker_queue": queue,
            "fetch_retries": 0,
        }
        values.update(overrides)
        return make_settings(**values)

    yield build
    delete_queues(broker_url, queue)


async def _finished(service: IngestService, batch: int, workers: Workers) -> None:
    loop = asyncio.get_running_loop()
    deadline = loop.time() + BATCH_DEADLINE
    while not await asyncio.to_thread(service.batch_finished, batch):
        assert loop.time() < deadline, (
            f"the batch did not finish: {_jobs(service, batch)}\n{workers.logs()[-4000:]}"
        )
        assert any(p.poll() is None for p in workers.processes), workers.logs()[-4000:]
        await asyncio.sleep(0.2)


def _jobs(service: IngestService, batch: int) -> list[tuple[Any, ...]]:
    with service.sessions() as session:
        rows = session.execute(
            select(JobRow.id, JobRow.status, JobRow.attempts, JobRow.lease_owner, JobRow.key)
            .where(JobRow.batch_id == batch)
            .order_by(JobRow.id)
        ).all()
    return [tuple(row) for row in rows]


def _gapless_passages(sessions: sessionmaker[Session]) -> bool:
    """Every report's passages are numbered 0..n-1: none missing, none twice."""
    with sessions() as session:
        rows = session.execute(
            select(
                PassageRow.report_id,
                func.count(),
                func.min(PassageRow.idx),
                func.max(PassageRow.idx),
            ).group_by(PassageRow.report_id)
        ).all()
    return bool(rows) and all(low == 0 and high == count - 1 for _, count, low, high in rows)


async def test_a_worker_killed_mid_job_loses_and_duplicates_nothing(
    broker_settings: Callable[..., Settings],
    embedder: Embedder,
    httpserver: HTTPServer,
    tmp_path: Path,
) -> None:
    fetching, release = held_page(httpserver)
    # A lease short enough that a message lost with the killed worker comes back by the sweep
    # within the test, long enough for any one attempt.
    settings = broker_settings(job_lease_seconds=60.0, job_sweep_interval=1.0)
    workers = Workers(settings, tmp_path)
    with DemoSite() as site:
        demo_urls = site.article_urls()[1:9]
        urls = [*demo_urls[:3], httpserver.url_for("/held"), *demo_urls[3:]]
        try:
            async with ingest_service(settings, embedder=embedder, include_registry=False) as api:
                batch = api.submit_urls(urls)
                assert batch.queued == len(urls)
                first = workers.start()
                assert await asyncio.to_thread(fetching.wait, BATCH_DEADLINE), workers.logs()
                os.kill(first.pid, signal.SIGKILL)
                assert first.wait() == -signal.SIGKILL
                release.set()
                workers.start()
                await _finished(api, batch.id, workers)
                report = api.job(batch.id)
                with api.sessions() as session:
                    held = session.scalars(
                        select(JobRow.attempts).where(JobRow.key.endswith("/held"))
                    ).one()
                counts = store_counts(api.sessions)
                gapless = _gapless_passages(api.sessions)
        finally:
            release.set()
            workers.close()
    assert report.status.counts == {DONE: len(urls)}, report
    assert report.failures == ()
    # The killed attempt counts: the held page's job ran twice, and its article is stored once.
    assert held == 2
    assert counts["articles"] == counts["canonical urls"] == len(urls)
    assert counts["without event"] == 0
    assert counts["passages"] == counts["passage vectors"] > 0
    assert gapless


async def test_a_job_that_always_fails_ends_dead_lettered_with_its_reason(
    broker_settings: Callable[..., Settings],
    embedder: Embedder,
    httpserver: HTTPServer,
    tmp_path: Path,
) -> None:
    httpserver.expect_request("/robots.txt").respond_with_data("", status=404)
    httpserver.expect_request("/down").respond_with_data("busy", status=503)
    settings = broker_settings(job_max_attempts=3, job_retry_backoff=0.2)
    workers = Workers(settings, tmp_path)
    url = httpserver.url_for("/down")
    try:
        async with ingest_service(settings, embedder=embedder, include_registry=False) as api:
            batch = api.submit_urls([url])
            workers.start()
            await _finished(api, batch.id, workers)
            report = api.job(batch.id)
            with api.sessions() as session:
                job = session.scalars(select(JobRow).where(JobRow.batch_id == batch.id)).one()
                [failure] = session.scalars(
                    select(FailureRow).where(FailureRow.job_id == job.id)
                ).all()
                attempts, status, reason, detail = (
                    job.attempts,
                    job.status,
                    failure.reason,
                    failure.detail,
                )
    finally:
        workers.close()
    assert report.status.counts == {FAILED: 1}
    assert (attempts, status, reason) == (3, FAILED, "http-status")
    assert detail.startswith("after 3 attempts: ")
    requests = [entry for entry, _ in httpserver.log if entry.path == "/down"]
    assert len(requests) == 3


async def test_jobs_whose_publish_failed_are_published_by_a_workers_sweep(
    broker_settings: Callable[..., Settings],
    embedder: Embedder,
    tmp_path: Path,
    caplog: pytest.LogCaptureFixture,
) -> None:
    # Nothing listens on port 1: every publish fails, and the jobs wait in the store.
    unreachable = broker_settings(broker_url="amqp://guest:guest@127.0.0.1:1/%2F")
    workers = Workers(broker_settings(job_lease_seconds=2.0, job_sweep_interval=0.5), tmp_path)
    articles = [
        ArticleInput(url=f"https://{a.outlet}.example/{a.path}", text=a.text, title=a.title)
        for a in ARTICLES[:4]
    ]
    try:
        async with ingest_service(unreachable, embedder=embedder, include_registry=False) as api:
            batch = api.submit_articles(articles)
            assert batch.queued == len(articles)
            assert "could not publish job" in caplog.text
            workers.start()
            await _finished(api, batch.id, workers)
            report = api.job(batch.id)
            counts = store_counts(api.sessions)
    finally:
        workers.close()
    assert report.status.counts == {DONE: len(articles)}
    assert counts["articles"] == len(articles)
