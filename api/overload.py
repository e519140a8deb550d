"""Shedding load past capacity: a bounded queue in front of heavy work, and a cap on requests.

On two cores a queue without end turns a burst into minutes of latency for everyone; a prompt
503 with Retry-After lets clients back off and keeps the answers that are served fast.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from starlette.types import ASGIApp, Receive, Scope, Send

from api.problems import DeadlineExceeded, Overloaded, overloaded_response

__all__ = ["ARRIVAL", "ArrivalMiddleware", "InFlightLimitMiddleware", "WorkGate", "arrival"]

ARRIVAL = "parallax.arrival"

# Probes and scrapes must answer while the server is saturated: that is when they matter.
UNLIMITED_PATHS = frozenset({"/healthz", "/readyz", "/metrics"})


class WorkGate:
    """At most `running` jobs at once and `waiting` more queued behind them; past that,
    `slot()` raises `Overloaded` at once instead of queueing."""

    def __init__(self, name: str, *, running: int, waiting: int) -> None:
        self.name = name
        self._slots = asyncio.Semaphore(running)
        self._max_waiting = waiting
        self._waiting = 0

    @property
    def waiting(self) -> int:
        return self._waiting

    @asynccontextmanager
    async def slot(self, deadline: float | None = None) -> AsyncIterator[None]:
        """A slot; raises DeadlineExceeded when none comes free before `deadline` (the event
        loop's clock)."""
        if self._slots.locked() and self._waiting >= self._max_waiting:
            raise Overloaded(f"too many {self.name} queued; try again shortly", retry_after=1.0)
        self._waiting += 1
        try:
            async with asyncio.timeout_at(deadline):
                await self._slots.acquire()
        except TimeoutError:
            raise DeadlineExceeded(
                f"no slot for {self.name} came free before the request's deadline",
                retry_after=1.0,
            ) from None
        finally:
            self._waiting -= 1
        try:
            yield
        finally:
            self._slots.release()


class InFlightLimitMiddleware:
    """503 `overloaded` for HTTP requests beyond `limit` being answered at once."""

    def __init__(self, app: ASGIApp, limit: int) -> None:
        self.app = app
        self.limit = limit
        self.in_flight = 0

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["path"] in UNLIMITED_PATHS:
            await self.app(scope, receive, send)
            return
        if self.in_flight >= self.limit:
            detail = f"more than {self.limit} requests in flight; try again shortly"
            await overloaded_response(scope["path"], detail, retry_after=1)(scope, receive, send)
            return
        self.in_flight += 1
        try:
            await self.app(scope, receive, send)
        finally:
            self.in_flight -= 1


class ArrivalMiddleware:
    """Stamps each HTTP request with the event loop's clock as it arrives: deadlines count
    from there, so time spent queued behind other requests is part of them."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http":
            scope[ARRIVAL] = asyncio.get_running_loop().time()
        await self.app(scope, receive, send)


def arrival(scope: Scope) -> float:
    """When the request arrived, by the event loop's clock (now, if it was not stamped)."""
    stamped = scope.get(ARRIVAL)
    return float(stamped) if stamped is not None else asyncio.get_running_loop().time()
