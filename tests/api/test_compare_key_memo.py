"""A cached /compare finds its comparison key in memory, and answers for the event's new version
as soon as this process has placed or followed the change."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from pathlib import Path

import pytest

from core.config import Settings
from demo.articles import EVACUATION
from ingest.service import ingest_service
from tests.api._support import (
    article_html,
    article_url,
    event_articles,
    event_ids,
    event_of_three,
    running,
)
from tests.core._statements import statements_run
from tests.doubles import HashingEmbedder


def _reading_articles(statements: list[str]) -> list[str]:
    """The statements that read articles: the ingest workers poll the job queue meanwhile."""
    return [statement for statement in statements if "FROM articles" in statement]


async def test_a_cached_answer_asks_the_store_nothing(
    api_settings: Callable[..., Settings],
) -> None:
    async with running(api_settings(event_follow_interval=3600.0)) as (client, lifespan):
        await event_of_three(lifespan)
        params = {"url": article_url(event_articles(EVACUATION)[0])}
        engine = lifespan.runtime.ingest.engine
        with statements_run(engine) as first:
            assert (await client.get("/compare", params=params)).status_code == 200
        assert _reading_articles(first), "the counting sees the store's queries"
        with statements_run(engine) as cached:
            again = await client.get("/compare", params=params)
        assert again.json()["meta"]["cached"] is True
        assert _reading_articles(cached) == []


@pytest.mark.parametrize("interval", [3600.0, 0.05], ids=["explicit-follow", "background-poll"])
async def test_another_process_s_change_reaches_the_answer_when_the_log_is_followed(
    api_settings: Callable[..., Settings],
    make_settings: Callable[..., Settings],
    tmp_path: Path,
    interval: float,
) -> None:
    store = f"sqlite:///{tmp_path / 'shared.db'}"
    # At an hour, only the explicit follow below reads the log (the background one runs once,
    # at start); at 50 ms the background poll does it.
    settings = api_settings(database_url=store, event_follow_interval=interval)
    async with running(settings) as (client, lifespan):
        ids, event_id = await event_of_three(lifespan)
        params = {"url": article_url(event_articles(EVACUATION)[0])}
        await client.get("/compare", params=params)
        cached = await client.get("/compare", params=params)
        assert cached.json()["meta"]["cached"] is True

        fourth_article = event_articles(EVACUATION)[3]
        writer_settings = make_settings(database_url=store, data_dir=tmp_path / "writer")
        async with ingest_service(
            writer_settings, embedder=HashingEmbedder(64), run_workers=False, include_registry=False
        ) as writer:
            result = await writer.pipeline.ingest_html(
                article_url(fourth_article), article_html(fourth_article)
            )
        fourth = result.article_id
        assert event_ids(lifespan, [fourth]) == [event_id]

        if interval > 60:
            stale = await client.get("/compare", params=params)
            assert stale.headers["etag"] == cached.headers["etag"], "not followed yet"
            lifespan.runtime.ingest.events.follow()
        for _ in range(500):
            fresh = await client.get("/compare", params=params)
            if fresh.headers["etag"] != cached.headers["etag"]:
                break
            await asyncio.sleep(0.02)
        assert fresh.json()["meta"]["cached"] is False
        assert {item["article_id"] for item in fresh.json()["coverage"]} == {*ids[1:], fourth}


async def test_without_the_memo_every_answer_reads_its_key_from_the_store(
    api_settings: Callable[..., Settings],
) -> None:
    settings = api_settings(event_follow_interval=3600.0, comparison_key_memo_size=0)
    async with running(settings) as (client, lifespan):
        await event_of_three(lifespan)
        params = {"url": article_url(event_articles(EVACUATION)[0])}
        await client.get("/compare", params=params)
        with statements_run(lifespan.runtime.ingest.engine) as cached:
            response = await client.get("/compare", params=params)
        assert response.json()["meta"]["cached"] is True
        assert len(_reading_articles(cached)) == 1
