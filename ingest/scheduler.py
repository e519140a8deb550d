"""Keeps coverage current: enqueues a poll of every feed that is due, on an interval."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime

from ingest.feed_poller import FeedPoller
from ingest.jobs import JobQueue
from ingest.periodic import Periodic
from ingest.worker import Dispatcher

TICK_SECONDS = 5.0


class FeedScheduler:
    def __init__(self, poller: FeedPoller, queue: JobQueue, workers: Dispatcher) -> None:
        self._poller = poller
        self._queue = queue
        self._workers = workers
        self._periodic = Periodic("feed-scheduler", self._tick, TICK_SECONDS)

    def enqueue_due(self) -> int:
        """One scheduling pass; a feed with a poll still pending is not queued twice."""
        queued = []
        for feed_id in self._poller.due_feed_ids(datetime.now(UTC)):
            job_id = self._queue.enqueue_unique("feed", f"feed:{feed_id}", {"feed_id": feed_id})
            if job_id is not None:
                queued.append(job_id)
        self._workers.publish(queued)
        return len(queued)

    def start(self) -> None:
        self._periodic.start()

    async def stop(self) -> None:
        await self._periodic.stop()

    async def _tick(self) -> None:
        await asyncio.to_thread(self.enqueue_due)
