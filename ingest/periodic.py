"""Work run again and again on an interval, as a task of the running event loop."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Awaitable, Callable

log = logging.getLogger(__name__)


class Periodic:
    """Awaits `tick()`, sleeps `interval` seconds, and again, from `start` until `stop`."""

    def __init__(self, name: str, tick: Callable[[], Awaitable[object]], interval: float) -> None:
        self._name = name
        self._tick = tick
        self._interval = interval
        self._task: asyncio.Task[None] | None = None

    def start(self) -> None:
        self._task = asyncio.create_task(self._run(), name=self._name)

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
            self._task = None

    async def _run(self) -> None:
        while True:
            await self._tick()
            await asyncio.sleep(self._interval)


class PeriodicWork:
    """Runs blocking `work` every `interval` seconds in a thread, off the event loop, until
    stopped. A failure of one of the `passing` kinds is logged as `failed` and the next run
    tries again; any other ends the runs."""

    def __init__(
        self,
        name: str,
        work: Callable[[], object],
        interval: float,
        *,
        passing: tuple[type[Exception], ...],
        failed: str,
    ) -> None:
        self._work = work
        self._passing = passing
        self._failed = failed
        self._periodic = Periodic(name, self._tick, interval)

    def start(self) -> None:
        self._periodic.start()

    async def stop(self) -> None:
        await self._periodic.stop()

    async def _tick(self) -> None:
        try:
            await asyncio.to_thread(self._work)
        except self._passing as error:
            log.warning("%s: %s", self._failed, error)
