"""Running jobs: one runner for every dispatcher, and the in-process pool of the embedded default.

`JobRunner` runs a claimed job and decides its end in the store: done, retried later with
backoff (a passing failure), or dead-lettered as failed with its reason. The in-process
`WorkerPool` and the broker's workers (`ingest.broker`) both hand their jobs to it.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from typing import Protocol

from sqlalchemy.exc import SQLAlchemyError

from core.errors import FetchError, FetchTimeout, HTTPStatusError, JobAbandoned, ParallaxError
from ingest.jobs import Job, JobQueue

log = logging.getLogger(__name__)

MAX_IDLE_SLEEP = 2.0
# Feed polls back off on their own schedule (`FeedPoller`): their jobs are never retried.
NOT_RETRIED_KINDS = frozenset({"feed"})


@dataclass(frozen=True, slots=True)
class JobResult:
    outcome: str
    article_id: int | None = None


Handler = Callable[[Job], Awaitable[JobResult]]


class Dispatcher(Protocol):
    """Where queued jobs go to be run: the in-process pool, or a broker's workers."""

    def publish(self, job_ids: Sequence[int], delay: float = 0.0) -> None:
        """Jobs stored as queued, to run `delay` seconds from now (the store's `available_at`)."""

    def start(self) -> None: ...

    async def stop(self) -> None: ...


@dataclass(frozen=True, slots=True)
class RetryPolicy:
    """A job runs at most `max_attempts` times, interrupted or failing; a passing failure waits
    `backoff` seconds before its second attempt, doubling each time up to `max_backoff`."""

    max_attempts: int = 3
    backoff: float = 5.0
    max_backoff: float = 300.0

    def delay(self, attempt: int) -> float:
        return float(min(self.backoff * 2 ** (attempt - 1), self.max_backoff))


def is_passing(error: BaseException) -> bool:
    """Whether the same job may succeed later: a timeout, a server error or a throttle, a
    connection that failed, the store failing, or a crash. A refused, missing or unreadable
    page fails the same way every time."""
    if isinstance(error, HTTPStatusError):
        return error.status >= 500 or error.status == 429
    if isinstance(error, FetchTimeout):
        return True
    if isinstance(error, ParallaxError):
        return type(error) is FetchError
    return True


class JobRunner:
    def __init__(
        self,
        queue: JobQueue,
        *,
        policy: RetryPolicy | None = None,
        timeout: float | None = None,
    ) -> None:
        self._queue = queue
        self._policy = policy or RetryPolicy()
        self._timeout = timeout
        self._handlers: dict[str, Handler] = {}
        self._dispatcher: Dispatcher | None = None

    @property
    def kinds(self) -> tuple[str, ...]:
        return tuple(self._handlers)

    def register(self, kind: str, handler: Handler) -> None:
        self._handlers[kind] = handler

    def retry_through(self, dispatcher: Dispatcher) -> None:
        """Announce retries to `dispatcher` (a broker needs a message; the pool polls)."""
        self._dispatcher = dispatcher

    async def run(self, job: Job) -> None:
        url = str(job.payload.get("url", job.key))
        if job.attempts > self._policy.max_attempts:
            error = JobAbandoned(f"gave up after {job.attempts - 1} interrupted attempts")
            await asyncio.to_thread(self._queue.fail, job, error, stage=job.kind, url=url)
            return
        try:
            # The lease is the job's visibility timeout: past it another worker may take the
            # job, so this attempt gives up rather than run alongside.
            result = await asyncio.wait_for(self._handlers[job.kind](job), self._timeout)
        except Exception as error:
            if not isinstance(error, ParallaxError):
                log.warning("job %s (%s) attempt %d crashed", job.id, job.kind, job.attempts)
            await self._failed(job, error, url)
        else:
            await asyncio.to_thread(
                self._queue.complete, job, result.outcome, article_id=result.article_id
            )

    async def _failed(self, job: Job, error: Exception, url: str) -> None:
        if (
            is_passing(error)
            and job.kind not in NOT_RETRIED_KINDS
            and job.attempts < self._policy.max_attempts
        ):
            delay = self._policy.delay(job.attempts)
            await asyncio.to_thread(self._queue.retry, job, error, delay=delay)
            if self._dispatcher is not None:
                await asyncio.to_thread(self._dispatcher.publish, [job.id], delay)
            return
        detail = str(error) or type(error).__name__
        if job.attempts > 1:
            detail = f"after {job.attempts} attempts: {detail}"
        await asyncio.to_thread(
            self._queue.fail, job, error, stage=job.kind, url=url, detail=detail
        )


class WorkerPool:
    """The embedded default's dispatcher: tasks of this process claim jobs from the store."""

    def __init__(
        self,
        queue: JobQueue,
        *,
        workers: int,
        idle_sleep: float = 0.25,
        runner: JobRunner | None = None,
    ) -> None:
        self._queue = queue
        self._runner = runner or JobRunner(queue)
        self._workers = workers
        self._idle_sleep = idle_sleep
        self._tasks: list[asyncio.Task[None]] = []
        self._wake = asyncio.Event()
        self._event_loop: asyncio.AbstractEventLoop | None = None

    def register(self, kind: str, handler: Handler) -> None:
        self._runner.register(kind, handler)

    def wake(self) -> None:
        """Safe from any thread: jobs stored from a worker thread wake the pool too."""
        try:
            running = asyncio.get_running_loop()
        except RuntimeError:
            running = None
        if self._event_loop is not None and running is not self._event_loop:
            # A pool whose loop has closed has no worker left to wake.
            with contextlib.suppress(RuntimeError):
                self._event_loop.call_soon_threadsafe(self._wake.set)
        else:
            self._wake.set()

    def publish(self, job_ids: Sequence[int], delay: float = 0.0) -> None:
        # A delayed job is found by polling once due; a job due now wakes a worker at once.
        if job_ids and not delay:
            self.wake()

    def start(self) -> None:
        self._event_loop = asyncio.get_running_loop()
        self._queue.recover()
        self._tasks = [
            asyncio.create_task(self._loop(), name=f"ingest-worker-{n}")
            for n in range(self._workers)
        ]

    async def stop(self) -> None:
        for task in self._tasks:
            task.cancel()
        for task in self._tasks:
            with contextlib.suppress(asyncio.CancelledError):
                await task
        self._tasks = []

    async def _loop(self) -> None:
        # An idle worker polls less and less often: jobs queued in this process wake it at once,
        # so polling only finds other processes' jobs and retries coming due.
        idle = self._idle_sleep
        while True:
            try:
                ran = await self._run_next()
            except (SQLAlchemyError, OSError) as error:
                # A store refusing writes (a full disk) stops no worker: the job it held keeps
                # its lease and comes back once it expires; polling backs off meanwhile.
                log.warning("an ingest worker could not use the store: %s", error)
                ran = False
            if ran:
                idle = self._idle_sleep
                continue
            self._wake.clear()
            try:
                await asyncio.wait_for(self._wake.wait(), idle)
                idle = self._idle_sleep
            except TimeoutError:
                idle = min(2 * idle, max(self._idle_sleep, MAX_IDLE_SLEEP))

    async def _run_next(self) -> bool:
        """Claim and run one job; whether there was one."""
        jobs = await asyncio.to_thread(self._queue.claim, 1, self._runner.kinds)
        if not jobs:
            return False
        await self._runner.run(jobs[0])
        return True
