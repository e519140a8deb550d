"""Helpers for the tests that run `parallax worker` processes on a broker queue."""

from __future__ import annotations

import os
import subprocess
import sys
import threading
from pathlib import Path

from pytest_httpserver import HTTPServer
from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker
from werkzeug import Request, Response

from core.config import Settings
from core.db.schema import ArticleRow, PassageRow, PassageVectorRow
from tests.api._support import article_html, demo_article

REPO = Path(__file__).resolve().parents[2]
# Generous: each worker loads the model and the store before it takes its first job.
BATCH_DEADLINE = 300.0


def held_page(httpserver: HTTPServer) -> tuple[threading.Event, threading.Event]:
    """Serve demo article 0 at `/held`, answered only once `release` is set: `fetching` is set
    while a worker is inside the job, so a test can kill it there."""
    fetching, release = threading.Event(), threading.Event()
    page = article_html(demo_article(0), base_url=httpserver.url_for("/").rstrip("/"))

    def answer(_request: Request) -> Response:
        fetching.set()
        release.wait(BATCH_DEADLINE)
        return Response(page, content_type="text/html")

    httpserver.expect_request("/robots.txt").respond_with_data("", status=404)
    httpserver.expect_request("/held").respond_with_handler(answer)
    return fetching, release


def delete_queues(url: str, queue: str) -> None:
    import pika

    connection = pika.BlockingConnection(pika.URLParameters(url))
    try:
        channel = connection.channel()
        for name in (queue, f"{queue}.DQ", f"{queue}.XQ"):
            channel.queue_delete(name)
    finally:
        connection.close()


def worker_environment(settings: Settings, data_dir: Path) -> dict[str, str]:
    """The worker's environment: the test's settings, its own data directory (and the shard
    directory the settings name, if any)."""
    env = {key: value for key, value in os.environ.items() if not key.startswith("PARALLAX_")}
    env.update(
        PYTHONPATH=os.pathsep.join(filter(None, [str(REPO), os.environ.get("PYTHONPATH")])),
        HF_HUB_OFFLINE="1",
        PARALLAX_DATA_DIR=str(data_dir),
        PARALLAX_DATABASE_URL=settings.resolved_database_url,
        PARALLAX_BROKER_URL=settings.broker_url,
        PARALLAX_BROKER_QUEUE=settings.broker_queue,
        PARALLAX_ALLOWED_PRIVATE_HOSTS=",".join(settings.allowed_private_hosts),
        PARALLAX_PER_HOST_DELAY=str(settings.per_host_delay),
        PARALLAX_RETRY_MAX_WAIT=str(settings.retry_max_wait),
        PARALLAX_FETCH_RETRIES=str(settings.fetch_retries),
        PARALLAX_JOB_MAX_ATTEMPTS=str(settings.job_max_attempts),
        PARALLAX_JOB_RETRY_BACKOFF=str(settings.job_retry_backoff),
        PARALLAX_JOB_LEASE_SECONDS=str(settings.job_lease_seconds),
        PARALLAX_JOB_SWEEP_INTERVAL=str(settings.job_sweep_interval),
        PARALLAX_INGEST_WORKERS="1",
        PARALLAX_TORCH_THREADS="1",
        PARALLAX_INDEX_PUBLISH_INTERVAL=str(settings.index_publish_interval),
    )
    if settings.shards_dir is not None:
        env["PARALLAX_SHARDS_DIR"] = str(settings.shards_dir)
    return env


class Workers:
    """`parallax worker` subprocesses of one test; all are killed when it ends."""

    def __init__(self, settings: Settings, tmp_path: Path) -> None:
        self._settings = settings
        self._tmp_path = tmp_path
        self.processes: list[subprocess.Popen[bytes]] = []

    def start(self) -> subprocess.Popen[bytes]:
        n = len(self.processes)
        log = (self._tmp_path / f"worker-{n}.log").open("wb")
        process = subprocess.Popen(
            [sys.executable, "-m", "cli", "worker"],
            cwd=self._tmp_path,
            env=worker_environment(self._settings, self._tmp_path / f"worker-{n}"),
            stdout=log,
            stderr=subprocess.STDOUT,
        )
        log.close()
        self.processes.append(process)
        return process

    def logs(self) -> str:
        return "\n".join(
            path.read_text(errors="replace") for path in sorted(self._tmp_path.glob("worker-*.log"))
        )

    def close(self) -> None:
        for process in self.processes:
            if process.poll() is None:
                process.kill()
            process.wait()


def store_counts(sessions: sessionmaker[Session]) -> dict[str, int]:
    """Rows in the store: articles, distinct canonical URLs, articles without an event,
    passages and passage vectors."""
    with sessions() as session:
        return {
            "articles": session.scalar(select(func.count()).select_from(ArticleRow)) or 0,
            "canonical urls": session.scalar(
                select(func.count(func.distinct(ArticleRow.canonical_url)))
            )
            or 0,
            "without event": session.scalar(
                select(func.count()).select_from(ArticleRow).where(ArticleRow.event_id.is_(None))
            )
            or 0,
            "passages": session.scalar(select(func.count()).select_from(PassageRow)) or 0,
            "passage vectors": session.scalar(select(func.count()).select_from(PassageVectorRow))
            or 0,
        }
