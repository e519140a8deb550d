"""The server answers while it starts: startup's work runs in the background, /healthz answers
throughout, and /readyz (and every route needing the runtime) says 503 naming the step until
startup is done."""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Callable

import pytest

import ingest.service
from comparison.event_index import EventIndex
from core.config import Settings
from core.startup import StartupProgress
from demo.articles import EVACUATION
from tests.api._support import article_url, assert_problem, event_articles, ingest_demo, running


class HeldStep:
    """Holds the first call of a blocking function until released, saying when it is held."""

    def __init__(self) -> None:
        self.reached = threading.Event()
        self.release = threading.Event()

    def wrap(self, function: Callable[..., object]) -> Callable[..., object]:
        def held(*args: object, **kwargs: object) -> object:
            if not self.reached.is_set():
                self.reached.set()
                assert self.release.wait(timeout=60), "the test never released the step"
            return function(*args, **kwargs)

        return held


async def test_readyz_names_the_step_until_startup_is_done(
    api_settings: Callable[..., Settings], monkeypatch: pytest.MonkeyPatch
) -> None:
    articles = event_articles(EVACUATION)[:3]
    settings = api_settings()
    async with running(settings) as (_, lifespan):
        for article in articles:
            await ingest_demo(lifespan, article)

    step = HeldStep()
    monkeypatch.setattr(EventIndex, "restore", step.wrap(EventIndex.restore))
    async with running(settings, wait_ready=False) as (client, lifespan):
        await asyncio.to_thread(step.reached.wait, 60)
        try:
            waiting = await client.get("/readyz")
            body = assert_problem(waiting, 503, "not-ready")
            assert (body["step"], body["done"], body["total"]) == ("restoring events", 1, 3)
            assert "restoring events (1 of 3)" in body["detail"]
            assert waiting.headers["Retry-After"]
            assert (await client.get("/healthz")).json() == {"status": "ok"}
            compare = await client.get("/compare", params={"url": article_url(articles[0])})
            assert_problem(compare, 503, "not-ready")
        finally:
            step.release.set()
        assert await lifespan.startup.settled() is not None
        ready = await client.get("/readyz")
        assert ready.status_code == 200, ready.text
        assert ready.json()["articles"] == 3


async def test_a_failed_startup_says_why(
    api_settings: Callable[..., Settings], monkeypatch: pytest.MonkeyPatch
) -> None:
    def broken(*_args: object) -> None:
        raise OSError("the store's disk is gone")

    monkeypatch.setattr("ingest.service.quarantine_over_caps", broken)
    async with running(api_settings(), wait_ready=False) as (client, lifespan):
        assert await lifespan.startup.settled() is None
        body = assert_problem(await client.get("/readyz"), 503, "not-ready")
        assert body["step"] == "failed"
        assert "the store's disk is gone" in body["detail"]
        assert (await client.get("/healthz")).status_code == 200


async def test_stopping_the_server_during_startup_ends_it_at_the_next_step(
    api_settings: Callable[..., Settings], monkeypatch: pytest.MonkeyPatch
) -> None:
    step = HeldStep()
    monkeypatch.setattr(
        ingest.service, "quarantine_over_caps", step.wrap(ingest.service.quarantine_over_caps)
    )
    stop = StartupProgress.stop

    def stop_and_let_go(progress: StartupProgress) -> None:
        stop(progress)
        step.release.set()

    monkeypatch.setattr(StartupProgress, "stop", stop_and_let_go)
    async with running(api_settings(), wait_ready=False) as (client, lifespan):
        await asyncio.to_thread(step.reached.wait, 60)
        body = assert_problem(await client.get("/readyz"), 503, "not-ready")
        assert body["step"] == "quarantining articles over the caps"
    assert step.release.is_set()
    assert lifespan.startup.progress.step.name == "quarantining articles over the caps"
