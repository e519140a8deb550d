"""The API served by uvicorn in its own process, as `parallax serve` runs it, real model and all."""

from __future__ import annotations

import time
from collections.abc import Iterator
from dataclasses import dataclass

import httpx
import pytest

from demo.articles import EVACUATION, DemoArticle
from demo.server import DemoSite
from tests.api._support import (
    article_html,
    assert_problem,
    event_articles,
    no_shipped_outlets,
    served,
)

pytestmark = pytest.mark.slow

SERVE = ["-c", "import typer; from cli.serve import serve; typer.run(serve)"]
RETRIES = 3


@dataclass(frozen=True)
class Server:
    base_url: str
    outlets: DemoSite


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    root = tmp_path_factory.mktemp("served")
    outlets = DemoSite()
    env = {
        "PARALLAX_ALLOWED_PRIVATE_HOSTS": "127.0.0.1",
        "PARALLAX_PER_HOST_DELAY": "0",
        "PARALLAX_DATA_DIR": str(root / "data"),
        "PARALLAX_OUTLETS_FILE": str(no_shipped_outlets(root / "outlets.toml")),
        "PARALLAX_SCHEDULER_ENABLED": "false",
        "PARALLAX_COVERAGE_REFRESH": "false",
        "PARALLAX_TORCH_THREADS": "1",
        "PARALLAX_MAX_REQUEST_BYTES": "200000",
    }
    with outlets, served(SERVE, env, root / "server.log") as base_url:
        yield Server(base_url, outlets)


def test_health_and_readiness_over_a_socket(server: Server) -> None:
    with httpx.Client(base_url=server.base_url, timeout=30) as client:
        assert client.get("/healthz").json() == {"status": "ok"}
        ready = client.get("/readyz").json()
        assert ready["status"] == "ready"
        assert ready["model"] == "sentence-transformers/all-MiniLM-L6-v2+onnx-int8"


def test_compare_with_html_over_a_socket(server: Server) -> None:
    first, second = event_articles(EVACUATION)[:2]  # Meridian Wire, and its reprint
    client = httpx.Client(base_url=server.base_url, timeout=60)

    def fetch(item: DemoArticle, **headers: str) -> httpx.Response:
        # A 503 is the service shedding load (a deadline or a full queue on a busy machine),
        # which a client retries after the time it names; what is tested is the answer after.
        for _ in range(RETRIES):
            response = client.get(
                "/compare", params={"url": server.outlets.url_of(item)}, headers=headers
            )
            if response.status_code != 503:
                return response
            time.sleep(min(5.0, float(response.headers.get("retry-after", "1"))))
        return response

    with client:
        # Alone in the archive: its own event, no coverage (and refresh is off).
        first_id = assert_problem(fetch(first), 404, "no-coverage")["article_id"]

        # The reader's page is compared at once, against what the service fetched itself.
        page = {
            "url": server.outlets.url_of(second),
            "html": article_html(second, base_url=server.outlets.base_url),
        }
        response = client.post("/compare", json=page)
        assert response.status_code == 200, response.text
        answer = response.json()
        assert answer["ingested"] is True
        assert [item["article_id"] for item in answer["coverage"]] == [first_id]
        assert answer["coverage"][0]["wire_copy_of"] is None
        assert answer["meta"]["model"] == "sentence-transformers/all-MiniLM-L6-v2+onnx-int8"
        assert answer["meta"]["engine"] == "parallax-engine-14"

        # Only once the service fetched the reprint itself is it other readers' coverage.
        second_id = fetch(second).json()["article"]["id"]
        assert second_id != answer["article"]["id"]
        response = fetch(first)
        assert response.status_code == 200, response.text
        answer = response.json()
        assert answer["ingested"] is False
        assert [item["article_id"] for item in answer["coverage"]] == [second_id]
        assert answer["coverage"][0]["wire_copy_of"] == first_id
        assert answer["coverage"][0]["same_event_confidence"] > 0.5
        assert answer["claims"], "a verbatim reprint shares claims with its original"
        etag = response.headers["etag"]
        assert fetch(first, **{"If-None-Match": etag}).status_code == 304


def test_problems_over_a_socket(server: Server) -> None:
    with httpx.Client(base_url=server.base_url, timeout=30) as client:
        refused = client.get("/compare", params={"url": "http://169.254.169.254/"})
        assert_problem(refused, 403, "refused-address")
        big = client.post("/compare", json={"url": "https://news.example/a", "html": "x" * 300_000})
        assert_problem(big, 413, "payload-too-large")
        assert "parallax_http_requests_total" in client.get("/metrics").text
