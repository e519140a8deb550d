"""The app factory: settings in, a FastAPI app out; the model, indexes, store and ingest workers
are opened once in its lifespan and reached through the typed lifespan state."""

from __future__ import annotations

import asyncio
import gc
from collections.abc import AsyncIterator, Callable, Iterator, Sequence
from contextlib import AsyncExitStack, asynccontextmanager, contextmanager
from typing import Any

from fastapi import FastAPI
from fastapi.middleware.cors import CORSMiddleware
from threadpoolctl import ThreadpoolController
from uvicorn.middleware.proxy_headers import ProxyHeadersMiddleware

from api.answer_cache import AnswerCache, MemoryAnswerCache, RedisAnswerCache
from api.dashboard import install_assets
from api.dashboard import router as dashboard_router
from api.deps import BackgroundIngests, Runtime, State
from api.metrics import Metrics, MetricsMiddleware
from api.overload import ArrivalMiddleware, InFlightLimitMiddleware, WorkGate
from api.problems import PROBLEM_MEDIA_TYPE, install_problem_handlers
from api.redis_link import RedisLink
from api.routes import ROUTERS
from api.schemas import Problem
from api.security import (
    BodyLimitMiddleware,
    CallerLimiter,
    KeyRing,
    RateLimiter,
    RateLimitHeadersMiddleware,
)
from api.shared_limiter import RedisRateLimiter
from api.startup import Startup
from compare import (
    Archive,
    ComparerFactory,
    CoverageRefresher,
    EngineComparer,
    Resolver,
)
from compare.key_memo import KeyMemo
from comparison.pair_cover import shipped_cover
from core.config import Settings
from core.errors import StartupStopped
from core.models import Outlet
from index.embedder import Embedder
from ingest.service import IngestService, ingest_service

__all__ = ["create_app"]

API_VERSION = "0.1.0"
DESCRIPTION = """\
Give Parallax one news article — a URL, the page's HTML, or its text — and it answers who else
covered the event, which passages say the same thing, and where the accounts diverge.

Errors are [RFC 9457](https://www.rfc-editor.org/rfc/rfc9457) `application/problem+json` with a
stable `type` per case under `https://parallax.example/problems/`.
"""
_TAGS = [
    {"name": "compare", "description": "One article against its event's coverage."},
    {"name": "browse", "description": "Events, articles and outlets in the archive."},
    {"name": "ingest", "description": "Adding articles and polling feeds; jobs to follow."},
    {"name": "operations", "description": "Health, readiness and metrics."},
]


# A full collection walks every tracked object: the event index's features, event workspaces,
# kept evidence and answers, well over a million of them, for ~250 ms in which no request moves.
# At the default threshold (700) the objects of requests in flight reach the oldest generation
# fast enough to trigger one every few seconds under load; at 10,000 they are freed young.
YOUNG_GENERATION_THRESHOLD = 10_000


@contextmanager
def _long_lived_heap() -> Iterator[None]:
    """Freeze what startup loaded (never garbage, never walked again) and collect the young
    generation less often; restored when the app stops."""
    previous = gc.get_threshold()
    gc.collect()
    gc.freeze()
    gc.set_threshold(YOUNG_GENERATION_THRESHOLD, *previous[1:])
    try:
        yield
    finally:
        gc.set_threshold(*previous)
        gc.unfreeze()


def _engine_comparer(service: IngestService) -> EngineComparer:
    indexes = service.indexes
    return EngineComparer(
        service,
        index_version=lambda: f"passages:{len(indexes.passages)},reports:{len(indexes.reports)}",
        kept_events=service.settings.event_workspace_cache_size,
        max_articles=service.settings.max_event_articles,
        cover=shipped_cover(service.settings) if service.settings.unique_claim_check else None,
    )


def _settle(task: asyncio.Task[None], startup: Startup[Runtime]) -> None:
    if task.cancelled():
        startup.failed(asyncio.CancelledError("startup was cancelled"))
    elif (error := task.exception()) is not None and not isinstance(error, StartupStopped):
        startup.failed(error)


def _shared_state(settings: Settings, link: RedisLink | None) -> tuple[AnswerCache, CallerLimiter]:
    """The answer cache and the rate limiter: in Redis when one is configured, else in memory."""
    per_minute, burst = settings.rate_limit_per_minute, settings.rate_limit_burst
    if link is None:
        return MemoryAnswerCache(settings.comparison_cache_size), RateLimiter(per_minute, burst)
    return (
        RedisAnswerCache(link, settings.comparison_cache_ttl, kept=settings.comparison_cache_size),
        RedisRateLimiter(link, per_minute, burst),
    )


def create_app(
    settings: Settings | None = None,
    *,
    embedder: Embedder | None = None,
    comparer: ComparerFactory | None = None,
    extra_outlets: Sequence[Outlet] = (),
    include_registry: bool = True,
    on_startup: Callable[[IngestService], object] | None = None,
) -> FastAPI:
    """The Parallax API. Its lifespan returns at once: startup runs in the background.

    `embedder` replaces the configured model (tests); `comparer` builds the comparison engine
    from the running ingest service (default: `EngineComparer`); `extra_outlets`
    are added to the outlet registry (or replace it without `include_registry`); `on_startup`
    runs once the ingest service is up.
    """
    settings = settings or Settings()
    metrics = Metrics()
    make_comparer: ComparerFactory = comparer or _engine_comparer

    def build_runtime(
        service: IngestService, keys: KeyRing, admin_keys: KeyRing, link: RedisLink | None
    ) -> Runtime:
        cache, limiter = _shared_state(settings, link)
        return Runtime(
            settings=settings,
            ingest=service,
            archive=Archive(service.sessions, service.outlets),
            resolver=Resolver.of(service, memo=KeyMemo(settings.comparison_key_memo_size)),
            comparer=make_comparer(service),
            cache=cache,
            refresher=CoverageRefresher(
                service,
                enabled=settings.coverage_refresh,
                interval=settings.coverage_refresh_interval,
                retry_after=settings.coverage_retry_after,
                on_start=metrics.coverage_refreshes.inc,
            ),
            background=BackgroundIngests(),
            keys=keys,
            admin_keys=admin_keys,
            limiter=limiter,
            metrics=metrics,
            compare_gate=WorkGate(
                "comparisons",
                running=settings.compare_concurrency,
                waiting=settings.heavy_work_queue,
            ),
            ingest_gate=WorkGate(
                "articles to ingest",
                running=settings.ingest_concurrency,
                waiting=settings.heavy_work_queue,
            ),
        )

    async def start(startup: Startup[Runtime], stack: AsyncExitStack) -> None:
        keys = KeyRing(settings.api_key_hashes, settings.api_keys_file)
        admin_keys = KeyRing(settings.admin_key_hashes)
        service = await stack.enter_async_context(
            ingest_service(
                settings,
                embedder=embedder,
                extra_outlets=extra_outlets,
                include_registry=include_registry,
                progress=startup.progress,
            )
        )
        if on_startup is not None:
            on_startup(service)
        link = None
        if settings.redis_url:
            link = RedisLink(
                settings.redis_url,
                prefix=settings.redis_key_prefix,
                timeout=settings.redis_timeout,
                retry_interval=settings.redis_retry_interval,
                on_failure=metrics.redis_failures.inc,
            )
            stack.push_async_callback(link.close)
        runtime = build_runtime(service, keys, admin_keys, link)
        stack.push_async_callback(runtime.background.drain)
        stack.enter_context(_long_lived_heap())
        startup.ready(runtime)

    @asynccontextmanager
    async def lifespan(_app: FastAPI) -> AsyncIterator[State]:
        # The server listens at once; startup's work (the store, the model, the indexes, the
        # events) runs in the background and /readyz names its step meanwhile.
        startup: Startup[Runtime] = Startup()
        async with AsyncExitStack() as stack:
            # Process-wide, like the torch and FAISS thread counts; restored when the app stops.
            stack.enter_context(
                ThreadpoolController().limit(limits=settings.blas_threads, user_api="blas")
            )
            starting = asyncio.create_task(start(startup, stack))
            starting.add_done_callback(lambda task: _settle(task, startup))
            try:
                yield {"startup": startup}
            finally:
                startup.progress.stop()
                await asyncio.gather(starting, return_exceptions=True)

    app = FastAPI(
        title="Parallax",
        version=API_VERSION,
        description=DESCRIPTION,
        openapi_tags=_TAGS,
        lifespan=lifespan,
        # Served from the package by `install_assets`: no CDN, so they work offline.
        docs_url=None,
        redoc_url=None,
    )
    install_problem_handlers(app)
    for router in ROUTERS:
        app.include_router(router)
    app.include_router(dashboard_router)
    install_assets(app)

    # Added innermost first: metrics sees every answer, 413s and CORS preflights included.
    app.add_middleware(RateLimitHeadersMiddleware)
    app.add_middleware(BodyLimitMiddleware, limit=settings.max_request_bytes)
    app.add_middleware(InFlightLimitMiddleware, limit=settings.max_inflight_requests)
    if settings.cors_allow_origins:
        app.add_middleware(
            CORSMiddleware,
            allow_origins=settings.cors_allow_origins,
            allow_methods=["GET", "POST"],
            allow_headers=["Content-Type", "X-API-Key", "If-None-Match"],
            expose_headers=[
                "ETag",
                "Retry-After",
                "Location",
                "X-RateLimit-Limit",
                "X-RateLimit-Remaining",
                "X-RateLimit-Reset",
                "X-Total-Count",
                "Content-Disposition",
            ],
            max_age=600,
        )
    app.add_middleware(MetricsMiddleware, metrics=metrics)
    app.add_middleware(ArrivalMiddleware)
    if settings.trusted_proxies:
        app.add_middleware(ProxyHeadersMiddleware, trusted_hosts=settings.trusted_proxies)
    _finish_openapi(app, keys_required=settings.api_keys_required)
    return app


def _finish_openapi(app: FastAPI, *, keys_required: bool) -> None:
    """Add the Problem schema, drop the empty JSON bodies FastAPI lists beside problem+json, and
    mark the API key optional where the server does not require one."""
    generate = app.openapi

    def openapi() -> dict[str, Any]:
        if app.openapi_schema is not None:
            return app.openapi_schema
        schema = generate()
        components = schema.setdefault("components", {}).setdefault("schemas", {})
        components["Problem"] = Problem.model_json_schema()
        for path in schema.get("paths", {}).values():
            for operation in path.values():
                if "security" in operation and not keys_required:
                    operation["security"] = [{}, *operation["security"]]
                for status, response in operation.get("responses", {}).items():
                    content = response.get("content", {})
                    empty_json = content.get("application/json", {}).get("schema") == {}
                    if status[0] in "45" and PROBLEM_MEDIA_TYPE in content and empty_json:
                        del content["application/json"]
        app.openapi_schema = schema
        return schema

    app.openapi = openapi  # type: ignore[method-assign]
