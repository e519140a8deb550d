"""The rate limiter shared through a real Redis, and what it does while Redis is away."""

from __future__ import annotations

import logging

import pytest
from redis import Redis

from api.shared_limiter import RedisRateLimiter
from tests.api.conftest import LinkFactory


async def test_two_limiters_spend_one_budget(
    make_link: LinkFactory, redis_url: str, redis_prefix: str
) -> None:
    first = RedisRateLimiter(make_link(redis_url, redis_prefix), per_minute=1, burst=3)
    second = RedisRateLimiter(make_link(redis_url, redis_prefix), per_minute=1, burst=3)
    decisions = [
        await first.take("ip:a"),
        await second.take("ip:a"),
        await first.take("ip:a"),
        await second.take("ip:a"),
    ]
    assert [decision.allowed for decision in decisions] == [True, True, True, False]
    assert [decision.remaining for decision in decisions] == [2, 1, 0, 0]
    assert decisions[-1].retry_after > 0
    assert (await first.take("ip:b")).allowed  # callers do not share a bucket


async def test_buckets_expire_once_full_again(
    make_link: LinkFactory, redis_url: str, redis_prefix: str
) -> None:
    link = make_link(redis_url, redis_prefix)
    await RedisRateLimiter(link, per_minute=60, burst=2).take("ip:a")
    with Redis.from_url(redis_url) as client:
        # Two tokens at one a second refill in 2 s; the bucket goes a second after.
        assert 0 < client.pttl(link.key("rate", "ip:a")) <= 3000


async def test_unreachable_redis_limits_in_process_and_warns_once(
    make_link: LinkFactory, closed_redis_url: str, caplog: pytest.LogCaptureFixture
) -> None:
    limiter = RedisRateLimiter(make_link(closed_redis_url, retry_interval=0.0), 1, burst=2)
    with caplog.at_level(logging.DEBUG, logger="api.redis_link"):
        allowed = [(await limiter.take("ip:a")).allowed for _ in range(3)]
    assert allowed == [True, True, False]
    warnings = [record for record in caplog.records if record.levelno == logging.WARNING]
    assert len(warnings) == 1
    assert "going on without it" in warnings[0].getMessage()


async def test_dropped_connections_are_reopened_after_the_retry_interval(
    make_link: LinkFactory, redis_url: str, redis_prefix: str
) -> None:
    now = [0.0]
    link = make_link(redis_url, redis_prefix, retry_interval=5.0, clock=lambda: now[0])
    limiter = RedisRateLimiter(link, per_minute=1, burst=2)
    witness = RedisRateLimiter(make_link(redis_url, redis_prefix), per_minute=1, burst=2)
    assert (await limiter.take("ip:a")).allowed
    with Redis.from_url(redis_url) as admin:  # as a Redis restart does
        admin.client_kill_filter(_id=int(await link.client.client_id()))
    # On the dropped connection: redis-py reconnects at once, or the limiter falls back to
    # memory until the retry interval has passed.
    await limiter.take("ip:a")
    now[0] += 5.0
    await limiter.take("ip:a")
    assert link.available
    # Redis is in use again either way: the shared bucket is empty for another process.
    assert not (await witness.take("ip:a")).allowed
