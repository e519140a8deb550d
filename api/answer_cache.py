"""Prepared /compare answers by (engine, comparison key): in this process's memory, or in Redis
where every API process finds what any of them prepared.

A key holds while its event's version does, so entries are never updated, only written and
expired, and a copy kept in a process's memory is as good as the one in Redis. In Redis an answer
is one value: a JSON header (the facts and the length of the full view), then the full view and
the summary view as they are.
"""

from __future__ import annotations

import json
from typing import Protocol

from redis.exceptions import RedisError

from api.answer import AnswerFacts, PreparedAnswer
from api.redis_link import RedisLink
from compare import ComparisonKey, LruCache

__all__ = [
    "ANSWER_FORMAT",
    "AnswerCache",
    "AnswerKey",
    "MemoryAnswerCache",
    "RedisAnswerCache",
    "decode_answer",
    "encode_answer",
]

AnswerKey = tuple[str, ComparisonKey]
"""(engine, comparison key)."""

# Part of every Redis key: a release that renders answers differently bumps it, so processes of
# two releases sharing a server never read each other's answers.
ANSWER_FORMAT = 1


class AnswerCache(Protocol):
    async def get(self, key: AnswerKey) -> PreparedAnswer | None: ...

    async def put(self, key: AnswerKey, answer: PreparedAnswer) -> None: ...


class MemoryAnswerCache:
    """The newest `size` answers in this process (0 keeps none)."""

    def __init__(self, size: int) -> None:
        self._items: LruCache[AnswerKey, PreparedAnswer] = LruCache(size)

    async def get(self, key: AnswerKey) -> PreparedAnswer | None:
        return self._items.get(key)

    async def put(self, key: AnswerKey, answer: PreparedAnswer) -> None:
        self._items.put(key, answer)

    def __len__(self) -> int:
        return len(self._items)


class RedisAnswerCache:
    """Answers in Redis for `ttl` seconds, and the newest `kept` of them in this process too, so a
    repeated answer costs no round trip. While Redis cannot be reached, only those are found."""

    def __init__(self, link: RedisLink, ttl: float, *, kept: int = 0) -> None:
        self._link = link
        self._ttl_ms = max(1, round(ttl * 1000))
        self._kept = MemoryAnswerCache(kept)

    def redis_key(self, key: AnswerKey) -> str:
        engine, (article_id, event_id, version) = key
        event = "none" if event_id is None else event_id
        return self._link.key("answer", ANSWER_FORMAT, engine, article_id, event, version)

    async def get(self, key: AnswerKey) -> PreparedAnswer | None:
        kept = await self._kept.get(key)
        if kept is not None or not self._link.available:
            return kept
        try:
            stored = await self._link.client.get(self.redis_key(key))
        except RedisError as error:
            self._link.failed("reading a cached comparison", error)
            return None
        if not isinstance(stored, bytes):
            return None
        answer = decode_answer(stored)
        await self._kept.put(key, answer)
        return answer

    async def put(self, key: AnswerKey, answer: PreparedAnswer) -> None:
        await self._kept.put(key, answer)
        if not self._link.available:
            return
        try:
            await self._link.client.set(self.redis_key(key), encode_answer(answer), px=self._ttl_ms)
        except RedisError as error:
            self._link.failed("caching a comparison", error)


def encode_answer(answer: PreparedAnswer) -> bytes:
    facts = answer.facts
    full = answer.view("full")
    header = {
        "article_id": facts.article_id,
        "article_url": facts.article_url,
        "other_outlets": sorted(facts.other_outlets),
        "has_coverage": facts.has_coverage,
        "model": facts.model,
        "index_version": facts.index_version,
        "engine": facts.engine,
        "full_bytes": len(full),
    }
    return json.dumps(header).encode("utf-8") + b"\n" + full + answer.view("summary")


def decode_answer(stored: bytes) -> PreparedAnswer:
    line, _, views = stored.partition(b"\n")
    header = json.loads(line)
    split = header.pop("full_bytes")
    header["other_outlets"] = frozenset(header["other_outlets"])
    return PreparedAnswer.restored(
        AnswerFacts(**header), {"full": views[:split], "summary": views[split:]}
    )
