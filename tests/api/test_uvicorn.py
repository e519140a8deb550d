"""The API served by uvicorn in its own process, as `parallax serve` runs it, real model and all."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import httpx
import pytest
from sqlalchemy import create_engine, update

from core.db.schema import ArticleRow, EventRow
from demo.articles import EVACUATION
from tests.api._support import (
    article_html,
    article_url,
    assert_problem,
    event_articles,
    no_shipped_outlets,
    served,
)

pytestmark = pytest.mark.slow

SERVE = ["-c", "import typer; from cli.serve import serve; typer.run(serve)"]


@dataclass(frozen=True)
class Server:
    base_url: str
    data_dir: Path


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    root = tmp_path_factory.mktemp("served")
    env = {
        "PARALLAX_DATA_DIR": str(root / "data"),
        "PARALLAX_OUTLETS_FILE": str(no_shipped_outlets(root / "outlets.toml")),
        "PARALLAX_SCHEDULER_ENABLED": "false",
        "PARALLAX_COVERAGE_REFRESH": "false",
        "PARALLAX_TORCH_THREADS": "1",
        "PARALLAX_MAX_REQUEST_BYTES": "200000",
    }
    with served(SERVE, env, root / "server.log") as base_url:
        yield Server(base_url, root / "data")


def test_health_and_readiness_over_a_socket(server: Server) -> None:
    with httpx.Client(base_url=server.base_url, timeout=30) as client:
        assert client.get("/healthz").json() == {"status": "ok"}
        ready = client.get("/readyz").json()
        assert ready["status"] == "ready"
        assert ready["model"] == "sentence-transformers/all-MiniLM-L6-v2"


def test_compare_with_html_over_a_socket(server: Server) -> None:
    first, second = event_articles(EVACUATION)[:2]
    with httpx.Client(base_url=server.base_url, timeout=60) as client:
        ids = [
            assert_problem(
                client.post(
                    "/compare", json={"url": article_url(item), "html": article_html(item)}
                ),
                404,
                "no-coverage",
            )["article_id"]
            for item in (first, second)
        ]
        engine = create_engine(f"sqlite:///{server.data_dir / 'parallax.db'}")
        now = datetime.now(UTC)
        with engine.begin() as connection:
            event_id = connection.execute(
                EventRow.__table__.insert().values(
                    created_at=now, first_published_at=now, last_published_at=now, version=1
                )
            ).inserted_primary_key[0]
            connection.execute(
                update(ArticleRow).where(ArticleRow.id.in_(ids)).values(event_id=event_id)
            )
        engine.dispose()
        response = client.post(
            "/compare", json={"url": article_url(first), "html": article_html(first)}
        )
        assert response.status_code == 200, response.text
        answer = response.json()
        assert answer["ingested"] is False
        assert [item["article_id"] for item in answer["coverage"]] == [ids[1]]
        assert answer["meta"]["model"] == "sentence-transformers/all-MiniLM-L6-v2"
        etag = response.headers["etag"]
        again = client.post(
            "/compare",
            json={"url": article_url(first), "html": article_html(first)},
            headers={"If-None-Match": etag},
        )
        assert again.status_code == 304


def test_problems_over_a_socket(server: Server) -> None:
    with httpx.Client(base_url=server.base_url, timeout=30) as client:
        refused = client.get("/compare", params={"url": "http://169.254.169.254/"})
        assert_problem(refused, 403, "refused-address")
        big = client.post("/compare", json={"url": "https://news.example/a", "html": "x" * 300_000})
        assert_problem(big, 413, "payload-too-large")
        assert "parallax_http_requests_total" in client.get("/metrics").text
