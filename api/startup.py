"""The app's startup, run in the background so the server listens at once.

Until the runtime is built, every route that needs it answers 503 `not-ready` naming the step
startup is on (and how far along, where that is counted); /healthz answers throughout. A
startup that fails stays failed, logged, and /readyz says why.
"""

from __future__ import annotations

import asyncio
import logging
from typing import Generic, TypeVar

from api.problems import NotReady
from core.startup import StartupProgress

__all__ = ["Startup"]

log = logging.getLogger(__name__)

T = TypeVar("T")


class Startup(Generic[T]):
    """The progress of startup, then its runtime, or the reason it failed."""

    def __init__(self) -> None:
        self.progress = StartupProgress()
        self._runtime: T | None = None
        self._failure: str | None = None
        self._settled = asyncio.Event()

    def ready(self, runtime: T) -> None:
        self._runtime = runtime
        self._settled.set()

    def failed(self, error: BaseException) -> None:
        log.error("startup failed: %s", error, exc_info=error)
        self._failure = f"{type(error).__name__}: {error}"
        self._settled.set()

    async def settled(self) -> T | None:
        """Waits until startup ends; the runtime, or None when startup failed."""
        await self._settled.wait()
        return self._runtime

    @property
    def runtime(self) -> T:
        """The runtime; raises NotReady, naming the current step, while startup runs."""
        if self._runtime is not None:
            return self._runtime
        if self._failure is not None:
            raise NotReady(f"startup failed: {self._failure}", step="failed")
        step = self.progress.step
        counted = f" ({step.done} of {step.total})" if step.total is not None else ""
        raise NotReady(
            f"starting: {step.name}{counted}", step=step.name, done=step.done, total=step.total
        )
