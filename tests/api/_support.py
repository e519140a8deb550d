"""Helpers for the API tests: the lifespan runner, a running app, pages and problem checks."""

from __future__ import annotations

import asyncio
import os
import signal
import socket
import subprocess
import sys
import time
from collections import Counter
from collections.abc import AsyncIterator, Iterable, Iterator
from contextlib import asynccontextmanager, contextmanager
from pathlib import Path
from typing import Any

import httpx
from fastapi import FastAPI
from redis import Redis
from redis.exceptions import ConnectionError as RedisConnectionError
from sqlalchemy import select
from starlette.types import Message, Receive, Scope, Send

from api.deps import Runtime
from api.main import create_app
from api.startup import Startup
from comparison.agreement import accounts_agree
from comparison.model import DIVERGENCE_TYPES
from core.config import Settings
from core.db.schema import ArticleRow, EventRow
from core.outlets import load_registry
from demo import ARTICLES, DemoArticle
from demo.articles import EVACUATION
from demo.site import render_article
from tests.doubles import HashingEmbedder

DISPOSABLE_URL = "https://news.example"


class Lifespan:
    """Runs an ASGI app's lifespan through the protocol, as a server does, and hands each
    request a copy of the lifespan state. Entering waits for the background startup to end,
    unless `wait_ready` is false."""

    def __init__(self, app: FastAPI, *, wait_ready: bool = True) -> None:
        self.app = app
        self.wait_ready = wait_ready
        self.state: dict[str, Any] = {}
        self._inbox: asyncio.Queue[Message] = asyncio.Queue()
        self._outbox: asyncio.Queue[Message] = asyncio.Queue()
        self._task: asyncio.Task[None] | None = None

    async def _next(self) -> Message:
        assert self._task is not None
        message = asyncio.ensure_future(self._outbox.get())
        done, _ = await asyncio.wait({message, self._task}, return_when=asyncio.FIRST_COMPLETED)
        if message in done:
            return message.result()
        message.cancel()
        self._task.result()
        raise RuntimeError("the lifespan ended without answering")

    async def __aenter__(self) -> Lifespan:
        scope = {"type": "lifespan", "asgi": {"version": "3.0"}, "state": self.state}
        self._task = asyncio.create_task(self.app(scope, self._inbox.get, self._outbox.put))
        await self._inbox.put({"type": "lifespan.startup"})
        answer = await self._next()
        if answer["type"] != "lifespan.startup.complete":
            await asyncio.gather(self._task, return_exceptions=True)
            raise RuntimeError(f"startup failed: {answer.get('message')}")
        if self.wait_ready and await self.startup.settled() is None:
            await self.__aexit__(None, None, None)
            raise RuntimeError("startup failed: see the log")
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        await self._inbox.put({"type": "lifespan.shutdown"})
        await self._next()
        assert self._task is not None
        await self._task

    async def asgi(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http":
            scope = {**scope, "state": dict(self.state)}
        await self.app(scope, receive, send)

    @property
    def startup(self) -> Startup[Runtime]:
        startup = self.state["startup"]
        assert isinstance(startup, Startup)
        return startup

    @property
    def runtime(self) -> Runtime:
        return self.startup.runtime


@asynccontextmanager
async def running(
    settings: Settings,
    *,
    client_address: tuple[str, int] = ("203.0.113.7", 50000),
    raise_app_exceptions: bool = True,
    wait_ready: bool = True,
    **app_options: Any,
) -> AsyncIterator[tuple[httpx.AsyncClient, Lifespan]]:
    """The app with its lifespan run, and a client talking to it through ASGITransport; with
    `wait_ready`, once its background startup has ended."""
    app_options.setdefault("embedder", HashingEmbedder(64))
    app = create_app(settings, **app_options)
    async with Lifespan(app, wait_ready=wait_ready) as lifespan:
        transport = httpx.ASGITransport(
            app=lifespan.asgi, client=client_address, raise_app_exceptions=raise_app_exceptions
        )
        async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as client:
            yield client, lifespan


def article_html(article: DemoArticle, base_url: str = DISPOSABLE_URL) -> str:
    related = [other for other in ARTICLES if other.event == article.event and other != article]
    return render_article(base_url, article, related[:2])


def demo_article(index: int = 0) -> DemoArticle:
    return ARTICLES[index]


def assert_problem(response: httpx.Response, status: int, code: str) -> dict[str, Any]:
    assert response.status_code == status, response.text
    assert response.headers["content-type"].startswith("application/problem+json")
    body: dict[str, Any] = response.json()
    assert body["type"] == f"https://parallax.example/problems/{code}", body
    assert body["status"] == status
    assert {"title", "detail", "instance"} <= set(body)
    return body


def article_url(article: DemoArticle, base_url: str = DISPOSABLE_URL) -> str:
    return f"{base_url.rstrip('/')}/{article.outlet}/{article.path}"


def event_articles(event: str) -> list[DemoArticle]:
    return [article for article in ARTICLES if article.event == event]


async def ingest_demo(lifespan: Lifespan, article: DemoArticle) -> int:
    """Store a demo article through the pipeline (no HTTP); returns its id."""
    pipeline = lifespan.runtime.ingest.pipeline
    result = await pipeline.ingest_html(article_url(article), article_html(article))
    return result.article_id


def event_ids(lifespan: Lifespan, article_ids: list[int]) -> list[int | None]:
    """Each article's event as the ingest pipeline stored it (`articles.event_id`)."""
    with lifespan.runtime.ingest.sessions() as session:
        rows = dict(
            session.execute(
                select(ArticleRow.id, ArticleRow.event_id).where(ArticleRow.id.in_(article_ids))
            ).all()
        )
    return [rows.get(article_id) for article_id in article_ids]


async def event_of_three(lifespan: Lifespan) -> tuple[list[int], int]:
    """Three evacuation articles, which the ingest pipeline puts into one event."""
    ids = [await ingest_demo(lifespan, article) for article in event_articles(EVACUATION)[:3]]
    [event_id] = set(event_ids(lifespan, ids))
    assert event_id is not None
    return ids, event_id


def event_version(lifespan: Lifespan, event_id: int) -> int:
    with lifespan.runtime.ingest.sessions() as session:
        return int(session.scalar(select(EventRow.version).where(EventRow.id == event_id)) or 0)


async def stored_texts(client: httpx.AsyncClient, article_ids: Iterable[int]) -> dict[int, str]:
    """The stored report text of each article (GET /articles/{id})."""
    texts: dict[int, str] = {}
    for article_id in set(article_ids):
        response = await client.get(f"/articles/{article_id}")
        assert response.status_code == 200, response.text
        texts[article_id] = response.json()["text"]
    return texts


async def assert_comparison_contract(client: httpx.AsyncClient, answer: dict[str, Any]) -> None:
    """What every full /compare answer promises, whatever the embedder's quality: offsets that
    index the stored texts exactly, confidences in [0, 1], claims and divergences that point at
    the article and its coverage only, and a summary that counts the divergence list."""
    article = answer["article"]
    own_id, own_outlet = article["id"], article["outlet"]
    coverage_ids = {item["article_id"] for item in answer["coverage"]}
    assert own_id not in coverage_ids
    texts = await stored_texts(client, {own_id} | coverage_ids)
    own_passages = {passage["id"]: passage for passage in article["passages"]}
    assert [p["index"] for p in article["passages"]] == list(range(len(own_passages)))
    for passage in article["passages"]:
        assert texts[own_id][passage["start"] : passage["end"]] == passage["text"]
    for item in answer["coverage"]:
        assert 0.0 <= item["same_event_confidence"] <= 1.0
        assert item["wire_copy_of"] in {None, own_id} | coverage_ids - {item["article_id"]}

    def other_side(part: dict[str, Any]) -> None:
        assert part["article_id"] in coverage_ids, part
        assert texts[part["article_id"]][part["start"] : part["end"]] == part["text"]

    for claim in answer["claims"]:
        assert claim["others"], claim
        if claim["passage"] is not None:
            assert own_passages[claim["passage"]["id"]] == claim["passage"]
        for other in claim["others"]:
            other_side(other)
            assert 0.0 <= other["similarity"] <= 1.0

    for divergence in answer["divergences"]:
        assert divergence["type"] in DIVERGENCE_TYPES
        assert 0.0 <= divergence["confidence"] <= 1.0
        assert divergence["explanation"]
        if divergence["type"] == "omission":
            assert divergence["passage"] is None
            assert divergence["counterparts"]
        else:
            assert own_passages[divergence["passage"]["id"]] == divergence["passage"]
        if divergence["type"] == "unique_claim":
            assert divergence["counterparts"] == []
        if divergence["type"] in {"numeric", "contradiction", "attribution"}:
            assert divergence["counterparts"]
        for counterpart in divergence["counterparts"]:
            other_side(counterpart)

    summary = answer["summary"]
    counted = Counter(divergence["type"] for divergence in answer["divergences"])
    assert summary["counts"] == {kind: counted[kind] for kind in DIVERGENCE_TYPES}
    diverging = {
        part["outlet"] for item in answer["divergences"] for part in item["counterparts"]
    } - {own_outlet}
    assert summary["diverging_outlets"] == sorted(diverging)
    sharing = {
        other["outlet"]
        for claim in answer["claims"]
        if claim["passage"] is not None
        for other in claim["others"]
    }
    assert summary["agreeing_outlets"] == sorted(sharing - diverging - {own_outlet})
    found = sum(summary["counts"].values())
    assert summary["accounts_agree"] == accounts_agree(summary["shared"], found)
    if summary["accounts_agree"]:
        assert all("edit" in item["evidence"] for item in answer["key_differences"])


async def finished_job(client: httpx.AsyncClient, job_id: int) -> dict[str, Any]:
    """Poll GET /jobs/{id} until the job is finished (30 s at most)."""
    body: dict[str, Any] = {}
    for _ in range(300):
        body = (await client.get(f"/jobs/{job_id}")).json()
        if body["status"] == "finished":
            return body
        await asyncio.sleep(0.1)
    raise AssertionError(f"job {job_id} did not finish: {body}")


def no_shipped_outlets(path: Path) -> Path:
    """Write a registry file that switches off every shipped outlet: no test reaches a real feed."""
    path.write_text(
        "".join(f'[[outlet]]\nslug = "{o.slug}"\nenabled = false\n\n' for o in load_registry()),
        encoding="utf-8",
    )
    return path


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@contextmanager
def served(argv: list[str], env: dict[str, str], log_path: Path) -> Iterator[str]:
    """A server process (`python ARGV --host 127.0.0.1 --port P`) until the block exits;
    yields its base URL once /readyz says ready."""
    port = _free_port()
    with log_path.open("wb") as log:
        process = subprocess.Popen(
            [sys.executable, *argv, "--host", "127.0.0.1", "--port", str(port)],
            env={**os.environ, **env},
            stdout=log,
            stderr=subprocess.STDOUT,
        )
        base_url = f"http://127.0.0.1:{port}"
        try:
            deadline = time.monotonic() + 300
            while True:
                if process.poll() is not None:
                    raise AssertionError(log_path.read_text(errors="replace"))
                if time.monotonic() > deadline:
                    raise AssertionError("the server did not come up")
                try:
                    if httpx.get(f"{base_url}/readyz", timeout=1.0).status_code == 200:
                        break
                except httpx.TransportError:
                    pass
                time.sleep(0.2)
            yield base_url
        finally:
            process.send_signal(signal.SIGINT)
            try:
                process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()


class RedisServer:
    """A private redis-server on a free loopback port, without persistence, to stop and start."""

    def __init__(self, binary: str) -> None:
        self.binary = binary
        with socket.socket() as probe:
            probe.bind(("127.0.0.1", 0))
            self.port = probe.getsockname()[1]
        self.url = f"redis://127.0.0.1:{self.port}/0"
        self.process: subprocess.Popen[bytes] | None = None

    def start(self) -> None:
        argv = [self.binary, "--port", str(self.port), "--bind", "127.0.0.1", "--save", ""]
        argv += ["--appendonly", "no"]
        self.process = subprocess.Popen(argv, stdout=subprocess.DEVNULL)
        with Redis.from_url(self.url) as client:
            for _ in range(200):
                try:
                    client.ping()
                    return
                except RedisConnectionError:
                    time.sleep(0.02)
        raise RuntimeError("redis-server did not start")

    def stop(self) -> None:
        if self.process is not None:
            self.process.terminate()
            self.process.wait(timeout=10)
            self.process = None

    def keys(self) -> list[bytes]:
        with Redis.from_url(self.url) as client:
            return list(client.scan_iter())
