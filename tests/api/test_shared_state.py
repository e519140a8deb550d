"""Two API processes configured with one Redis share the rate limit and the comparisons; with
Redis gone, each still answers and still limits."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from core.config import Settings
from demo.articles import EVACUATION
from tests.api._support import article_url, assert_problem, event_articles, ingest_demo, running


async def test_two_apps_share_one_rate_limit(
    api_settings: Callable[..., Settings], tmp_path: Path, redis_url: str, redis_prefix: str
) -> None:
    def replica(name: str) -> Settings:
        return api_settings(
            data_dir=tmp_path / name,
            redis_url=redis_url,
            redis_key_prefix=redis_prefix,
            rate_limit_per_minute=1,
            rate_limit_burst=3,
        )

    async with running(replica("a")) as (first, _), running(replica("b")) as (second, _):
        statuses = [
            (await client.get("/outlets")).status_code for client in (first, second, first, second)
        ]
        assert statuses == [200, 200, 200, 429]
        assert_problem(await first.get("/outlets"), 429, "rate-limited")


async def test_one_app_answers_from_the_comparison_another_made(
    api_settings: Callable[..., Settings], tmp_path: Path, redis_url: str, redis_prefix: str
) -> None:
    articles = event_articles(EVACUATION)[:3]
    params = {"url": article_url(articles[0])}
    answers = []
    for name in ("a", "b"):
        settings = api_settings(
            data_dir=tmp_path / name, redis_url=redis_url, redis_key_prefix=redis_prefix
        )
        # Each replica's own store, filled alike, as one shared store would look to both.
        async with running(settings) as (client, lifespan):
            for article in articles:
                await ingest_demo(lifespan, article)
            response = await client.get("/compare", params=params)
            assert response.status_code == 200, response.text
            answers.append(response.json())
    made, reused = answers
    assert made["meta"]["cached"] is False
    assert reused["meta"]["cached"] is True
    assert reused["coverage"] == made["coverage"]
    assert reused["divergences"] == made["divergences"]


async def test_without_redis_the_app_compares_and_limits_on_its_own(
    api_settings: Callable[..., Settings], closed_redis_url: str
) -> None:
    settings = api_settings(redis_url=closed_redis_url, rate_limit_per_minute=1, rate_limit_burst=2)
    articles = event_articles(EVACUATION)[:3]
    async with running(settings) as (client, lifespan):
        for article in articles:
            await ingest_demo(lifespan, article)
        params = {"url": article_url(articles[0])}
        compared = [await client.get("/compare", params=params) for _ in range(2)]
        assert [response.status_code for response in compared] == [200, 200]
        assert [response.json()["meta"]["cached"] for response in compared] == [False, False]
        assert_problem(await client.get("/compare", params=params), 429, "rate-limited")
