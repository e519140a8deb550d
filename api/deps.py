"""What routes depend on: the narrow services, the caller, as `Annotated` aliases.

Everything here is built once in the app's lifespan (`api.main`) and reached through the typed
lifespan state; nothing is global.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable
from dataclasses import dataclass, field
from typing import Annotated, TypedDict

from fastapi import Depends, Request, Security
from fastapi.security import APIKeyHeader

from api.answer_cache import AnswerCache
from api.metrics import Metrics
from api.overload import WorkGate
from api.problems import Forbidden, Unauthorized
from api.security import RATE_LIMIT_STATE_KEY, CallerLimiter, KeyRing
from api.startup import Startup
from compare import Archive, Comparer, CoverageRefresher, Resolver
from core.config import Settings
from core.errors import RateLimited
from ingest.pipeline import IngestResult
from ingest.service import IngestService

__all__ = [
    "API_KEY_HEADER",
    "AnswerCache",
    "ArchiveDep",
    "BackgroundIngests",
    "Caller",
    "CallerDep",
    "ComparerDep",
    "IngestDep",
    "Runtime",
    "RuntimeDep",
    "SettingsDep",
    "State",
    "api_key_header",
    "authorize",
    "get_runtime",
]

log = logging.getLogger(__name__)


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
    """The narrow services routes use: ingest (submit, follow jobs), the archive (browse),
    the resolver and comparer (/compare), and the HTTP layer's own limits and caches."""

    settings: Settings
    ingest: IngestService
    archive: Archive
    resolver: Resolver
    comparer: Comparer
    cache: AnswerCache
    refresher: CoverageRefresher
    background: BackgroundIngests
    keys: KeyRing
    admin_keys: KeyRing
    limiter: CallerLimiter
    metrics: Metrics
    compare_gate: WorkGate
    ingest_gate: WorkGate


class State(TypedDict):
    startup: Startup[Runtime]


# Coroutines, not plain functions: FastAPI runs those in a worker thread, a hop per request
# that these lookups do not need.
async def get_runtime(request: Request) -> Runtime:
    """The runtime; 503 `not-ready`, naming startup's current step, until it is built."""
    startup = request.state.startup
    assert isinstance(startup, Startup)
    runtime = startup.runtime
    assert isinstance(runtime, Runtime)
    return runtime


RuntimeDep = Annotated[Runtime, Depends(get_runtime)]


async def get_ingest(runtime: RuntimeDep) -> IngestService:
    return runtime.ingest


async def get_archive(runtime: RuntimeDep) -> Archive:
    return runtime.archive


async def get_settings(runtime: RuntimeDep) -> Settings:
    return runtime.settings


async def get_comparer(runtime: RuntimeDep) -> Comparer:
    return runtime.comparer


IngestDep = Annotated[IngestService, Depends(get_ingest)]
ArchiveDep = Annotated[Archive, Depends(get_archive)]
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
    """Who is asking: `key:<hash prefix>` with a key, else `ip:<address>`; `admin` with an
    admin key."""

    id: str
    authenticated: bool
    admin: bool = False


async def authorize(
    request: Request,
    runtime: RuntimeDep,
    api_key: Annotated[str | None, Security(api_key_header)],
) -> Caller:
    """Check the key (required or not, a wrong one is refused) and spend one request."""
    # The security scheme reads an empty header as no header; an empty key is a wrong key.
    presented = request.headers.get(API_KEY_HEADER, api_key)
    if presented is not None:
        admin_id = runtime.admin_keys.identify(presented)
        key_id = admin_id or runtime.keys.identify(presented)
        if key_id is None:
            raise Unauthorized("the API key is not valid")
        caller = Caller(f"key:{key_id}", authenticated=True, admin=admin_id is not None)
    elif runtime.settings.api_keys_required:
        raise Unauthorized("an API key is required: send it in the X-API-Key header")
    else:
        caller = Caller(f"ip:{request.client.host if request.client else 'unknown'}", False)
    if runtime.limiter.enabled:
        decision = await runtime.limiter.take(caller.id)
        setattr(request.state, RATE_LIMIT_STATE_KEY, decision.headers())
        if not decision.allowed:
            raise RateLimited(
                f"more than {decision.limit} requests a minute", retry_after=decision.retry_after
            )
    return caller


CallerDep = Annotated[Caller, Depends(authorize)]


async def authorize_admin(caller: CallerDep, runtime: RuntimeDep) -> Caller:
    """A caller that may change what the service follows: with keys required, an admin key."""
    if runtime.settings.api_keys_required and not caller.admin:
        raise Forbidden("this needs an admin key (PARALLAX_ADMIN_KEY_HASHES)")
    return caller


AdminDep = Annotated[Caller, Depends(authorize_admin)]
