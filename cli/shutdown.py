"""Serving with a bounded stop: after SIGTERM or SIGINT the process is gone within the
documented grace period, whatever is still running.

uvicorn gives requests in flight `shutdown_grace` seconds, then the lifespan stops the workers
and saves the indexes. A thread still computing then (an embedding, a comparison) cannot be
cancelled and would hold the interpreter's exit, so a timer armed at the first signal ends the
process `HARD_STOP_MARGIN` seconds after the grace. Nothing is lost: jobs are rows that the next
start queues again, the store commits whole transactions, and the indexes are saved atomically
and checked against the store when loaded.
"""

from __future__ import annotations

import logging
import os
import threading
from types import FrameType
from typing import Any

import uvicorn

from core.config import Settings

__all__ = [
    "HARD_STOP_EXIT_CODE",
    "HARD_STOP_MARGIN",
    "arm_hard_stop",
    "run_bounded",
    "server_config",
]

log = logging.getLogger(__name__)

HARD_STOP_MARGIN = 5.0
HARD_STOP_EXIT_CODE = 70


def arm_hard_stop(seconds: float) -> threading.Timer:
    """Ends the process `seconds` from now unless it has exited by then."""

    def stop() -> None:
        log.error("still running %.0f s after the signal to stop: exiting now", seconds)
        logging.shutdown()
        os._exit(HARD_STOP_EXIT_CODE)

    timer = threading.Timer(seconds, stop)
    timer.daemon = True
    timer.start()
    return timer


class _BoundedServer(uvicorn.Server):
    def __init__(self, config: uvicorn.Config, grace: float) -> None:
        super().__init__(config)
        self._grace = grace
        self._hard_stop: threading.Timer | None = None

    def handle_exit(self, sig: int, frame: FrameType | None) -> None:
        if self._hard_stop is None:
            self._hard_stop = arm_hard_stop(self._grace + HARD_STOP_MARGIN)
        super().handle_exit(sig, frame)


def server_config(app: Any, settings: Settings, *, host: str, port: int) -> uvicorn.Config:
    # X-Forwarded-For is read by the app, and only from settings.trusted_proxies; uvicorn's own
    # reading would trust any loopback client, letting it pick its rate-limit bucket.
    return uvicorn.Config(
        app,
        host=host,
        port=port,
        proxy_headers=False,
        timeout_graceful_shutdown=max(1, round(settings.shutdown_grace)),
    )


def run_bounded(app: Any, settings: Settings, *, host: str, port: int) -> None:
    config = server_config(app, settings, host=host, port=port)
    _BoundedServer(config, settings.shutdown_grace).run()
