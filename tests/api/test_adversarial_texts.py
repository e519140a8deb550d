"""Texts built to make ingest or comparison slow: each is refused by a cap or stored within
the caps, with exact offsets, and compared against a second hostile account."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from sqlalchemy import select

from core.config import Settings
from core.db.schema import PassageRow, ReportRow
from tests import adversarial
from tests.api._support import assert_problem, running

REFUSED = {
    "1 MB of one-word sentences": adversarial.one_word_sentences(1_000_000),
    "one 200 KB sentence": adversarial.one_sentence(200_000),
    "10,000 numbers, a sentence each": " ".join(
        f"Officials said {n} people were hurt." for n in range(10_000)
    ),
}
STORED = {
    "10,000 numbers in one sentence": adversarial.numbers(10_000),
    "a 95 KB sentence": adversarial.one_sentence(95_000),
    "deeply nested quotes": adversarial.nested_quotes(3_000),
    "combining marks": adversarial.combining_marks(20_000),
    "direction marks and zero-width characters": adversarial.direction_and_zero_width(1_000),
    "95 KB of one-word sentences": adversarial.one_word_sentences(95_000),
}


@pytest.mark.parametrize("text", REFUSED.values(), ids=REFUSED.keys())
async def test_over_a_cap_is_refused_whole(
    api_settings: Callable[..., Settings], text: str
) -> None:
    async with running(api_settings()) as (client, lifespan):
        assert_problem(await client.post("/compare", json={"text": text}), 413, "too-large")
        with lifespan.runtime.ingest.sessions() as session:
            assert session.scalars(select(ReportRow.id)).all() == []


@pytest.mark.parametrize("text", STORED.values(), ids=STORED.keys())
async def test_within_the_caps_is_stored_bounded_and_compared(
    api_settings: Callable[..., Settings], text: str
) -> None:
    settings = api_settings()
    async with running(settings) as (client, lifespan):
        first = await client.post("/compare", json={"text": text, "outlet": "first"})
        assert first.status_code in (200, 404), first.text
        second = await client.post(
            "/compare", json={"text": text.replace("said", "stated") + " Later.", "outlet": "b"}
        )
        assert second.status_code in (200, 404), second.text
        with lifespan.runtime.ingest.sessions() as session:
            for report in session.scalars(select(ReportRow)):
                passages = session.scalars(
                    select(PassageRow).where(PassageRow.report_id == report.id)
                ).all()
                assert 0 < len(passages) <= settings.max_article_passages
                for passage in passages:
                    assert passage.end - passage.start <= settings.max_passage_chars
                    assert report.text[passage.start : passage.end] == passage.text
