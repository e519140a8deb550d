"""The worker pool's idle polling: it backs off, and a wake brings a job at once; a store that
refuses writes for a while stops no worker."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable, Sequence

import pytest
from sqlalchemy.exc import OperationalError
from sqlalchemy.orm import Session, sessionmaker

from core.config import Settings
from core.db.engine import open_store
from ingest import worker
from ingest.jobs import Job, JobQueue
from ingest.worker import JobResult, WorkerPool


class CountingQueue(JobQueue):
    def __init__(self, sessions: sessionmaker[Session]) -> None:
        super().__init__(sessions, lease_seconds=60)
        self.claims = 0

    def claim(self, limit: int = 1, kinds: Sequence[str] | None = None) -> list[Job]:
        self.claims += 1
        return super().claim(limit, kinds)


def _setting(done: asyncio.Event) -> Callable[[Job], Awaitable[JobResult]]:
    """A job handler that sets `done`."""

    async def handler(job: Job) -> JobResult:
        done.set()
        return JobResult(outcome="stored")

    return handler


@pytest.fixture
def queue(make_settings: Callable[..., Settings]) -> CountingQueue:
    _engine, sessions = open_store(make_settings())
    return CountingQueue(sessions)


async def test_an_idle_worker_polls_less_and_less_often(
    queue: CountingQueue, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(worker, "MAX_IDLE_SLEEP", 0.16)
    pool = WorkerPool(queue, workers=1, idle_sleep=0.01)
    pool.start()
    await asyncio.sleep(1.0)
    await pool.stop()
    # Without backing off it would poll about a hundred times; backing off 0.01 s → 0.16 s
    # polls at 0, 0.01, 0.03, 0.07, 0.15, 0.31 and then every 0.16 s.
    assert 4 <= queue.claims <= 12


async def test_a_wake_runs_a_new_job_without_waiting_out_the_backoff(
    queue: CountingQueue, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(worker, "MAX_IDLE_SLEEP", 10.0)
    done = asyncio.Event()
    handler = _setting(done)
    pool = WorkerPool(queue, workers=1, idle_sleep=0.05)
    pool.register("url", handler)
    pool.start()
    try:
        # Idle polls at 0, 0.05, 0.15, 0.35, 0.75 and 1.55 s: the next is not due before 3.15 s.
        await asyncio.sleep(1.7)
        queue.enqueue(queue.create_batch("urls"), "url", [("a", {"url": "https://a.example/"})])
        woken_at = time.monotonic()
        pool.wake()
        await asyncio.wait_for(done.wait(), 1.0)
        assert time.monotonic() - woken_at < 1.0
    finally:
        await pool.stop()


class FullDiskQueue(JobQueue):
    """Its first claims fail as SQLite's do on a full disk."""

    def __init__(self, sessions: sessionmaker[Session], failures: int) -> None:
        super().__init__(sessions, lease_seconds=60)
        self.failures = failures

    def claim(self, limit: int = 1, kinds: Sequence[str] | None = None) -> list[Job]:
        if self.failures:
            self.failures -= 1
            raise OperationalError("UPDATE jobs", {}, Exception("database or disk is full"))
        return super().claim(limit, kinds)


async def test_a_worker_outlives_a_full_disk_and_runs_the_job_once_space_is_back(
    make_settings: Callable[..., Settings],
) -> None:
    _engine, sessions = open_store(make_settings())
    queue = FullDiskQueue(sessions, failures=3)
    done = asyncio.Event()
    handler = _setting(done)
    pool = WorkerPool(queue, workers=1, idle_sleep=0.01)
    pool.register("url", handler)
    queue.submit("urls", "url", [("a", {"url": "https://a.example/"})])
    pool.start()
    try:
        while queue.failures and not any(task.done() for task in pool._tasks):
            pool.wake()
            await asyncio.sleep(0.01)
        assert not any(task.done() for task in pool._tasks)
        pool.wake()
        await asyncio.wait_for(done.wait(), 30)
    finally:
        await pool.stop()
