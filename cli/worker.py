"""`parallax worker`: runs ingest jobs from the broker, on this host or any other.

The process opens the ingest side as the API does (store, model, indexes, event index) without
its in-process workers, and hands each message's job to a Dramatiq worker thread, which runs the
job's steps on this process's event loop and acknowledges the message once the job ended in the
store.
"""

from __future__ import annotations

import asyncio
import logging
import signal
from typing import Annotated

import typer

from core.config import Settings

__all__ = ["run_worker", "worker"]

log = logging.getLogger(__name__)


async def run_worker(settings: Settings) -> None:
    """Consume jobs until SIGTERM or SIGINT; a job running then finishes first."""
    import dramatiq

    from ingest.broker import BrokerDispatcher
    from ingest.periodic import Periodic
    from ingest.service import ingest_service

    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for signum in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(signum, stop.set)
    async with ingest_service(settings, run_workers=False, schedule_feeds=False) as service:
        dispatcher = service.workers
        assert isinstance(dispatcher, BrokerDispatcher)

        def run(job_id: int) -> None:
            asyncio.run_coroutine_threadsafe(service.run_job_id(job_id), loop).result()

        async def sweep() -> None:
            try:
                await asyncio.to_thread(dispatcher.sweep)
            except Exception as error:
                # The next sweep tries again: a store or broker outage stops no worker.
                log.warning("the job sweep failed: %s", error)

        dispatcher.consume(run)
        consumer = dramatiq.Worker(dispatcher.broker, worker_threads=settings.ingest_workers)
        consumer.start()
        sweeper = Periodic("job-sweeper", sweep, settings.job_sweep_interval)
        sweeper.start()
        typer.echo(
            f"worker taking jobs from queue {dispatcher.queue_name!r} "
            f"with {settings.ingest_workers} threads",
            err=True,
        )
        try:
            await stop.wait()
        finally:
            await sweeper.stop()
            await asyncio.to_thread(consumer.stop, round(settings.job_lease_seconds * 1000))


def worker(
    threads: Annotated[
        int | None,
        typer.Option(min=1, help="Jobs run at once (default PARALLAX_INGEST_WORKERS)."),
    ] = None,
) -> None:
    """Run ingest jobs from the broker (PARALLAX_BROKER_URL) until stopped."""
    settings = Settings()
    if not settings.broker_url:
        typer.echo("set PARALLAX_BROKER_URL: without a broker, `parallax serve` runs the jobs")
        raise typer.Exit(2)
    if threads is not None:
        settings = settings.model_copy(update={"ingest_workers": threads})
    logging.basicConfig(level=logging.WARNING)
    asyncio.run(run_worker(settings))
