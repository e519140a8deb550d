"""The whole deployment on loopback: two `parallax serve` and two `parallax worker` processes on
one PostgreSQL store, one RabbitMQ queue and one Redis of this test's own.

The demo outlets' articles go in through POST /ingest of one API. A worker is killed with
SIGKILL while it fetches a page and a replacement starts; Redis is stopped and started again
while both APIs answer requests. Then nothing is lost or stored twice, and both APIs, each
comparing on its own, answer GET /compare with the same coverage and divergences.
"""

from __future__ import annotations

import os
import shutil
import signal
import threading
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import ExitStack
from pathlib import Path
from typing import Any

import httpx
import pytest
from pytest_httpserver import HTTPServer
from redis import Redis
from sqlalchemy import URL, select

from core.config import Settings
from core.db.engine import make_engine, make_sessionmaker
from core.db.schema import ArticleRow, EmbeddingModelRow, JobRow, PassageVectorRow
from core.errors import IndexMismatch
from demo.articles import EVACUATION
from demo.server import DemoSite
from index.published import load_published
from ingest.jobs import RUNNING
from tests.api._support import (
    RedisServer,
    event_articles,
    no_shipped_outlets,
    served,
)
from tests.conftest import service_url
from tests.core.conftest import _fresh_postgres_database, postgres_server_url  # noqa: F401
from tests.ingest._workers import (
    BATCH_DEADLINE,
    Workers,
    delete_queues,
    held_page,
    store_counts,
)

pytestmark = [pytest.mark.slow, pytest.mark.postgresql]

SERVE = ["-c", "import typer; from cli.serve import serve; typer.run(serve)"]
# Both APIs follow the store's change log every 0.2 s: they agree well within this.
FOLLOW_DEADLINE = 60.0


@pytest.fixture
def cluster_settings(
    make_settings: Callable[..., Settings],
    postgres_server_url: URL,  # noqa: F811
    tmp_path: Path,
) -> Iterator[Settings]:
    """One PostgreSQL database and one RabbitMQ queue of this test's own, deleted after, and
    one FAISS shard directory every process shares, as in compose.yaml."""
    broker_url = service_url(
        "PARALLAX_TEST_BROKER_URL", "the cluster test, which needs RabbitMQ, did not run"
    )
    queue = f"parallax-test-{uuid.uuid4().hex[:12]}"
    for database_url in _fresh_postgres_database(postgres_server_url):
        yield make_settings(
            database_url=database_url,
            broker_url=broker_url,
            broker_queue=queue,
            fetch_retries=0,
            # A lease short enough that a message lost with the killed worker comes back by the
            # sweep within the test, long enough for any one attempt.
            job_lease_seconds=60.0,
            job_sweep_interval=1.0,
            shards_dir=tmp_path / "shards",
            index_publish_interval=1.0,
        )
        delete_queues(broker_url, queue)


@pytest.fixture
def redis_server() -> Iterator[RedisServer]:
    binary = shutil.which("redis-server")
    if binary is None:
        pytest.skip("redis-server is not installed, so the cluster's Redis cannot be played")
    server = RedisServer(binary)
    server.start()
    yield server
    server.stop()


def _api_environment(
    settings: Settings, redis_url: str, root: Path, name: str, follow_interval: float
) -> dict[str, str]:
    return {
        "PARALLAX_DATA_DIR": str(root / name),
        "PARALLAX_DATABASE_URL": settings.resolved_database_url,
        "PARALLAX_BROKER_URL": settings.broker_url,
        "PARALLAX_BROKER_QUEUE": settings.broker_queue,
        "PARALLAX_REDIS_URL": redis_url,
        "PARALLAX_REDIS_RETRY_INTERVAL": "0.2",
        "PARALLAX_RATE_LIMIT_PER_MINUTE": "100000",
        "PARALLAX_RATE_LIMIT_BURST": "10000",
        "PARALLAX_EVENT_FOLLOW_INTERVAL": str(follow_interval),
        "PARALLAX_ALLOWED_PRIVATE_HOSTS": ",".join(settings.allowed_private_hosts),
        "PARALLAX_PER_HOST_DELAY": "0",
        "PARALLAX_FETCH_RETRIES": "0",
        "PARALLAX_OUTLETS_FILE": str(no_shipped_outlets(root / "outlets.toml")),
        "PARALLAX_SCHEDULER_ENABLED": "false",
        "PARALLAX_COVERAGE_REFRESH": "false",
        "PARALLAX_TORCH_THREADS": "1",
        "PARALLAX_SHARDS_DIR": str(settings.shards_dir),
        "PARALLAX_INDEX_READ_ONLY": "true",
        "HF_HUB_OFFLINE": "1",
    }


class Traffic:
    """GET /jobs/{id} on every API in a loop, in a thread, recording each status code (or the
    transport error's name)."""

    def __init__(self, base_urls: list[str], job_id: int) -> None:
        self._clients = [httpx.Client(base_url=url, timeout=30) for url in base_urls]
        self._path = f"/jobs/{job_id}"
        self.statuses: list[int | str] = []
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def __enter__(self) -> Traffic:
        self._thread.start()
        return self

    def __exit__(self, *exc_info: object) -> None:
        self._stop.set()
        self._thread.join()
        for client in self._clients:
            client.close()

    def _run(self) -> None:
        while not self._stop.is_set():
            for client in self._clients:
                try:
                    self.statuses.append(client.get(self._path).status_code)
                except httpx.TransportError as error:
                    self.statuses.append(type(error).__name__)
            self._stop.wait(0.05)


def _running_owner(sessions: Any, key_suffix: str) -> int:
    """The process id of the worker that holds the job whose key ends with `key_suffix`."""
    with sessions() as session:
        status, owner = session.execute(
            select(JobRow.status, JobRow.lease_owner).where(JobRow.key.endswith(key_suffix))
        ).one()
    assert status == RUNNING, status
    assert owner is not None
    return int(owner.rsplit(":", 1)[1])


def _finished(client: httpx.Client, job_id: int, workers: Workers) -> dict[str, Any]:
    deadline = time.monotonic() + BATCH_DEADLINE
    while True:
        body: dict[str, Any] = client.get(f"/jobs/{job_id}").json()
        if body["status"] == "finished":
            return body
        assert time.monotonic() < deadline, f"{body}\n{workers.logs()[-4000:]}"
        assert any(p.poll() is None for p in workers.processes), workers.logs()[-4000:]
        time.sleep(0.2)


def _signature(answer: dict[str, Any]) -> tuple[Any, ...]:
    """What two processes must agree on: the coverage, in order and with its confidences (they
    come from each process's own event index), and the divergences, by id and type."""
    divergences = sorted(
        (
            item["type"],
            None if item["passage"] is None else item["passage"]["id"],
            tuple(
                sorted(
                    (part["article_id"], part["start"], part["end"])
                    for part in item["counterparts"]
                )
            ),
        )
        for item in answer["divergences"]
    )
    return (
        answer["article"]["id"],
        [(item["article_id"], item["same_event_confidence"]) for item in answer["coverage"]],
        divergences,
    )


def _published_when_level(sessions: Any, settings: Settings) -> bool:
    """Whether the published passage shards come to hold every stored passage vector (the
    workers publish every second) within the follow deadline."""
    assert settings.shards_dir is not None
    deadline = time.monotonic() + FOLLOW_DEADLINE
    while time.monotonic() < deadline:
        with sessions() as session:
            stored = set(session.scalars(select(PassageVectorRow.passage_id)).all())
            model = session.execute(select(EmbeddingModelRow.name, EmbeddingModelRow.dimension))
            name, dimension = model.one()
        try:
            held = load_published(settings.shards_dir / "passages", model=name, dimension=dimension)
        except IndexMismatch:
            held = None
        if held is not None and set(held.ids().tolist()) == stored:
            return True
        time.sleep(0.2)
    return False


def _event_mates(sessions: Any, url: str) -> set[int]:
    """The stored articles in the same event as the article at `url`, itself left out."""
    with sessions() as session:
        own_id, event_id = session.execute(
            select(ArticleRow.id, ArticleRow.event_id).where(ArticleRow.url == url)
        ).one()
        mates = session.scalars(select(ArticleRow.id).where(ArticleRow.event_id == event_id))
        return set(mates) - {own_id}


def _agreed_comparison(
    clients: list[httpx.Client], redis: Redis, url: str, mates: set[int]
) -> tuple[Any, ...]:
    """The answer every API gives once they agree and cover the whole stored event. Redis is
    emptied before every request, so no API reads an answer another one prepared: each
    compares on its own."""
    deadline = time.monotonic() + FOLLOW_DEADLINE
    while True:
        seen: list[Any] = []
        for client in clients:
            redis.flushdb()
            response = client.get("/compare", params={"url": url})
            seen.append(
                _signature(response.json()) if response.status_code == 200 else response.text
            )
        first = seen[0]
        covered = {article_id for article_id, _ in first[1]} if isinstance(first, tuple) else None
        if covered == mates and seen.count(first) == len(seen):
            return first
        assert time.monotonic() < deadline, f"the APIs did not come to agree: {seen}"
        time.sleep(0.2)


def test_two_apis_and_two_workers_agree_through_a_worker_kill_and_a_redis_restart(
    cluster_settings: Settings,
    redis_server: RedisServer,
    httpserver: HTTPServer,
    tmp_path: Path,
) -> None:
    fetching, release = held_page(httpserver)
    workers = Workers(cluster_settings, tmp_path)
    engine = make_engine(cluster_settings.resolved_database_url)
    sessions = make_sessionmaker(engine)
    redis = Redis.from_url(redis_server.url)
    with DemoSite() as site, ExitStack() as stack:
        stack.callback(engine.dispose)
        stack.callback(redis.close)
        stack.callback(workers.close)
        stack.callback(release.set)
        # Demo article 0 is served held, at its own address: it is submitted once.
        urls = [*site.article_urls()[1:], httpserver.url_for("/held")]
        for _ in range(2):
            workers.start()
        apis = [
            stack.enter_context(
                served(
                    SERVE,
                    _api_environment(cluster_settings, redis_server.url, tmp_path, name, every),
                    tmp_path / f"{name}.log",
                )
            )
            # api-2 reads the change log on its own only every ten minutes: its answers must
            # still be those of an index that follows the store.
            for name, every in (("api-1", 0.2), ("api-2", 600.0))
        ]
        clients = [stack.enter_context(httpx.Client(base_url=url, timeout=60)) for url in apis]

        accepted = clients[0].post("/ingest", json={"urls": urls})
        assert accepted.status_code == 202, accepted.text
        job_id = accepted.json()["job_id"]
        with Traffic(apis, job_id) as traffic:
            assert fetching.wait(BATCH_DEADLINE), workers.logs()[-4000:]
            held_by = _running_owner(sessions, "/held")
            [victim] = [p for p in workers.processes if p.pid == held_by]
            os.kill(victim.pid, signal.SIGKILL)
            assert victim.wait() == -signal.SIGKILL
            release.set()
            workers.start()

            redis_server.stop()
            # Requests both APIs answer without Redis.
            wanted = len(traffic.statuses) + 10
            deadline = time.monotonic() + FOLLOW_DEADLINE
            while len(traffic.statuses) < wanted:
                assert time.monotonic() < deadline, "the APIs stopped answering"
                time.sleep(0.05)
            redis_server.start()
            # The APIs reconnect by themselves: their rate-limit buckets come back.
            deadline = time.monotonic() + FOLLOW_DEADLINE
            while not redis_server.keys():
                assert time.monotonic() < deadline, "no API came back to Redis"
                time.sleep(0.1)

            report = _finished(clients[0], job_id, workers)
        counts = store_counts(sessions)
        with sessions() as session:
            held_attempts = session.scalars(
                select(JobRow.attempts).where(JobRow.key.endswith("/held"))
            ).one()

        published = _published_when_level(sessions, cluster_settings)
        compared = site.url_of(event_articles(EVACUATION)[1])
        mates = _event_mates(sessions, compared)
        agreed = _agreed_comparison(clients, redis, compared, mates)

    assert set(traffic.statuses) == {200}, traffic.statuses
    # One of the workers, the killed one or not, published every stored vector.
    assert published, workers.logs()[-4000:]
    assert report["counts"] == {"done": len(urls)}, report
    assert report["failures"] == []
    # The killed attempt counts: the held page's job ran twice, its article is stored once.
    assert held_attempts == 2
    assert counts["articles"] == counts["canonical urls"] == len(urls)
    assert counts["without event"] == 0
    assert counts["passages"] == counts["passage vectors"] > 0
    assert mates
    assert agreed[2], "no divergences to compare"
