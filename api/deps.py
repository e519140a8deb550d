"""What routes depend on: the running service, the comparer, the caller, as `Annotated` aliases.

Everything here is built once in the app's lifespan (`api.main`) and reached through the typed
lifespan state; nothing is global.
"""

from __future__ import annotations

import asyncio
import logging
import threading
import time
from collections import OrderedDict
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Annotated, Protocol, TypedDict

from fastapi import Depends, Request, Security
from fastapi.security import APIKeyHeader

from api.answer import PreparedAnswer
from api.metrics import Metrics
from api.overload import WorkGate
from api.problems import Unauthorized
from api.queries import ComparisonKey, enqueue_feed_refresh
from api.schemas import ClaimOut, Comparison, PendingCoverage
from api.security import RATE_LIMIT_STATE_KEY, KeyRing, RateLimiter
from core.config import Settings
from core.errors import RateLimited
from ingest.pipeline import IngestResult
from ingest.service import IngestService

__all__ = [
    "API_KEY_HEADER",
    "BackgroundIngests",
    "Caller",
    "CallerDep",
    "Comparer",
    "ComparerDep",
    "ComparerFactory",
    "ComparisonCache",
    "ComparisonKey",
    "CoverageRefresher",
    "Runtime",
    "RuntimeDep",
    "ServiceDep",
    "SettingsDep",
    "State",
    "authorize",
    "get_runtime",
]

log = logging.getLogger(__name__)


class Comparer(Protocol):
    """The comparison engine as the API sees it. Both methods block (store reads, FAISS, model
    inference): the API calls them in a worker thread, never on the event loop."""

    @property
    def name(self) -> str:
        """Identifies the engine and its version in answers and cache keys."""
        ...

    def compare(self, article_id: int) -> Comparison:
        """One article's view of its event: coverage, claims, divergences.

        Raises `core.errors.NotFound` when no article has that id.
        """
        ...

    def event_claims(self, event_id: int) -> list[ClaimOut]:
        """The claim matrix of one event across its outlets (`passage` is left None)."""
        ...


ComparerFactory = Callable[[IngestService], Comparer]


class ComparisonCache:
    """The newest `size` comparisons with their rendered views, least recently used dropped
    first."""

    def __init__(self, size: int) -> None:
        self._size = size
        self._items: OrderedDict[tuple[str, ComparisonKey], PreparedAnswer] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, engine: str, key: ComparisonKey) -> PreparedAnswer | None:
        with self._lock:
            found = self._items.get((engine, key))
            if found is not None:
                self._items.move_to_end((engine, key))
            return found

    def put(self, engine: str, key: ComparisonKey, answer: PreparedAnswer) -> None:
        if self._size == 0:
            return
        with self._lock:
            self._items[(engine, key)] = answer
            self._items.move_to_end((engine, key))
            while len(self._items) > self._size:
                self._items.popitem(last=False)

    def __len__(self) -> int:
        return len(self._items)


@dataclass(slots=True)
class _Refresh:
    batch_id: int
    started: float
    finished: float | None = None


class CoverageRefresher:
    """Polls every configured feed when a comparison finds little coverage.

    One refresh runs at a time and every article that asks while it runs waits on it; none
    starts within a minute of the last one finishing (its feeds were just read), and an article
    is not refreshed for again within `interval` seconds, so a story nobody else covers settles
    into a plain "no coverage" instead of a refresh loop.
    """

    MIN_GAP = 60.0

    def __init__(
        self,
        service: IngestService,
        *,
        enabled: bool,
        interval: float,
        retry_after: int,
        metrics: Metrics,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._service = service
        self._enabled = enabled
        self._interval = interval
        self._retry_after = retry_after
        self._metrics = metrics
        self._clock = clock
        self._current: _Refresh | None = None
        self._by_article: OrderedDict[int, _Refresh] = OrderedDict()
        self._lock = asyncio.Lock()

    async def request(self, article_id: int) -> PendingCoverage | None:
        """The refresh this article waits on, or None when none is running or worth starting."""
        if not self._enabled:
            return None
        async with self._lock:
            current = self._current
            if current is not None and current.finished is None:
                status = await asyncio.to_thread(self._service.queue.batch_status, current.batch_id)
                if status is None or status.finished:
                    current.finished = self._clock()
                else:
                    self._remember(article_id, current)
                    return self._pending(current)
            now = self._clock()
            previous = self._by_article.get(article_id)
            if previous is not None and now - previous.started < self._interval:
                return None
            last_finished = current.finished if current is not None else None
            if last_finished is not None and now - last_finished < min(
                self.MIN_GAP, self._interval
            ):
                return None
            batch_id = await asyncio.to_thread(
                enqueue_feed_refresh, self._service.queue, self._service.poller
            )
            if batch_id is None:
                return None
            self._service.workers.wake()
            self._metrics.coverage_refreshes.inc()
            self._current = _Refresh(batch_id, self._clock())
            self._remember(article_id, self._current)
            return self._pending(self._current)

    def _remember(self, article_id: int, refresh: _Refresh) -> None:
        self._by_article[article_id] = refresh
        self._by_article.move_to_end(article_id)
        while len(self._by_article) > 10_000:
            self._by_article.popitem(last=False)

    def _pending(self, refresh: _Refresh) -> PendingCoverage:
        return PendingCoverage(
            job_id=refresh.batch_id,
            poll=f"/jobs/{refresh.batch_id}",
            retry_after=self._retry_after,
        )


@dataclass(slots=True)
class BackgroundIngests:
    """The ingests /compare starts, as tasks of their own: one that outlives its request's
    deadline (or its caller) still finishes. Cancelled and awaited at shutdown."""

    tasks: set[asyncio.Task[IngestResult]] = field(default_factory=set)

    def start(self, work: Awaitable[IngestResult]) -> asyncio.Task[IngestResult]:
        task = asyncio.ensure_future(work)
        self.tasks.add(task)
        task.add_done_callback(self._finished)
        return task

    def _finished(self, task: asyncio.Task[IngestResult]) -> None:
        self.tasks.discard(task)
        if not task.cancelled() and task.exception() is not None:
            log.debug("an ingest started by /compare failed: %s", task.exception())

    async def drain(self) -> None:
        for task in list(self.tasks):
            task.cancel()
        await asyncio.gather(*self.tasks, return_exceptions=True)


@dataclass(slots=True)
class Runtime:
    settings: Settings
    service: IngestService
    comparer: Comparer
    cache: ComparisonCache
    refresher: CoverageRefresher
    background: BackgroundIngests
    keys: KeyRing
    limiter: RateLimiter
    metrics: Metrics
    compare_gate: WorkGate
    ingest_gate: WorkGate


class State(TypedDict):
    runtime: Runtime


# Coroutines, not plain functions: FastAPI runs those in a worker thread, a hop per request
# that these lookups do not need.
async def get_runtime(request: Request) -> Runtime:
    runtime = request.state.runtime
    assert isinstance(runtime, Runtime)
    return runtime


RuntimeDep = Annotated[Runtime, Depends(get_runtime)]


async def get_service(runtime: RuntimeDep) -> IngestService:
    return runtime.service


async def get_settings(runtime: RuntimeDep) -> Settings:
    return runtime.settings


async def get_comparer(runtime: RuntimeDep) -> Comparer:
    return runtime.comparer


ServiceDep = Annotated[IngestService, Depends(get_service)]
SettingsDep = Annotated[Settings, Depends(get_settings)]
ComparerDep = Annotated[Comparer, Depends(get_comparer)]

API_KEY_HEADER = "X-API-Key"
api_key_header = APIKeyHeader(
    name=API_KEY_HEADER,
    auto_error=False,
    description="An API key. Required when the server sets PARALLAX_API_KEYS_REQUIRED.",
)


@dataclass(frozen=True, slots=True)
class Caller:
    """Who is asking: `key:<hash prefix>` with a key, else `ip:<address>`."""

    id: str
    authenticated: bool


async def authorize(
    request: Request,
    runtime: RuntimeDep,
    api_key: Annotated[str | None, Security(api_key_header)],
) -> Caller:
    """Check the key (required or not, a wrong one is refused) and spend one request."""
    # The security scheme reads an empty header as no header; an empty key is a wrong key.
    presented = request.headers.get(API_KEY_HEADER, api_key)
    if presented is not None:
        key_id = runtime.keys.identify(presented)
        if key_id is None:
            raise Unauthorized("the API key is not valid")
        caller = Caller(f"key:{key_id}", authenticated=True)
    elif runtime.settings.api_keys_required:
        raise Unauthorized("an API key is required: send it in the X-API-Key header")
    else:
        caller = Caller(f"ip:{request.client.host if request.client else 'unknown'}", False)
    if runtime.limiter.enabled:
        decision = runtime.limiter.hit(caller.id)
        setattr(request.state, RATE_LIMIT_STATE_KEY, decision.headers())
        if not decision.allowed:
            raise RateLimited(
                f"more than {decision.limit} requests a minute", retry_after=decision.retry_after
            )
    return caller


CallerDep = Annotated[Caller, Depends(authorize)]
