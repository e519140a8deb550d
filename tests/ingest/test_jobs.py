from __future__ import annotations

import subprocess
import sys
from datetime import UTC, datetime, timedelta

from sqlalchemy import update
from sqlalchemy.orm import Session, sessionmaker

from core.db.schema import JobRow
from core.errors import FetchTimeout
from ingest.jobs import DONE, FAILED, QUEUED, RUNNING, JobQueue


def test_enqueue_is_idempotent_within_a_batch(queue: JobQueue) -> None:
    batch = queue.create_batch("urls")
    items = [("a", {"url": "a"}), ("b", {"url": "b"}), ("a", {"url": "a"})]
    assert queue.enqueue(batch, "url", items) == 2
    assert queue.enqueue(batch, "url", items) == 0
    status = queue.batch_status(batch)
    assert status is not None
    assert status.counts == {QUEUED: 2}


def test_claim_complete_and_fail_are_counted(queue: JobQueue) -> None:
    batch = queue.create_batch("urls")
    queue.enqueue(batch, "url", [("a", {"url": "a"}), ("b", {"url": "b"})])
    first, second = queue.claim(2)
    assert (first.attempts, second.attempts) == (1, 1)
    assert queue.claim(1) == []
    queue.complete(first, "ingested", article_id=None)
    queue.fail(second, FetchTimeout("too slow", url="b"), stage="url", url="b")
    status = queue.batch_status(batch)
    assert status is not None
    assert status.counts == {DONE: 1, FAILED: 1}
    assert status.outcomes == {"ingested": 1}
    assert status.failures == {"fetch-timeout": 1}
    assert status.finished


def test_a_claim_is_exclusive_between_queues(sessions: sessionmaker[Session]) -> None:
    one, two = JobQueue(sessions, lease_seconds=60), JobQueue(sessions, lease_seconds=60)
    batch = one.create_batch("urls")
    one.enqueue(batch, "url", [(str(n), {"url": str(n)}) for n in range(10)])
    claimed = [job.id for job in one.claim(5)] + [job.id for job in two.claim(10)]
    assert sorted(claimed) == sorted(set(claimed))
    assert len(claimed) == 10


def test_expired_lease_is_recovered(queue: JobQueue, sessions: sessionmaker[Session]) -> None:
    batch = queue.create_batch("urls")
    queue.enqueue(batch, "url", [("a", {"url": "a"})])
    (job,) = queue.claim(1)
    assert queue.recover() == 0
    with sessions.begin() as session:
        session.execute(
            update(JobRow)
            .where(JobRow.id == job.id)
            .values(lease_until=datetime.now(UTC) - timedelta(seconds=1))
        )
    assert queue.recover() == 1
    (again,) = queue.claim(1)
    assert again.id == job.id
    assert again.attempts == 2


def test_job_of_a_dead_process_is_recovered_at_once(
    queue: JobQueue, sessions: sessionmaker[Session]
) -> None:
    batch = queue.create_batch("urls")
    queue.enqueue(batch, "url", [("a", {"url": "a"})])
    (job,) = queue.claim(1)
    dead = subprocess.run(
        [sys.executable, "-c", "import os; print(os.getpid())"],
        capture_output=True,
        text=True,
        check=True,
    )
    from ingest.jobs import HOST

    with sessions.begin() as session:
        session.execute(
            update(JobRow)
            .where(JobRow.id == job.id)
            .values(lease_owner=f"{HOST}:{dead.stdout.strip()}")
        )
    assert queue.recover() == 1
    status = queue.batch_status(batch)
    assert status is not None
    assert status.counts == {QUEUED: 1}
    assert RUNNING not in status.counts


def test_enqueue_unique_skips_pending_duplicates(queue: JobQueue) -> None:
    assert queue.enqueue_unique("feed", "feed:1", {"feed_id": 1})
    assert not queue.enqueue_unique("feed", "feed:1", {"feed_id": 1})
    (job,) = queue.claim(1)
    assert not queue.enqueue_unique("feed", "feed:1", {"feed_id": 1})
    queue.complete(job, "polled")
    assert queue.enqueue_unique("feed", "feed:1", {"feed_id": 1})
