"""Two API processes configured with one Redis share the rate limit and the comparisons; with
Redis gone, each still answers and still limits."""

from __future__ import annotations

import asyncio
import shutil
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from core.config import Settings
from demo.articles import EVACUATION
from tests.api._support import (
    RedisServer,
    article_url,
    assert_problem,
    event_articles,
    ingest_demo,
    running,
)


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
        # Made afresh, then found in the copy this process keeps.
        assert [response.json()["meta"]["cached"] for response in compared] == [False, True]
        assert_problem(await client.get("/compare", params=params), 429, "rate-limited")
        metrics = (await client.get("/metrics")).text
        assert "parallax_redis_failures_total 0.0" not in metrics
        assert "parallax_redis_failures_total" in metrics


@pytest.fixture
def private_redis(redis_url: str) -> Iterator[RedisServer]:
    binary = shutil.which("redis-server")
    if binary is None:
        pytest.skip("redis-server is not installed, so a Redis restart cannot be played")
    server = RedisServer(binary)
    server.start()
    yield server
    server.stop()


async def test_a_redis_restart_needs_no_restart_of_the_app(
    api_settings: Callable[..., Settings], private_redis: RedisServer
) -> None:
    settings = api_settings(
        redis_url=private_redis.url,
        redis_retry_interval=0.01,
        rate_limit_per_minute=60,
        rate_limit_burst=100,
    )
    bucket = b"parallax:rate:ip:203.0.113.7"
    async with running(settings) as (client, _):
        assert (await client.get("/outlets")).status_code == 200
        assert private_redis.keys() == [bucket]
        private_redis.stop()
        assert (await client.get("/outlets")).status_code == 200
        private_redis.start()
        assert private_redis.keys() == []
        await asyncio.sleep(0.05)  # past the retry interval
        assert (await client.get("/outlets")).status_code == 200
        assert private_redis.keys() == [bucket]
