"""Prepared answers kept in a real Redis: shared between processes, expired, keyed by version."""

from __future__ import annotations

import asyncio
import logging

import pytest
from redis import Redis

from api.answer import PreparedAnswer
from api.answer_cache import (
    AnswerKey,
    MemoryAnswerCache,
    RedisAnswerCache,
    decode_answer,
    encode_answer,
)
from api.schemas import ArticleOut, Comparison, CoverageOut, PassageOut, SummaryOut
from tests.api.conftest import LinkFactory

KEY: AnswerKey = ("parallax-engine-14", (7, 3, 2))


def _answer() -> PreparedAnswer:
    text = "Évacuation à Nice — « 800 » personnes\nsur la plage"
    return PreparedAnswer(
        Comparison(
            article=ArticleOut(
                id=7,
                url="https://a.example/nice",
                outlet="Le Quotidien",
                title=text,
                published_at=None,
                language="fr",
                passages=[PassageOut(id=1, index=0, start=0, end=len(text), text=text)],
            ),
            coverage=[
                CoverageOut(
                    article_id=n,
                    url=f"https://b.example/{n}",
                    outlet=f"Outlet {n}",
                    title="t",
                    published_at=None,
                    same_event_confidence=0.9,
                    wire_copy_of=None,
                )
                for n in (8, 9)
            ],
            claims=[],
            divergences=[],
            key_differences=[],
            summary=SummaryOut(agreeing_outlets=["Outlet 8"], diverging_outlets=[]),
            model="m",
            index_version="passages:3,reports:2",
            engine="parallax-engine-14",
        )
    )


def _same(found: PreparedAnswer | None, answer: PreparedAnswer) -> None:
    assert found is not None
    assert found.facts == answer.facts
    assert found.view("full") == answer.view("full")
    assert found.view("summary") == answer.view("summary")


def test_an_encoded_answer_decodes_to_the_same_facts_and_views() -> None:
    answer = _answer()
    _same(decode_answer(encode_answer(answer)), answer)


async def test_the_memory_cache_keeps_answers_in_this_process() -> None:
    cache, answer = MemoryAnswerCache(1), _answer()
    await cache.put(KEY, answer)
    assert await cache.get(KEY) is answer
    assert await MemoryAnswerCache(1).get(KEY) is None


async def test_two_caches_see_each_other_s_answers(
    make_link: LinkFactory, redis_url: str, redis_prefix: str
) -> None:
    first = RedisAnswerCache(make_link(redis_url, redis_prefix), ttl=60)
    second = RedisAnswerCache(make_link(redis_url, redis_prefix), ttl=60)
    answer = _answer()
    assert await second.get(KEY) is None
    await first.put(KEY, answer)
    _same(await second.get(KEY), answer)


async def test_a_new_event_version_or_another_engine_misses(
    make_link: LinkFactory, redis_url: str, redis_prefix: str
) -> None:
    cache = RedisAnswerCache(make_link(redis_url, redis_prefix), ttl=60)
    await cache.put(KEY, _answer())
    engine, (article_id, event_id, version) = KEY
    assert await cache.get((engine, (article_id, event_id, version + 1))) is None
    assert await cache.get(("another-engine", (article_id, event_id, version))) is None
    assert await cache.get((engine, (article_id, None, 0))) is None


async def test_answers_expire_after_the_ttl(
    make_link: LinkFactory, redis_url: str, redis_prefix: str
) -> None:
    lasting = RedisAnswerCache(make_link(redis_url, redis_prefix), ttl=3600)
    await lasting.put(KEY, _answer())
    with Redis.from_url(redis_url) as client:
        assert 3_590_000 < client.pttl(lasting.redis_key(KEY)) <= 3_600_000
    brief = RedisAnswerCache(make_link(redis_url, redis_prefix), ttl=0.05)
    await brief.put(KEY, _answer())
    await asyncio.sleep(0.2)
    assert await brief.get(KEY) is None


async def test_unreachable_redis_is_a_miss_with_one_warning(
    make_link: LinkFactory, closed_redis_url: str, caplog: pytest.LogCaptureFixture
) -> None:
    cache = RedisAnswerCache(make_link(closed_redis_url, retry_interval=0.0), ttl=60)
    with caplog.at_level(logging.DEBUG, logger="api.redis_link"):
        await cache.put(KEY, _answer())
        assert await cache.get(KEY) is None
        assert await cache.get(KEY) is None
    failures = [record for record in caplog.records if "Redis failed" in record.getMessage()]
    assert [record.levelno for record in failures] == [logging.WARNING] + [logging.DEBUG] * 2


async def test_answers_read_or_made_here_are_kept_in_memory_too(
    make_link: LinkFactory, redis_url: str, redis_prefix: str
) -> None:
    maker = RedisAnswerCache(make_link(redis_url, redis_prefix), ttl=60)
    reader = RedisAnswerCache(make_link(redis_url, redis_prefix), ttl=60, kept=2)
    other_key: AnswerKey = ("parallax-engine-14", (8, 3, 2))
    answer, other = _answer(), _answer()
    await maker.put(KEY, answer)
    await reader.put(other_key, other)
    _same(await reader.get(KEY), answer)
    with Redis.from_url(redis_url) as client:
        client.delete(reader.redis_key(KEY), reader.redis_key(other_key))
    assert await maker.get(KEY) is None
    _same(await reader.get(KEY), answer)
    assert await reader.get(other_key) is other


async def test_unreachable_redis_still_finds_the_answers_kept_in_memory(
    make_link: LinkFactory, closed_redis_url: str
) -> None:
    cache = RedisAnswerCache(make_link(closed_redis_url, retry_interval=0.0), ttl=60, kept=1)
    answer = _answer()
    await cache.put(KEY, answer)
    assert await cache.get(KEY) is answer
