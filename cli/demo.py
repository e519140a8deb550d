"""`parallax demo`: the invented outlets served locally, their coverage ingested and kept fresh."""

from __future__ import annotations

import asyncio
import contextlib
import signal

from rich.console import Console

from core.config import Settings
from demo.server import DemoSite


def demo_settings(settings: Settings) -> Settings:
    """The settings with the demo host allowed and a short poll interval."""
    hosts = [*settings.allowed_private_hosts, "127.0.0.1"]
    return settings.model_copy(
        update={"allowed_private_hosts": hosts, "feed_poll_interval": 60.0, "per_host_delay": 0.0}
    )


async def run_demo(settings: Settings, port: int, console: Console) -> None:
    from ingest.service import ingest_service

    with DemoSite(port=port) as site:
        console.print(f"demo outlets at {site.base_url}/ (feeds: {len(site.feed_urls())})")
        async with ingest_service(
            demo_settings(settings),
            extra_outlets=site.outlets(),
            schedule_feeds=True,
            include_registry=False,
        ) as service:
            batch = service.submit_feeds([outlet.slug for outlet in site.outlets()]).id
            console.print(f"ingesting the demo feeds (batch {batch}); Ctrl-C stops")
            stop = asyncio.Event()
            loop = asyncio.get_running_loop()
            for signum in (signal.SIGINT, signal.SIGTERM):
                loop.add_signal_handler(signum, stop.set)
            reported = False
            while not stop.is_set():
                status = service.queue.batch_status(batch)
                if status is not None and status.finished and not reported:
                    console.print(f"demo coverage ingested: {status.outcomes or 'nothing new'}")
                    reported = True
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(stop.wait(), 1.0)
