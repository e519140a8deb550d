from __future__ import annotations

from collections.abc import Callable

import httpx
from pytest_httpserver import HTTPServer

from core.config import Settings
from demo.server import DemoSite
from tests.api._support import (
    article_html,
    assert_problem,
    demo_article,
    finished_job,
    running,
)


async def test_ingest_urls_answers_202_and_a_job_with_failures(
    api_settings: Callable[..., Settings], httpserver: HTTPServer
) -> None:
    httpserver.expect_request("/robots.txt").respond_with_data("", status=404)
    article = demo_article(0)
    httpserver.expect_request("/story").respond_with_data(
        article_html(article, base_url=httpserver.url_for("/").rstrip("/")),
        content_type="text/html",
    )
    httpserver.expect_request("/gone").respond_with_data("gone", status=404)
    urls = [httpserver.url_for("/story"), httpserver.url_for("/gone")]
    async with running(api_settings(fetch_retries=0)) as (client, _):
        response = await client.post("/ingest", json={"urls": urls})
        assert response.status_code == 202, response.text
        accepted = response.json()
        assert accepted["queued"] == 2
        assert response.headers["location"] == f"/jobs/{accepted['job_id']}"
        assert accepted["status_url"] == response.headers["location"]
        job = await finished_job(client, accepted["job_id"])
        assert job["kind"] == "urls"
        assert job["counts"] == {"done": 1, "failed": 1}
        assert job["outcomes"] == {"ingested": 1}
        [failure] = job["failures"]
        assert failure["url"] == urls[1]
        assert failure["reason"] == "http-status"
        assert failure["detail"]
        metrics = (await client.get("/metrics")).text
        assert 'parallax_api_ingests_total{outcome="queued",source="urls"} 2.0' in metrics


async def test_ingest_feeds_of_named_outlets(api_settings: Callable[..., Settings]) -> None:
    with DemoSite() as site:
        async with running(api_settings(), extra_outlets=site.outlets()) as (client, _):
            outlets = {item["slug"]: item for item in (await client.get("/outlets")).json()}
            assert outlets["dailyledger"]["feeds"] == 1
            assert outlets["dailyledger"]["articles"] == 0
            response = await client.post("/ingest", json={"feeds": ["dailyledger"]})
            assert response.status_code == 202, response.text
            assert response.json()["queued"] == 1
            job = await finished_job(client, response.json()["job_id"])
            assert job["kind"] == "feeds"
            assert job["outcomes"].get("ingested", 0) >= 1
            outlets = {item["slug"]: item for item in (await client.get("/outlets")).json()}
            assert outlets["dailyledger"]["articles"] == job["outcomes"]["ingested"]


async def test_ingest_refuses_unknown_outlets_and_unknown_jobs(client: httpx.AsyncClient) -> None:
    body = assert_problem(
        await client.post("/ingest", json={"feeds": ["nope"]}), 400, "invalid-input"
    )
    assert "nope" in body["detail"]
    empty = await client.post("/ingest", json={"feeds": []})
    assert empty.status_code == 202
    assert empty.json()["queued"] == 0
    assert_problem(await client.get("/jobs/99999"), 404, "not-found")
    assert_problem(
        await client.post("/ingest", json={"urls": ["x"], "feeds": []}), 422, "validation"
    )
