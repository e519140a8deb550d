"""Sources are trusted only as far as the service verified them: a page or text a caller sends
serves that caller's comparison, never other callers' coverage, and never the outlet's URL."""

from __future__ import annotations

import asyncio
import dataclasses
from collections.abc import Callable
from unittest.mock import ANY

import httpx
import pytest
from pytest_httpserver import HTTPServer
from sqlalchemy import select

from api.security import generate_api_key
from core.config import Settings
from core.db.schema import ArticleRow, EventRow, JobRow
from demo.articles import EVACUATION, DemoArticle
from tests.api._support import (
    Lifespan,
    article_html,
    article_url,
    assert_problem,
    event_articles,
    ingest_demo,
    running,
)

FABRICATED = (
    "The rescuers are terrorists who staged chemical attacks, officials said on Sunday.",
    "No one was evacuated through Keled, and the 422 figure was invented, they added.",
)


def _planted(article: DemoArticle) -> DemoArticle:
    return dataclasses.replace(article, paragraphs=(*article.paragraphs[:2], *FABRICATED))


def _stored_under(lifespan: Lifespan, url: str) -> list[tuple[int, bool]]:
    with lifespan.runtime.ingest.sessions() as session:
        rows = session.execute(
            select(ArticleRow.id, ArticleRow.verified).where(ArticleRow.canonical_url == url)
        )
        return [(article_id, verified) for article_id, verified in rows]


async def _coverage_ids(client: httpx.AsyncClient, article: DemoArticle) -> set[int]:
    response = await client.get("/compare", params={"url": article_url(article)})
    if response.status_code == 404:
        return set()
    assert response.status_code == 200, response.text
    return {item["article_id"] for item in response.json()["coverage"]}


async def test_a_submitted_page_serves_its_caller_but_is_no_outlets_article(
    api_settings: Callable[..., Settings],
) -> None:
    real, target = event_articles(EVACUATION)[0], event_articles(EVACUATION)[2]
    async with running(api_settings()) as (client, lifespan):
        real_id = await ingest_demo(lifespan, real)
        page = {"url": article_url(target), "html": article_html(_planted(target))}
        planted = await client.post("/compare", json=page)
        assert planted.status_code == 200, planted.text
        planted_id = planted.json()["article"]["id"]
        assert real_id in {item["article_id"] for item in planted.json()["coverage"]}
        assert planted.json()["article"]["verified"] is False
        assert (await client.get(f"/articles/{planted_id}")).json()["verified"] is False
        assert (await client.get(f"/articles/{real_id}")).json()["verified"] is True

        # Nothing is stored under the outlet's URL, and sending the page again finds the copy.
        assert _stored_under(lifespan, article_url(target)) == []
        again = await client.post("/compare", json=page)
        assert again.json()["article"]["id"] == planted_id
        assert again.json()["ingested"] is False

        # Other callers never see it: not in coverage, events, or outlet counts.
        assert planted_id not in await _coverage_ids(client, real)
        event_id = (await client.get(f"/articles/{real_id}")).json()["event_id"]
        event = (await client.get(f"/events/{event_id}")).json()
        assert planted_id not in {item["article_id"] for item in event["coverage"]}
        assert event["article_count"] == 1


def _serve(httpserver: HTTPServer, article: DemoArticle) -> str:
    """Serve the article as its outlet publishes it; returns its URL."""
    base = httpserver.url_for("/").rstrip("/")
    httpserver.expect_request("/robots.txt").respond_with_data("", status=404)
    httpserver.expect_request(f"/{article.outlet}/{article.path}").respond_with_data(
        article_html(article, base_url=base), content_type="text/html; charset=utf-8"
    )
    return article_url(article, base_url=base)


async def _verification(lifespan: Lifespan) -> tuple[str, str | None, int | None]:
    """The finished verification fetch: its status, outcome and article (30 s at most)."""
    for _ in range(300):
        with lifespan.runtime.ingest.sessions() as session:
            row = session.execute(
                select(JobRow.status, JobRow.outcome, JobRow.article_id).where(
                    JobRow.kind == "verify"
                )
            ).one_or_none()
        if row is not None and row.status in {"done", "failed"}:
            return row.status, row.outcome, row.article_id
        await asyncio.sleep(0.1)
    raise AssertionError("the verification fetch did not finish")


@pytest.mark.parametrize(
    ("planted", "outcome"), [(True, "differs-from-submitted"), (False, "matches-submitted")]
)
async def test_the_outlets_article_is_what_the_service_fetched(
    api_settings: Callable[..., Settings], httpserver: HTTPServer, planted: bool, outcome: str
) -> None:
    real, target = event_articles(EVACUATION)[0], event_articles(EVACUATION)[2]
    url = _serve(httpserver, target)
    base = httpserver.url_for("/").rstrip("/")
    sent = _planted(target) if planted else target
    page = {"url": url, "html": article_html(sent, base_url=base)}
    async with running(api_settings()) as (client, lifespan):
        real_id = await ingest_demo(lifespan, real)
        submitted = await client.post("/compare", json=page)
        assert submitted.status_code == 200, submitted.text
        assert submitted.json()["article"]["verified"] is False

        # The service fetches the URL itself: only what it fetched becomes the outlet's article.
        assert await _verification(lifespan) == ("done", outcome, ANY)
        fetched_id = _stored_under(lifespan, url)[0][0]
        assert _stored_under(lifespan, url) == [(fetched_id, True)]
        assert fetched_id != submitted.json()["article"]["id"]
        text = (await client.get(f"/articles/{fetched_id}")).json()["text"]
        assert FABRICATED[0] not in text
        assert await _coverage_ids(client, real) == {fetched_id}
        by_url = await client.get("/compare", params={"url": url})
        assert by_url.json()["article"]["id"] == fetched_id
        assert by_url.json()["ingested"] is False
        # The same page sent again now reads the outlet's own article.
        again = await client.post("/compare", json=page)
        assert again.json()["article"]["id"] == fetched_id
        assert again.json()["article"]["verified"] is True
        assert real_id in {item["article_id"] for item in again.json()["coverage"]}


async def test_submitted_pages_are_not_fetched_when_verification_is_off(
    api_settings: Callable[..., Settings], httpserver: HTTPServer
) -> None:
    target = event_articles(EVACUATION)[2]
    url = _serve(httpserver, target)
    base = httpserver.url_for("/").rstrip("/")
    settings = api_settings(verify_submitted_pages=False)
    async with running(settings) as (client, lifespan):
        page = {"url": url, "html": article_html(target, base_url=base)}
        assert (await client.post("/compare", json=page)).status_code in {200, 404}
        assert (await client.post("/compare", json=page)).status_code in {200, 404}
        with lifespan.runtime.ingest.sessions() as session:
            kinds = session.scalars(select(JobRow.kind)).all()
        assert "verify" not in kinds
    assert [request.path for request, _ in httpserver.log] == []


async def test_pasted_text_stays_out_of_the_archive_unless_shared_by_a_key_holder(
    api_settings: Callable[..., Settings],
) -> None:
    real, other = event_articles(EVACUATION)[0], event_articles(EVACUATION)[2]
    key, digest = generate_api_key()
    async with running(api_settings(api_key_hashes=[digest])) as (client, lifespan):
        real_id = await ingest_demo(lifespan, real)
        text = {"text": other.text, "title": other.title, "outlet": other.outlet}
        private = await client.post("/compare", json=text)
        assert private.status_code == 200, private.text
        assert await _coverage_ids(client, real) == set()

        refused = await client.post("/compare", json={**text, "share": True})
        assert_problem(refused, 401, "unauthorized")
        shared = await client.post(
            "/compare",
            json={**text, "title": "Shared copy", "share": True, "url": article_url(other)},
            headers={"X-API-Key": key},
        )
        assert shared.status_code == 200, shared.text
        shared_id = shared.json()["article"]["id"]
        assert _stored_under(lifespan, article_url(other)) == [(shared_id, True)]
        assert shared_id in await _coverage_ids(client, real)
        assert real_id in {item["article_id"] for item in shared.json()["coverage"]}


def _event_versions(lifespan: Lifespan) -> dict[int, int]:
    with lifespan.runtime.ingest.sessions() as session:
        rows = session.execute(select(EventRow.id, EventRow.version)).all()
        return {event_id: version for event_id, version in rows}


async def test_a_submitted_page_never_joins_an_event_even_after_a_restart(
    api_settings: Callable[..., Settings],
) -> None:
    real, later, target = event_articles(EVACUATION)[:3]
    page = {"url": article_url(target), "html": article_html(_planted(target))}
    settings = api_settings()
    async with running(settings) as (client, lifespan):
        real_id = await ingest_demo(lifespan, real)
        events_before = _event_versions(lifespan)
        planted = await client.post("/compare", json=page)
        assert planted.status_code == 200, planted.text
        planted_id = planted.json()["article"]["id"]
        assert real_id in {item["article_id"] for item in planted.json()["coverage"]}
        # No event was started, changed or merged by it, and it is no candidate for others.
        assert _event_versions(lifespan) == events_before
        index = lifespan.runtime.ingest.events.index
        assert index.event_of(planted_id) is None
        later_id = await ingest_demo(lifespan, later)
        later_features = index.features(later_id)
        assert later_features is not None
        assert planted_id not in {match.article_id for match in index.matches(later_features)}
        assert planted_id not in await _coverage_ids(client, later)

    async with running(settings) as (client, lifespan):
        assert lifespan.runtime.ingest.events.index.event_of(planted_id) is None
        real_answer = await client.get("/compare", params={"url": article_url(real)})
        assert real_answer.json()["article"]["verified"] is True
        assert planted_id not in await _coverage_ids(client, real)
        again = await client.post("/compare", json=page)
        assert again.json()["article"]["id"] == planted_id
        assert real_id in {item["article_id"] for item in again.json()["coverage"]}
