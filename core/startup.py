"""Where the service's startup is: the steps that run it report here, and /readyz reads it.

Startup runs in a background thread while the server already listens. Each step names itself
with `begin` and, where counting is cheap, its size; long steps call `advance` as they go. A
stop asked for by the server (`stop`) ends the startup at the next `begin` or `advance` with
`StartupStopped`, so shutting down never waits for a whole rebuild.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass, replace

from core.errors import StartupStopped

__all__ = ["StartupProgress", "StartupStep"]


@dataclass(frozen=True, slots=True)
class StartupStep:
    """One step of startup: its name, and how much of it is done when that is counted."""

    name: str
    done: int | None = None
    total: int | None = None


class StartupProgress:
    """Written by the startup thread, read by request handlers: each read sees one whole step."""

    def __init__(self) -> None:
        self._step = StartupStep("starting")
        self._stop = threading.Event()

    @property
    def step(self) -> StartupStep:
        return self._step

    def begin(self, name: str, *, total: int | None = None) -> None:
        self._check()
        self._step = StartupStep(name, 0 if total is not None else None, total)

    def advance(self, count: int = 1) -> None:
        self._check()
        step = self._step
        self._step = replace(step, done=(step.done or 0) + count)

    def stop(self) -> None:
        self._stop.set()

    def _check(self) -> None:
        if self._stop.is_set():
            raise StartupStopped(f"startup stopped during {self._step.name}")
