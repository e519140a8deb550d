"""Prometheus metrics, one registry per app so that two apps (or two tests) never share counts."""

from __future__ import annotations

import time

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram
from prometheus_client.exposition import CONTENT_TYPE_LATEST, generate_latest
from starlette.types import ASGIApp, Message, Receive, Scope, Send

__all__ = ["CONTENT_TYPE_LATEST", "Metrics", "MetricsMiddleware"]

UNMATCHED_ROUTE = "<unmatched>"


class Metrics:
    def __init__(self) -> None:
        self.registry = CollectorRegistry(auto_describe=True)
        self.requests = Counter(
            "parallax_http_requests",
            "HTTP requests answered, by route template and status.",
            ["method", "route", "status"],
            registry=self.registry,
        )
        self.latency = Histogram(
            "parallax_http_request_duration_seconds",
            "Time to answer an HTTP request, by route template.",
            ["method", "route"],
            buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30),
            registry=self.registry,
        )
        self.ingests = Counter(
            "parallax_api_ingests",
            "Articles and feeds the API handed to ingest, by source and outcome.",
            ["source", "outcome"],
            registry=self.registry,
        )
        self.comparisons = Counter(
            "parallax_comparisons",
            "Comparisons answered, by whether the cache held them.",
            ["cache"],
            registry=self.registry,
        )
        self.redis_failures = Counter(
            "parallax_redis_failures",
            "Redis commands that failed; the limit and the cache went on without Redis.",
            registry=self.registry,
        )
        self.coverage_refreshes = Counter(
            "parallax_coverage_refreshes",
            "Feed refreshes started because a comparison found little coverage.",
            registry=self.registry,
        )
        self.articles = Gauge(
            "parallax_articles",
            "Articles in the archive, read at scrape time.",
            registry=self.registry,
        )
        self.pending_jobs = Gauge(
            "parallax_ingest_jobs_pending",
            "Ingest jobs queued or running, read at scrape time.",
            registry=self.registry,
        )

    def render(self) -> bytes:
        return generate_latest(self.registry)


class MetricsMiddleware:
    """Counts and times every HTTP request under its route template (`/events/{event_id}`),
    so that ids in paths do not explode the label space."""

    def __init__(self, app: ASGIApp, metrics: Metrics) -> None:
        self.app = app
        self.metrics = metrics

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = time.perf_counter()
        status = 500

        async def recording_send(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = int(message["status"])
            await send(message)

        try:
            await self.app(scope, receive, recording_send)
        finally:
            route = getattr(scope.get("route"), "path", UNMATCHED_ROUTE)
            method = str(scope.get("method", ""))
            self.metrics.requests.labels(method, route, str(status)).inc()
            self.metrics.latency.labels(method, route).observe(time.perf_counter() - started)
