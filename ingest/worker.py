"""The in-process worker pool: claims durable jobs and runs their handlers."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass

from sqlalchemy.exc import SQLAlchemyError

from core.errors import JobAbandoned, ParallaxError
from ingest.jobs import Job, JobQueue

log = logging.getLogger(__name__)

MAX_ATTEMPTS = 3
MAX_IDLE_SLEEP = 2.0


@dataclass(frozen=True, slots=True)
class JobResult:
    outcome: str
    article_id: int | None = None


Handler = Callable[[Job], Awaitable[JobResult]]


class WorkerPool:
    def __init__(
        self,
        queue: JobQueue,
        *,
        workers: int,
        idle_sleep: float = 0.25,
    ) -> None:
        self._queue = queue
        self._handlers: dict[str, Handler] = {}
        self._workers = workers
        self._idle_sleep = idle_sleep
        self._tasks: list[asyncio.Task[None]] = []
        self._wake = asyncio.Event()

    def register(self, kind: str, handler: Handler) -> None:
        self._handlers[kind] = handler

    def wake(self) -> None:
        self._wake.set()

    def start(self) -> None:
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
        jobs = await asyncio.to_thread(self._queue.claim, 1, tuple(self._handlers))
        if not jobs:
            return False
        await self.run_job(jobs[0])
        return True

    async def run_job(self, job: Job) -> None:
        url = str(job.payload.get("url", job.key))
        if job.attempts > MAX_ATTEMPTS:
            error = JobAbandoned(f"gave up after {job.attempts - 1} interrupted attempts")
            await asyncio.to_thread(self._queue.fail, job, error, stage=job.kind, url=url)
            return
        try:
            result = await self._handlers[job.kind](job)
        except ParallaxError as error:
            await asyncio.to_thread(self._queue.fail, job, error, stage=job.kind, url=url)
        except Exception as error:
            log.exception("job %s (%s) crashed", job.id, job.kind)
            await asyncio.to_thread(self._queue.fail, job, error, stage=job.kind, url=url)
        else:
            await asyncio.to_thread(
                self._queue.complete, job, result.outcome, article_id=result.article_id
            )
