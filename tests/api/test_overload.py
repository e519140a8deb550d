"""Past capacity the API sheds load with 503 `overloaded` and Retry-After, and keeps serving."""

from __future__ import annotations

import asyncio
import threading
from collections.abc import AsyncIterator, Callable, Sequence
from contextlib import asynccontextmanager

import httpx
import pytest
from starlette.types import Receive, Scope, Send

from api.overload import InFlightLimitMiddleware, WorkGate
from api.problems import Overloaded
from compare import ArticleClaim, Comparer, Comparison, EngineComparer
from core.config import Settings
from demo.articles import EVACUATION
from ingest.service import IngestService
from tests.adversarial import HANG_GUARD_SECONDS
from tests.api._support import (
    Lifespan,
    article_url,
    assert_problem,
    event_articles,
    event_ids,
    ingest_demo,
    running,
)


async def test_gate_queues_up_to_its_limit_then_refuses() -> None:
    gate = WorkGate("jobs", running=1, waiting=1)
    release = asyncio.Event()
    order: list[str] = []

    async def job(name: str) -> None:
        async with gate.slot():
            order.append(name)
            await release.wait()

    first = asyncio.create_task(job("first"))
    await asyncio.sleep(0)
    second = asyncio.create_task(job("second"))
    await asyncio.sleep(0)
    assert gate.waiting == 1
    with pytest.raises(Overloaded):
        async with gate.slot():
            pass
    release.set()
    await asyncio.gather(first, second)
    assert order == ["first", "second"]
    assert gate.waiting == 0
    async with gate.slot():  # free again
        pass


async def test_in_flight_limit_sheds_but_probes_still_answer() -> None:
    entered = asyncio.Event()
    release = asyncio.Event()

    async def slow_app(scope: Scope, receive: Receive, send: Send) -> None:
        if scope["path"] == "/slow":
            entered.set()
            await release.wait()
        await send({"type": "http.response.start", "status": 200, "headers": []})
        await send({"type": "http.response.body", "body": b"ok"})

    app = InFlightLimitMiddleware(slow_app, limit=1)
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as client:
        slow = asyncio.create_task(client.get("/slow"))
        await entered.wait()
        shed = await client.get("/compare")
        body = assert_problem(shed, 503, "overloaded")
        assert shed.headers["Retry-After"] == "1"
        assert body["retry_after"] == 1
        assert (await client.get("/healthz")).status_code == 200
        release.set()
        assert (await slow).status_code == 200
        assert (await client.get("/compare")).status_code == 200
        assert app.in_flight == 0


class _HeldEngine:
    """The default engine, held at `compare` and `event_claims` until the test lets it go."""

    name = "held-engine"

    def __init__(self, service: IngestService) -> None:
        self._engine = EngineComparer(service, index_version=lambda: "v")
        self.started = threading.Event()
        self.release = threading.Event()

    def compare(self, article_id: int) -> Comparison:
        self.started.set()
        self.release.wait(timeout=30)
        return self._engine.compare(article_id)

    def event_claims(self, event_id: int) -> Sequence[ArticleClaim]:
        self.started.set()
        self.release.wait(timeout=30)
        return self._engine.event_claims(event_id)


@asynccontextmanager
async def _one_comparison_at_a_time(
    api_settings: Callable[..., Settings], engines: list[_HeldEngine]
) -> AsyncIterator[tuple[httpx.AsyncClient, Lifespan]]:
    """The app with held engines (appended to `engines`), one comparison running, none queued."""

    def factory(service: IngestService) -> Comparer:
        engines.append(_HeldEngine(service))
        return engines[-1]

    settings = api_settings(compare_concurrency=1, heavy_work_queue=0, comparison_cache_size=0)
    async with running(settings, comparer=factory) as pair:
        yield pair


async def test_comparisons_past_the_queue_get_503_and_the_rest_are_answered(
    api_settings: Callable[..., Settings],
) -> None:
    engines: list[_HeldEngine] = []
    async with _one_comparison_at_a_time(api_settings, engines) as (client, lifespan):
        articles = event_articles(EVACUATION)[:3]
        for article in articles:
            await ingest_demo(lifespan, article)
        [engine] = engines
        first = asyncio.create_task(
            client.get("/compare", params={"url": article_url(articles[0])})
        )
        await asyncio.to_thread(engine.started.wait, 30)
        shed = await client.get("/compare", params={"url": article_url(articles[1])})
        body = assert_problem(shed, 503, "overloaded")
        assert shed.headers["Retry-After"] == "1"
        assert "comparisons" in body["detail"]
        engine.release.set()
        assert (await first).status_code == 200
        again = await client.get("/compare", params={"url": article_url(articles[1])})
        assert again.status_code == 200
        assert lifespan.runtime.compare_gate.waiting == 0


@pytest.mark.parametrize("path", ["/events/{event_id}", "/events/{event_id}/claims.csv"])
async def test_aligning_an_event_waits_at_the_comparison_gate(
    api_settings: Callable[..., Settings], path: str
) -> None:
    engines: list[_HeldEngine] = []
    async with _one_comparison_at_a_time(api_settings, engines) as (client, lifespan):
        articles = event_articles(EVACUATION)[:2]
        ids = [await ingest_demo(lifespan, article) for article in articles]
        [event_id] = set(event_ids(lifespan, ids))
        [engine] = engines
        first = asyncio.create_task(client.get(path.format(event_id=event_id)))
        await asyncio.to_thread(engine.started.wait, 30)
        for shed in (
            await client.get(path.format(event_id=event_id)),
            await client.get("/compare", params={"url": article_url(articles[1])}),
        ):
            body = assert_problem(shed, 503, "overloaded")
            assert "comparisons" in body["detail"]
        engine.release.set()
        assert (await first).status_code == 200
        assert (await client.get(path.format(event_id=event_id))).status_code == 200
        assert lifespan.runtime.compare_gate.waiting == 0


async def test_the_compare_deadline_counts_the_wait_for_an_ingest_slot(
    api_settings: Callable[..., Settings],
) -> None:
    settings = api_settings(ingest_concurrency=1, compare_deadline=1.0)
    async with running(settings) as (client, lifespan):
        occupied, release = asyncio.Event(), asyncio.Event()

        async def hold() -> None:
            async with lifespan.runtime.ingest_gate.slot():
                occupied.set()
                await release.wait()

        holder = asyncio.create_task(hold())
        await occupied.wait()
        try:
            request = client.post("/compare", json={"text": "The bridge reopens on Monday. " * 3})
            response = await asyncio.wait_for(request, HANG_GUARD_SECONDS)
            body = assert_problem(response, 503, "deadline-exceeded")
            assert "deadline" in body["detail"]
            assert response.headers["retry-after"]
        finally:
            release.set()
            await holder
