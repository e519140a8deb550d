from __future__ import annotations

import asyncio
import time
from collections.abc import Callable

import pytest
from pytest_httpserver import HTTPServer
from werkzeug import Request, Response

from core.config import Settings
from demo.articles import EVACUATION
from tests.api._support import article_html, assert_problem, event_articles, running

PAGE = "/world/2026/11/08/rescuers-evacuated"


def _page_count(httpserver: HTTPServer, path: str) -> int:
    return sum(1 for request, _ in httpserver.log if request.path == path)


@pytest.fixture
def outlet(httpserver: HTTPServer) -> HTTPServer:
    """A local outlet: no robots.txt, and one article page served slowly enough to overlap."""
    httpserver.expect_request("/robots.txt").respond_with_data("", status=404)
    base = httpserver.url_for("/").rstrip("/")
    html = article_html(event_articles(EVACUATION)[0], base_url=base).replace(
        f"{base}/meridianwire/{event_articles(EVACUATION)[0].path}", base + PAGE
    )

    def slow_page(_request: Request) -> Response:
        time.sleep(0.4)
        return Response(html, content_type="text/html; charset=utf-8")

    httpserver.expect_request(PAGE).respond_with_handler(slow_page)
    httpserver.expect_request("/gone").respond_with_data("no such page", status=404)
    return httpserver


async def test_url_form_fetches_then_answers_from_the_archive(
    api_settings: Callable[..., Settings], outlet: HTTPServer
) -> None:
    async with running(api_settings()) as (client, _):
        url = outlet.url_for(PAGE)
        first = assert_problem(
            await client.get("/compare", params={"url": url}), 404, "no-coverage"
        )
        again = assert_problem(
            await client.get("/compare", params={"url": url}), 404, "no-coverage"
        )
        assert first["article_id"] == again["article_id"]
        assert _page_count(outlet, PAGE) == 1
        article = (await client.get(f"/articles/{first['article_id']}")).json()
        assert article["url"] == url
        assert article["passages"]


async def test_concurrent_requests_for_one_new_url_ingest_once(
    api_settings: Callable[..., Settings], outlet: HTTPServer
) -> None:
    async with running(api_settings()) as (client, lifespan):
        url = outlet.url_for(PAGE)
        responses = await asyncio.gather(
            *(client.post("/compare", json={"url": url}) for _ in range(3))
        )
        ids = {assert_problem(response, 404, "no-coverage")["article_id"] for response in responses}
        assert len(ids) == 1
        assert _page_count(outlet, PAGE) == 1
        registry = lifespan.runtime.metrics.registry
        ingested = registry.get_sample_value(
            "parallax_api_ingests_total", {"source": "compare", "outcome": "ingested"}
        )
        assert ingested == 3  # three answers shared the one ingest


async def test_fetch_failure_names_the_reason(
    api_settings: Callable[..., Settings], outlet: HTTPServer
) -> None:
    async with running(api_settings(fetch_retries=0)) as (client, _):
        response = await client.get("/compare", params={"url": outlet.url_for("/gone")})
        body = assert_problem(response, 502, "fetch-failed")
        assert body["reason"] == "http-status"
        assert body["upstream_status"] == 404
        assert body["url"] == outlet.url_for("/gone")


async def test_deadline_answers_503_and_the_ingest_finishes(
    api_settings: Callable[..., Settings], outlet: HTTPServer
) -> None:
    async with running(api_settings(compare_deadline=0.05)) as (client, lifespan):
        url = outlet.url_for(PAGE)
        response = await client.post("/compare", json={"url": url})
        body = assert_problem(response, 503, "deadline-exceeded")
        assert int(response.headers["retry-after"]) >= 1
        assert body["retry_after"] >= 1
        for _ in range(100):
            if not lifespan.runtime.background.tasks:
                break
            await asyncio.sleep(0.05)
        later = await client.post("/compare", json={"url": url})
        assert assert_problem(later, 404, "no-coverage")["article_id"] >= 1
        assert _page_count(outlet, PAGE) == 1


async def test_a_fetch_slower_than_its_deadline_is_fetch_timeout(
    api_settings: Callable[..., Settings], outlet: HTTPServer
) -> None:
    settings = api_settings(fetch_deadline=0.1, read_timeout=0.1, fetch_retries=0)
    async with running(settings) as (client, _):
        response = await client.get("/compare", params={"url": outlet.url_for(PAGE)})
        body = assert_problem(response, 502, "fetch-timeout")
        assert body["reason"] == "fetch-timeout"
