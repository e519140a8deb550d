"""The interim comparer: article, passages and coverage from the store."""

from __future__ import annotations

import httpx
import pytest

from api.queries import StoreComparer, build_summary
from api.schemas import ClaimOut, ClaimPassageOut, CounterpartOut, DivergenceOut, PassageOut
from core.errors import NotFound
from core.models import ArticleInput
from tests.api._support import Lifespan, group_into_event

TEXT = (
    "The council approved the budget on Tuesday.\n\n"
    "Spending on schools rises by four percent next year."
)


async def test_wire_copies_point_at_the_first_publication(
    api: tuple[httpx.AsyncClient, Lifespan],
) -> None:
    _, lifespan = api
    service = lifespan.runtime.service
    original = await service.pipeline.ingest_input(
        ArticleInput(url="https://wire.example/a", text=TEXT, title="Budget", outlet="Wire")
    )
    reprint = await service.pipeline.ingest_input(
        ArticleInput(url="https://paper.example/b", text=TEXT, title="Budget", outlet="Paper")
    )
    own = await service.pipeline.ingest_input(
        ArticleInput(
            url="https://daily.example/c",
            text="Councillors passed the budget.\n\nSchools get more money.",
            title="Budget passed",
            outlet="Daily",
        )
    )
    assert reprint.outcome.value == "reprint"
    group_into_event(lifespan, [original.article_id, reprint.article_id, own.article_id])
    comparer = lifespan.runtime.comparer
    assert isinstance(comparer, StoreComparer)

    comparison = comparer.compare(own.article_id)
    copies = {item.article_id: item.wire_copy_of for item in comparison.coverage}
    assert copies == {original.article_id: None, reprint.article_id: original.article_id}
    assert comparison.article.outlet == "Daily"
    indexes = [p.index for p in comparison.article.passages]
    assert indexes == list(range(len(indexes)))
    assert indexes
    assert comparison.claims == []
    assert comparison.divergences == []
    assert comparison.engine == StoreComparer.name

    with pytest.raises(NotFound):
        comparer.compare(99_999)
    with pytest.raises(NotFound):
        comparer.event_claims(99_999)


def test_summary_counts_and_sides() -> None:
    passage = PassageOut(id=1, index=0, start=0, end=4, text="text")
    claims = [
        ClaimOut(
            id=1,
            passage=passage,
            others=[
                ClaimPassageOut(
                    article_id=n,
                    outlet=name,
                    url="u",
                    passage_id=n,
                    start=0,
                    end=1,
                    text="t",
                    similarity=0.9,
                )
                for n, name in ((2, "B"), (3, "C"))
            ],
        )
    ]
    divergences = [
        DivergenceOut(
            type="numeric",
            confidence=0.8,
            passage=passage,
            counterparts=[
                CounterpartOut(article_id=3, outlet="C", url="u", start=0, end=1, text="t")
            ],
        )
    ]
    summary = build_summary("A", claims, divergences)
    assert summary.counts["numeric"] == 1
    assert summary.counts["omission"] == 0
    assert summary.agreeing_outlets == ["B"]
    assert summary.diverging_outlets == ["C"]
