"""One runner for every dispatcher: a passing failure is retried with backoff, a lasting one and
the last attempt end failed with their reason; a broker's message claims only a job that is
still to run."""

from __future__ import annotations

import asyncio
import os
from collections.abc import Sequence
from datetime import timedelta

from sqlalchemy import select, update
from sqlalchemy.orm import Session, sessionmaker

from core.db.schema import FailureRow, JobRow
from core.errors import FetchTimeout, HTTPStatusError, NotAnArticle
from ingest.jobs import DONE, FAILED, RUNNING, Job, JobQueue, now
from ingest.worker import JobResult, JobRunner, RetryPolicy, WorkerPool, is_passing


class Recording:
    """A dispatcher that records what it was asked to publish."""

    def __init__(self) -> None:
        self.published: list[tuple[int, float]] = []

    def publish(self, job_ids: Sequence[int], delay: float = 0.0) -> None:
        self.published += [(job_id, delay) for job_id in job_ids]

    def start(self) -> None:
        pass

    async def stop(self) -> None:
        pass


def test_passing_and_lasting_failures() -> None:
    assert is_passing(FetchTimeout("slow", url="u"))
    assert is_passing(HTTPStatusError("busy", url="u", status=503))
    assert is_passing(HTTPStatusError("throttled", url="u", status=429))
    assert is_passing(RuntimeError("a crash"))
    assert not is_passing(HTTPStatusError("gone", url="u", status=404))
    assert not is_passing(NotAnArticle("no text"))


def test_backoff_doubles_up_to_its_cap() -> None:
    policy = RetryPolicy(max_attempts=6, backoff=5, max_backoff=30)
    assert [policy.delay(n) for n in range(1, 6)] == [5, 10, 20, 30, 30]


async def test_a_job_failing_for_a_passing_reason_is_retried_then_dead_lettered(
    queue: JobQueue, sessions: sessionmaker[Session]
) -> None:
    calls: list[int] = []

    async def timing_out(job: Job) -> JobResult:
        calls.append(job.attempts)
        raise FetchTimeout("the outlet did not answer", url="https://a.example/")

    runner = JobRunner(queue, policy=RetryPolicy(max_attempts=3, backoff=0.01, max_backoff=0.02))
    runner.register("url", timing_out)
    dispatcher = Recording()
    runner.retry_through(dispatcher)
    batch, [job_id] = queue.submit("urls", "url", [("a", {"url": "https://a.example/"})])
    pool = WorkerPool(queue, workers=1, idle_sleep=0.01, runner=runner)
    pool.start()
    try:
        for _ in range(3000):
            status = queue.batch_status(batch)
            if status is not None and status.finished:
                break
            await asyncio.sleep(0.01)
    finally:
        await pool.stop()
    assert calls == [1, 2, 3]
    assert dispatcher.published == [(job_id, 0.01), (job_id, 0.02)]
    with sessions() as session:
        [failure] = session.scalars(select(FailureRow).where(FailureRow.job_id == job_id)).all()
        assert failure.reason == "fetch-timeout"
        assert failure.detail == "after 3 attempts: the outlet did not answer"


async def test_a_lasting_failure_is_not_retried(queue: JobQueue) -> None:
    async def no_article(job: Job) -> JobResult:
        raise NotAnArticle("no passages")

    runner = JobRunner(queue, policy=RetryPolicy(max_attempts=3, backoff=0.01))
    runner.register("url", no_article)
    batch, [job_id] = queue.submit("urls", "url", [("a", {"url": "a"})])
    job = queue.claim_id(job_id)
    assert job is not None
    await runner.run(job)
    status = queue.batch_status(batch)
    assert status is not None
    assert status.counts == {FAILED: 1}
    assert status.failures == {"not-an-article": 1}


async def test_a_retried_job_can_succeed(queue: JobQueue) -> None:
    async def flaky(job: Job) -> JobResult:
        if job.attempts == 1:
            raise HTTPStatusError("busy", url="a", status=503)
        return JobResult("ingested")

    runner = JobRunner(queue, policy=RetryPolicy(max_attempts=3, backoff=0.01))
    runner.register("url", flaky)
    batch, [job_id] = queue.submit("urls", "url", [("a", {"url": "a"})])
    first = queue.claim_id(job_id)
    assert first is not None
    await runner.run(first)
    assert queue.claim_id(job_id) is None  # not due for another 0.01 s
    await asyncio.sleep(0.02)
    second = queue.claim_id(job_id)
    assert second is not None
    assert second.attempts == 2
    await runner.run(second)
    status = queue.batch_status(batch)
    assert status is not None
    assert status.counts == {DONE: 1}


def test_a_message_claims_only_a_job_still_to_run(
    queue: JobQueue, sessions: sessionmaker[Session]
) -> None:
    _batch, [job_id] = queue.submit("urls", "url", [("a", {"url": "a"})])
    job = queue.claim_id(job_id)
    assert job is not None
    assert job.attempts == 1
    # A duplicate message while this live process holds the lease runs nothing.
    assert queue.claim_id(job_id) is None
    assert queue.claim_id(job_id + 1000) is None
    # The worker died: its lease lapsed, and the message delivered again takes the job.
    with sessions.begin() as session:
        session.execute(
            update(JobRow)
            .where(JobRow.id == job_id)
            .values(
                lease_until=now() - timedelta(seconds=1), lease_owner=f"elsewhere:{os.getpid()}"
            )
        )
    again = queue.claim_id(job_id)
    assert again is not None
    assert again.attempts == 2
    queue.complete(again, "ingested")
    assert queue.claim_id(job_id) is None
    with sessions() as session:
        assert session.scalar(select(JobRow.status).where(JobRow.id == job_id)) == DONE


def test_overdue_lists_queued_jobs_waiting_longer_than_asked(
    queue: JobQueue, sessions: sessionmaker[Session]
) -> None:
    _batch, [old, fresh, running] = queue.submit(
        "urls", "url", [("old", {}), ("fresh", {}), ("running", {})]
    )
    with sessions.begin() as session:
        session.execute(
            update(JobRow)
            .where(JobRow.id.in_([old, running]))
            .values(available_at=now() - timedelta(seconds=120))
        )
        session.execute(update(JobRow).where(JobRow.id == running).values(status=RUNNING))
    assert queue.overdue(60) == [old]
    assert set(queue.overdue(0)) == {old, fresh}
