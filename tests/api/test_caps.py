"""Every cap on what one request may make the service store or compute, each a setting."""

from __future__ import annotations

from collections.abc import Callable

from sqlalchemy import func, select

from core.config import Settings
from core.db.schema import ArticleRow, FailureRow, ReportRow
from core.models import ArticleInput
from tests.api._support import (
    Lifespan,
    article_html,
    article_url,
    assert_problem,
    demo_article,
    event_articles,
    finished_job,
    ingest_demo,
    running,
)

SENTENCE = "The council said the bridge would reopen on Monday after repairs. "


def _stored(lifespan: Lifespan) -> tuple[int, int]:
    with lifespan.runtime.ingest.sessions() as session:
        articles = session.scalar(select(func.count()).select_from(ArticleRow))
        reports = session.scalar(select(func.count()).select_from(ReportRow))
    return int(articles or 0), int(reports or 0)


def _failures(lifespan: Lifespan) -> list[tuple[str, str]]:
    with lifespan.runtime.ingest.sessions() as session:
        return [tuple(row) for row in session.execute(select(FailureRow.stage, FailureRow.reason))]


async def test_a_text_over_the_length_cap_is_refused_whole_and_recorded(
    api_settings: Callable[..., Settings],
) -> None:
    async with running(api_settings(max_article_chars=2000)) as (client, lifespan):
        response = await client.post("/compare", json={"text": SENTENCE * 40})
        body = assert_problem(response, 413, "too-large")
        assert body["reason"] == "too-large"
        assert body["limit"] == 2000
        assert _stored(lifespan) == (0, 0)
        assert _failures(lifespan) == [("compare", "too-large")]


async def test_an_extracted_page_over_the_length_cap_is_refused(
    api_settings: Callable[..., Settings],
) -> None:
    article = demo_article()
    async with running(api_settings(max_article_chars=300)) as (client, lifespan):
        response = await client.post(
            "/compare", json={"url": article_url(article), "html": article_html(article)}
        )
        assert_problem(response, 413, "too-large")
        assert _stored(lifespan) == (0, 0)


async def test_an_article_over_the_passage_cap_is_refused(
    api_settings: Callable[..., Settings],
) -> None:
    async with running(api_settings(max_article_passages=3)) as (client, lifespan):
        text = "\n\n".join(f"Paragraph {n} says the bridge reopens on Monday." for n in range(4))
        response = await client.post("/compare", json={"text": text})
        body = assert_problem(response, 413, "too-large")
        assert body["limit"] == 3
        assert _stored(lifespan) == (0, 0)


async def test_a_one_character_text_is_refused_as_too_short(
    api_settings: Callable[..., Settings],
) -> None:
    async with running(api_settings()) as (client, lifespan):
        body = assert_problem(await client.post("/compare", json={"text": "x"}), 422, "too-short")
        assert body["reason"] == "too-short"
        assert _stored(lifespan) == (0, 0)


async def test_a_queued_article_over_the_cap_fails_with_its_reason(
    api_settings: Callable[..., Settings],
) -> None:
    async with running(api_settings(max_article_chars=2000, ingest_workers=1)) as (
        client,
        lifespan,
    ):
        batch = lifespan.runtime.ingest.submit_articles(
            [ArticleInput(url="https://news.example/long", text=SENTENCE * 40)]
        )
        job = await finished_job(client, batch.id)
        assert [failure["reason"] for failure in job["failures"]] == ["too-large"]
        assert _stored(lifespan) == (0, 0)


async def test_urls_per_ingest_request_are_capped(api_settings: Callable[..., Settings]) -> None:
    async with running(api_settings(max_ingest_urls=2)) as (client, _):
        urls = [f"https://news.example/{n}" for n in range(3)]
        body = assert_problem(
            await client.post("/ingest", json={"urls": urls}), 413, "payload-too-large"
        )
        assert body["limit"] == 2
        accepted = await client.post("/ingest", json={"urls": urls[:2]})
        assert accepted.status_code == 202


async def test_an_event_matrix_takes_at_most_the_capped_articles(
    api_settings: Callable[..., Settings],
) -> None:
    articles = event_articles(demo_article().event)
    assert len(articles) >= 3
    async with running(api_settings(max_event_articles=2)) as (client, lifespan):
        ids = [await ingest_demo(lifespan, article) for article in articles]
        event_id = (await client.get(f"/articles/{ids[0]}")).json()["event_id"]
        claims = (await client.get(f"/events/{event_id}")).json()["claims"]
        taken = {other["article_id"] for claim in claims for other in claim["others"]}
        assert len(taken) <= 2
