"""Helpers for the API tests: the lifespan runner, a running app, pages and problem checks."""

from __future__ import annotations

import asyncio
import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager, contextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx
from fastapi import FastAPI
from sqlalchemy import update
from starlette.types import Message, Receive, Scope, Send

from api.deps import Runtime
from api.main import create_app
from core.config import Settings
from core.db.schema import ArticleRow, EventRow
from core.outlets import load_registry
from demo import ARTICLES, DemoArticle
from demo.site import render_article
from index.embedder import HashingEmbedder

DISPOSABLE_URL = "https://news.example"


class Lifespan:
    """Runs an ASGI app's lifespan through the protocol, as a server does, and hands each
    request a copy of the lifespan state."""

    def __init__(self, app: FastAPI) -> None:
        self.app = app
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
    def runtime(self) -> Runtime:
        runtime = self.state["runtime"]
        assert isinstance(runtime, Runtime)
        return runtime


@asynccontextmanager
async def running(
    settings: Settings,
    *,
    client_address: tuple[str, int] = ("203.0.113.7", 50000),
    raise_app_exceptions: bool = True,
    **app_options: Any,
) -> AsyncIterator[tuple[httpx.AsyncClient, Lifespan]]:
    """The app with its lifespan run, and a client talking to it through ASGITransport."""
    app_options.setdefault("embedder", HashingEmbedder(64))
    app = create_app(settings, **app_options)
    async with Lifespan(app) as lifespan:
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
    pipeline = lifespan.runtime.service.pipeline
    result = await pipeline.ingest_html(article_url(article), article_html(article))
    return result.article_id


def group_into_event(lifespan: Lifespan, article_ids: list[int], *, version: int = 1) -> int:
    """Put articles into one new event, as the pipeline's event grouping will."""
    now = datetime.now(UTC)
    with lifespan.runtime.service.sessions.begin() as session:
        event = EventRow(
            created_at=now, first_published_at=now, last_published_at=now, version=version
        )
        session.add(event)
        session.flush()
        session.execute(
            update(ArticleRow).where(ArticleRow.id.in_(article_ids)).values(event_id=event.id)
        )
        return event.id


def bump_event(lifespan: Lifespan, event_id: int) -> None:
    with lifespan.runtime.service.sessions.begin() as session:
        session.execute(
            update(EventRow).where(EventRow.id == event_id).values(version=EventRow.version + 1)
        )


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
    yields its base URL once /healthz answers."""
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
                    if httpx.get(f"{base_url}/healthz", timeout=1.0).status_code == 200:
                        break
                except httpx.TransportError:
                    time.sleep(0.2)
            yield base_url
        finally:
            process.send_signal(signal.SIGINT)
            try:
                process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()
