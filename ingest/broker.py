"""Jobs through RabbitMQ, run by `parallax worker` processes on any host (Dramatiq).

The store stays the truth for jobs: a job row is committed before its message is published, and
a message carries only the job's id. A worker claims the row (`JobQueue.claim_id`) before it
runs it, so a duplicate message runs nothing, and a message lost (a publish that failed while
the broker was down) is published again by the sweeper once its job has waited a lease. Queues
are durable and messages persistent; a message is acknowledged only after its job ended in the
store, so RabbitMQ delivers again the jobs of a worker killed mid-task.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable, Sequence

import dramatiq
import pika.exceptions
from dramatiq.brokers.rabbitmq import RabbitmqBroker
from dramatiq.middleware import Retries, ShutdownNotifications

from core.config import Settings
from ingest.jobs import JobQueue

log = logging.getLogger(__name__)

ACTOR_NAME = "parallax_job"
# Retries of a message whose job could not even be claimed or ended (the store unreachable);
# the job's own retries are counted in the store.
STORE_RETRIES = 10
STORE_MIN_BACKOFF_MS = 1_000
STORE_MAX_BACKOFF_MS = 60_000
PUBLISH_ERRORS = (dramatiq.errors.DramatiqError, pika.exceptions.AMQPError, OSError)


class BrokerDispatcher:
    """Publishes jobs to the broker's queue; in `parallax worker`, also consumes them."""

    def __init__(self, settings: Settings, queue: JobQueue) -> None:
        self._queue = queue
        self._sweep_after = settings.job_lease_seconds
        self.broker = RabbitmqBroker(
            url=settings.broker_url,
            confirm_delivery=True,
            middleware=[
                ShutdownNotifications(),
                Retries(
                    max_retries=STORE_RETRIES,
                    min_backoff=STORE_MIN_BACKOFF_MS,
                    max_backoff=STORE_MAX_BACKOFF_MS,
                ),
            ],
        )
        self.queue_name = settings.broker_queue
        self._consumer: Callable[[int], None] | None = None
        self._actor: dramatiq.Actor[[int], None] = dramatiq.Actor(
            self._consume,
            broker=self.broker,
            actor_name=ACTOR_NAME,
            queue_name=self.queue_name,
            priority=0,
            options={},
        )

    def publish(self, job_ids: Sequence[int], delay: float = 0.0) -> None:
        """Publish one message a job; a failed publish is logged, and the sweeper publishes the
        job again later (it is already stored as queued)."""
        delay_ms = round(delay * 1000) or None
        for job_id in job_ids:
            try:
                self._actor.send_with_options(args=(job_id,), delay=delay_ms)
            except PUBLISH_ERRORS as error:
                log.warning("could not publish job %s to the broker: %s", job_id, error)
                return

    def start(self) -> None:
        """Nothing to start: this process only publishes."""

    async def stop(self) -> None:
        await asyncio.to_thread(self.broker.close)

    def consume(self, run: Callable[[int], None]) -> None:
        """Have this process's Dramatiq worker run each job id it receives with `run`."""
        self._consumer = run

    def _consume(self, job_id: int) -> None:
        if self._consumer is None:
            raise RuntimeError("this process publishes jobs; `parallax worker` runs them")
        self._consumer(job_id)

    def sweep(self) -> int:
        """Requeue jobs whose worker died or whose lease lapsed, and publish again the jobs
        queued for longer than a lease; returns how many were published."""
        self._queue.recover()
        overdue = self._queue.overdue(self._sweep_after)
        self.publish(overdue)
        return len(overdue)
