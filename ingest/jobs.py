"""Durable jobs in the store: claimed with a lease, finished with an outcome, never lost.

A worker killed mid-job leaves its row `running`; the row goes back to the queue when its
lease expires or, sooner, when a process on the same host sees that the owner is dead.
"""

from __future__ import annotations

import os
import socket
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import func, select, update
from sqlalchemy.orm import Session, sessionmaker

from core.db.schema import BatchRow, FailureRow, JobRow
from core.errors import ParallaxError

QUEUED, RUNNING, DONE, FAILED = "queued", "running", "done", "failed"
HOST = socket.gethostname()


def now() -> datetime:
    return datetime.now(UTC)


def process_owner() -> str:
    return f"{HOST}:{os.getpid()}"


@dataclass(frozen=True, slots=True)
class Job:
    id: int
    batch_id: int | None
    kind: str
    key: str
    payload: dict[str, Any]
    attempts: int


@dataclass(frozen=True, slots=True)
class JobFailure:
    """Why one job of a batch failed: a stable reason code and its detail."""

    url: str
    stage: str
    reason: str
    detail: str


@dataclass(frozen=True, slots=True)
class BatchStatus:
    id: int
    kind: str
    created_at: datetime
    counts: dict[str, int]
    outcomes: dict[str, int]
    failures: dict[str, int]

    @property
    def finished(self) -> bool:
        return self.counts.get(QUEUED, 0) == 0 and self.counts.get(RUNNING, 0) == 0


def failure_reason(error: BaseException) -> str:
    return error.code if isinstance(error, ParallaxError) else type(error).__name__


def failure_row(
    error: BaseException,
    *,
    url: str,
    stage: str,
    job_id: int | None = None,
    detail: str | None = None,
) -> FailureRow:
    return FailureRow(
        job_id=job_id,
        url=url[:2000],
        stage=stage,
        reason=failure_reason(error),
        detail=(str(error) if detail is None else detail)[:4000],
        created_at=now(),
    )


def record_failure(
    sessions: sessionmaker[Session], error: BaseException, *, url: str, stage: str
) -> None:
    """Store a failure that belongs to no job (an article refused while a caller waited)."""
    with sessions.begin() as session:
        session.add(failure_row(error, url=url, stage=stage))


def _lease_lapsed(lease_until: datetime | None, owner: str | None) -> bool:
    return (lease_until is not None and lease_until < now()) or _owner_is_dead(owner)


def _owner_is_dead(owner: str | None) -> bool:
    if not owner:
        return True
    host, _, pid = owner.rpartition(":")
    if host != HOST or not pid.isdigit():
        return False
    try:
        os.kill(int(pid), 0)
    except ProcessLookupError:
        return True
    except PermissionError:
        return False
    return False


class JobQueue:
    def __init__(self, sessions: sessionmaker[Session], *, lease_seconds: float) -> None:
        self._sessions = sessions
        self._lease = timedelta(seconds=lease_seconds)
        self._owner = process_owner()

    def create_batch(self, kind: str) -> int:
        with self._sessions.begin() as session:
            batch = BatchRow(kind=kind, created_at=now())
            session.add(batch)
            session.flush()
            return batch.id

    def submit(
        self, batch_kind: str, job_kind: str, items: Iterable[tuple[str, dict[str, Any]]]
    ) -> tuple[int, list[int]]:
        """A new batch with its (key, payload) jobs, in one transaction: a batch is never stored
        without its jobs. Returns the batch id and the ids of the jobs queued."""
        with self._sessions.begin() as session:
            batch = BatchRow(kind=batch_kind, created_at=now())
            session.add(batch)
            session.flush()
            return batch.id, _add_jobs(session, batch.id, job_kind, items, now())

    def enqueue(
        self,
        batch_id: int | None,
        kind: str,
        items: Iterable[tuple[str, dict[str, Any]]],
        *,
        available_at: datetime | None = None,
    ) -> int:
        """Add (key, payload) jobs; a key already queued in the batch is not added twice.
        Returns how many were added."""
        return len(self.enqueue_ids(batch_id, kind, items, available_at=available_at))

    def enqueue_ids(
        self,
        batch_id: int | None,
        kind: str,
        items: Iterable[tuple[str, dict[str, Any]]],
        *,
        available_at: datetime | None = None,
    ) -> list[int]:
        """As `enqueue`, returning the ids of the jobs added."""
        with self._sessions.begin() as session:
            return _add_jobs(session, batch_id, kind, items, available_at or now())

    def enqueue_unique(self, kind: str, key: str, payload: dict[str, Any]) -> int | None:
        """Add a batch-less job unless one with the same key is still pending; its id, or None."""
        with self._sessions.begin() as session:
            pending = session.scalar(
                select(func.count())
                .select_from(JobRow)
                .where(JobRow.kind == kind, JobRow.key == key, JobRow.status.in_((QUEUED, RUNNING)))
            )
            if pending:
                return None
            row = _queued_job(None, kind, key, payload, now())
            session.add(row)
            session.flush()
            return row.id

    def recover(self) -> int:
        """Requeue running jobs whose lease expired or whose owner process is gone."""
        with self._sessions.begin() as session:
            rows = session.execute(
                select(JobRow.id, JobRow.lease_until, JobRow.lease_owner).where(
                    JobRow.status == RUNNING
                )
            ).all()
            stale = [row.id for row in rows if _lease_lapsed(row.lease_until, row.lease_owner)]
            if stale:
                session.execute(
                    update(JobRow)
                    .where(JobRow.id.in_(stale), JobRow.status == RUNNING)
                    .values(status=QUEUED, lease_until=None, lease_owner=None)
                )
        return len(stale)

    def claim(self, limit: int = 1, kinds: Sequence[str] | None = None) -> list[Job]:
        """Take up to `limit` available jobs; safe against other claimers (compare-and-set)."""
        claimed: list[Job] = []
        with self._sessions.begin() as session:
            query = (
                select(JobRow)
                .where(JobRow.status == QUEUED, JobRow.available_at <= now())
                .order_by(JobRow.available_at, JobRow.id)
                .limit(limit * 4)
            )
            if kinds:
                query = query.where(JobRow.kind.in_(kinds))
            for row in session.scalars(query).all():
                result = session.execute(
                    update(JobRow)
                    .where(JobRow.id == row.id, JobRow.status == QUEUED)
                    .values(
                        status=RUNNING,
                        attempts=JobRow.attempts + 1,
                        lease_until=now() + self._lease,
                        lease_owner=self._owner,
                    )
                    .execution_options(synchronize_session=False)
                )
                if result.rowcount == 1:  # type: ignore[attr-defined]
                    claimed.append(
                        Job(
                            row.id,
                            row.batch_id,
                            row.kind,
                            row.key,
                            dict(row.payload),
                            row.attempts + 1,
                        )
                    )
                if len(claimed) >= limit:
                    break
        return claimed

    def claim_id(self, job_id: int) -> Job | None:
        """Take one job named by a broker's message: a queued job that is due, or a running one
        whose lease lapsed (its worker was killed). None when it is finished, not due yet, or
        held by a live worker: the message was a duplicate, and the store says what is left."""
        with self._sessions.begin() as session:
            row = session.get(JobRow, job_id)
            if row is None:
                return None
            if row.status == QUEUED:
                if row.available_at > now():
                    return None
            elif row.status != RUNNING or not _lease_lapsed(row.lease_until, row.lease_owner):
                return None
            result = session.execute(
                update(JobRow)
                .where(
                    JobRow.id == job_id,
                    JobRow.status == row.status,
                    JobRow.attempts == row.attempts,
                )
                .values(
                    status=RUNNING,
                    attempts=row.attempts + 1,
                    lease_until=now() + self._lease,
                    lease_owner=self._owner,
                )
                .execution_options(synchronize_session=False)
            )
            if result.rowcount != 1:  # type: ignore[attr-defined]
                return None
            return Job(row.id, row.batch_id, row.kind, row.key, dict(row.payload), row.attempts + 1)

    def retry(self, job: Job, error: BaseException, *, delay: float) -> None:
        """Put a job that failed for a passing reason back in the queue, due in `delay` s."""
        with self._sessions.begin() as session:
            session.execute(
                update(JobRow)
                .where(JobRow.id == job.id, JobRow.lease_owner == self._owner)
                .values(
                    status=QUEUED,
                    available_at=now() + timedelta(seconds=delay),
                    last_error=f"{failure_reason(error)}: {error}"[:2000],
                    lease_until=None,
                    lease_owner=None,
                )
            )

    def overdue(self, older_than: float, limit: int = 10_000) -> list[int]:
        """Queued jobs due for more than `older_than` seconds: their message may be lost."""
        with self._sessions() as session:
            return list(
                session.scalars(
                    select(JobRow.id)
                    .where(
                        JobRow.status == QUEUED,
                        JobRow.available_at <= now() - timedelta(seconds=older_than),
                    )
                    .order_by(JobRow.available_at, JobRow.id)
                    .limit(limit)
                ).all()
            )

    def complete(self, job: Job, outcome: str, *, article_id: int | None = None) -> None:
        with self._sessions.begin() as session:
            session.execute(
                update(JobRow)
                .where(JobRow.id == job.id)
                .values(
                    status=DONE,
                    outcome=outcome,
                    article_id=article_id,
                    finished_at=now(),
                    lease_until=None,
                    lease_owner=None,
                )
            )

    def fail(
        self,
        job: Job,
        error: ParallaxError | Exception,
        *,
        stage: str,
        url: str,
        detail: str | None = None,
    ) -> None:
        """The job's dead-letter record: finished as failed, with the reason in `failures`."""
        reason = failure_reason(error)
        detail = str(error) if detail is None else detail
        with self._sessions.begin() as session:
            session.execute(
                update(JobRow)
                .where(JobRow.id == job.id)
                .values(
                    status=FAILED,
                    outcome=reason,
                    last_error=detail[:2000],
                    finished_at=now(),
                    lease_until=None,
                    lease_owner=None,
                )
            )
            session.add(failure_row(error, url=url, stage=stage, job_id=job.id, detail=detail))

    def batch_status(self, batch_id: int) -> BatchStatus | None:
        with self._sessions() as session:
            batch = session.get(BatchRow, batch_id)
            if batch is None:
                return None
            counts = dict(
                session.execute(
                    select(JobRow.status, func.count())
                    .where(JobRow.batch_id == batch_id)
                    .group_by(JobRow.status)
                ).all()
            )
            outcomes = dict(
                session.execute(
                    select(JobRow.outcome, func.count())
                    .where(JobRow.batch_id == batch_id, JobRow.status == DONE)
                    .group_by(JobRow.outcome)
                ).all()
            )
            failures = dict(
                session.execute(
                    select(FailureRow.reason, func.count())
                    .join(JobRow, JobRow.id == FailureRow.job_id)
                    .where(JobRow.batch_id == batch_id)
                    .group_by(FailureRow.reason)
                ).all()
            )
            return BatchStatus(
                id=batch.id,
                kind=batch.kind,
                created_at=batch.created_at,
                counts=counts,
                outcomes={str(k): v for k, v in outcomes.items()},
                failures=failures,
            )

    def batch_failures(self, batch_id: int, limit: int) -> list[JobFailure]:
        """The batch's first `limit` failures, in the order they happened."""
        with self._sessions() as session:
            rows = session.execute(
                select(FailureRow.url, FailureRow.stage, FailureRow.reason, FailureRow.detail)
                .join(JobRow, JobRow.id == FailureRow.job_id)
                .where(JobRow.batch_id == batch_id)
                .order_by(FailureRow.id)
                .limit(limit)
            ).all()
        return [JobFailure(row.url, row.stage, row.reason, row.detail) for row in rows]

    def pending_count(self) -> int:
        with self._sessions() as session:
            return int(
                session.scalar(
                    select(func.count())
                    .select_from(JobRow)
                    .where(JobRow.status.in_((QUEUED, RUNNING)))
                )
                or 0
            )


def _add_jobs(
    session: Session,
    batch_id: int | None,
    kind: str,
    items: Iterable[tuple[str, dict[str, Any]]],
    when: datetime,
) -> list[int]:
    existing = (
        set(session.scalars(select(JobRow.key).where(JobRow.batch_id == batch_id)).all())
        if batch_id is not None
        else set()
    )
    added: list[JobRow] = []
    for key, payload in items:
        if key in existing:
            continue
        existing.add(key)
        added.append(_queued_job(batch_id, kind, key, payload, when))
    session.add_all(added)
    session.flush()
    return [row.id for row in added]


def _queued_job(
    batch_id: int | None, kind: str, key: str, payload: dict[str, Any], when: datetime
) -> JobRow:
    return JobRow(
        batch_id=batch_id,
        kind=kind,
        key=key,
        payload=payload,
        status=QUEUED,
        attempts=0,
        available_at=when,
        created_at=now(),
    )
