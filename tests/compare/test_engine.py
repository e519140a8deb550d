"""The comparison engine behind /compare (`compare.EngineComparer`), driven through the app.

With the hashing test double as embedder only what holds whatever the model thinks is checked:
wire copies, offsets, ranges, and claims between verbatim passages. What the real model should
find in the demo evacuation event is checked in the slow tests at the end.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable, Iterable
from datetime import UTC, datetime
from typing import Any

import httpx
import pytest

from compare import ArticleClaim, ClaimPassage, EngineComparer
from compare.summary import summarize
from comparison.model import ClaimMember, Divergence, PassageView
from comparison.one_sided import MAX_OMISSIONS
from core.config import Settings
from core.errors import NotFound
from core.models import ArticleInput
from demo.articles import EVACUATION
from tests.api._support import (
    Lifespan,
    article_url,
    assert_comparison_contract,
    event_articles,
    event_ids,
    ingest_demo,
    running,
)

TEXT = (
    "The council approved the budget on Tuesday.\n\n"
    "Spending on schools rises by four percent next year."
)


def _comparer(lifespan: Lifespan) -> EngineComparer:
    comparer = lifespan.runtime.comparer
    assert isinstance(comparer, EngineComparer)
    assert comparer.name == "parallax-engine-14"
    return comparer


def _texts(lifespan: Lifespan, ids: Iterable[int]) -> dict[int, str]:
    archive = lifespan.runtime.archive
    return {article_id: archive.article(article_id).text for article_id in ids}


async def test_wire_copies_point_at_the_first_publication(
    api: tuple[httpx.AsyncClient, Lifespan],
) -> None:
    _, lifespan = api
    pipeline = lifespan.runtime.ingest.pipeline

    def item(url: str, outlet: str, hour: int) -> ArticleInput:
        published = datetime(2026, 11, 10, hour, tzinfo=UTC)
        return ArticleInput(
            url=url, text=TEXT, title="Budget", outlet=outlet, published_at=published
        )

    # The reprint reaches the archive first, but the wire published the text earlier.
    reprint = await pipeline.ingest_input(item("https://paper.example/b", "Paper", 11))
    original = await pipeline.ingest_input(item("https://wire.example/a", "Wire", 9))
    assert original.outcome.value == "reprint"  # the same text again
    # The pipeline groups a reprint with its original.
    assert len(set(event_ids(lifespan, [reprint.article_id, original.article_id]))) == 1

    comparer = _comparer(lifespan)
    from_reprint = comparer.compare(reprint.article_id)
    assert [(c.article_id, c.wire_copy_of) for c in from_reprint.coverage] == [
        (original.article_id, None)
    ]
    from_original = comparer.compare(original.article_id)
    assert [(c.article_id, c.wire_copy_of) for c in from_original.coverage] == [
        (reprint.article_id, original.article_id)
    ]
    for comparison in (from_reprint, from_original):
        assert comparison.engine == EngineComparer.name
        assert 0.0 <= comparison.coverage[0].same_event_confidence <= 1.0
        indexes = [p.index for p in comparison.article.passages]
        assert indexes == [0, 1]
        # Word for word the same: each passage is one claim with its copy, at the same offsets.
        assert len(comparison.claims) == 2
        for claim in comparison.claims:
            assert claim.passage is not None
            [other] = claim.others
            assert other.article_id != comparison.article.id
            assert (other.start, other.end, other.text) == (
                claim.passage.start,
                claim.passage.end,
                claim.passage.text,
            )
            assert TEXT[other.start : other.end] == other.text


async def test_a_near_verbatim_reprint_points_at_the_first_publication(
    api: tuple[httpx.AsyncClient, Lifespan],
) -> None:
    _, lifespan = api
    # The Harbour Gazette republishes Meridian Wire's story (all but its last paragraph), and
    # reaches the archive first; The Daily Ledger has its own report.
    evacuation = event_articles(EVACUATION)
    gazette = await ingest_demo(lifespan, evacuation[1])
    meridian = await ingest_demo(lifespan, evacuation[0])
    ledger = await ingest_demo(lifespan, evacuation[2])
    assert len(set(event_ids(lifespan, [gazette, meridian, ledger]))) == 1

    comparer = _comparer(lifespan)
    comparison = comparer.compare(ledger)
    assert comparison.article.outlet == "The Daily Ledger"
    copies = {item.article_id: item.wire_copy_of for item in comparison.coverage}
    assert copies == {meridian: None, gazette: meridian}
    for item in comparison.coverage:
        assert 0.0 <= item.same_event_confidence <= 1.0
    copies = {item.article_id: item.wire_copy_of for item in comparer.compare(meridian).coverage}
    assert copies == {gazette: meridian, ledger: None}
    copies = {item.article_id: item.wire_copy_of for item in comparer.compare(gazette).coverage}
    assert copies == {meridian: None, ledger: None}


async def test_claims_pair_this_articles_passages_with_other_outlets(
    api: tuple[httpx.AsyncClient, Lifespan],
) -> None:
    client, lifespan = api
    meridian, gazette = [
        await ingest_demo(lifespan, article) for article in event_articles(EVACUATION)[:2]
    ]
    comparison = _comparer(lifespan).compare(meridian)
    texts = _texts(
        lifespan, [comparison.article.id, *(item.article_id for item in comparison.coverage)]
    )
    own = {passage.passage_id: passage for passage in comparison.article.passages}
    assert comparison.claims
    for claim in comparison.claims:
        assert claim.passage is not None  # compare() reads claims from this article's side
        assert own[claim.passage.passage_id] == claim.passage
        assert texts[meridian][claim.passage.start : claim.passage.end] == claim.passage.text
        assert claim.others
        for other in claim.others:
            assert other.article_id != meridian
            assert other.outlet != comparison.article.outlet
            assert texts[other.article_id][other.start : other.end] == other.text
            assert 0.0 <= other.similarity <= 1.0
    # Each passage the Gazette reprints word for word is one claim with Meridian's.
    reprinted = {passage.text for passage in own.values() if passage.text in texts[gazette]}
    assert len(reprinted) >= len(own) - 2  # all but Meridian's last paragraph
    verbatim = {
        claim.passage.text
        for claim in comparison.claims
        if claim.passage is not None
        and any(o.article_id == gazette and o.text == claim.passage.text for o in claim.others)
    }
    assert verbatim == reprinted

    answer = (
        await client.get("/compare", params={"url": article_url(event_articles(EVACUATION)[0])})
    ).json()
    assert answer["article"]["id"] == meridian
    await assert_comparison_contract(client, answer)


async def test_event_claims_and_unknown_ids(api: tuple[httpx.AsyncClient, Lifespan]) -> None:
    _, lifespan = api
    ids = [await ingest_demo(lifespan, article) for article in event_articles(EVACUATION)[:3]]
    [event_id] = set(event_ids(lifespan, ids))
    assert event_id is not None
    comparer = _comparer(lifespan)
    claims = comparer.event_claims(event_id)
    assert claims
    texts = _texts(lifespan, ids)
    for claim in claims:
        assert claim.passage is None  # no focus article in an event's claim matrix
        assert len({other.outlet for other in claim.others}) >= 2
        for other in claim.others:
            assert texts[other.article_id][other.start : other.end] == other.text
            assert 0.0 <= other.similarity <= 1.0

    with pytest.raises(NotFound):
        comparer.compare(99_999)
    with pytest.raises(NotFound):
        comparer.event_claims(99_999)


def test_summary_counts_and_sides() -> None:
    passage = PassageView(1, 1, 0, 0, 4, "text")
    claims = [
        ArticleClaim(
            id=1,
            passage=passage,
            others=tuple(
                ClaimPassage(n, name, "u", n, 0, 1, "t", 0.9) for n, name in ((2, "B"), (3, "C"))
            ),
        )
    ]
    divergences = [
        Divergence(
            type="numeric",
            confidence=0.8,
            passage=passage,
            counterparts=(ClaimMember(PassageView(3, 3, 0, 0, 1, "t"), "C", 0.9),),
        )
    ]
    summary = summarize("A", claims, divergences)
    assert summary.counts["numeric"] == 1
    assert summary.counts["omission"] == 0
    assert summary.agreeing_outlets == ("B",)
    assert summary.diverging_outlets == ("C",)
    assert not summary.accounts_agree
    # One divergence found: the accounts agree where a quarter of the others' account is shared.
    assert summarize("A", claims, divergences, shared=0.2).accounts_agree is False
    assert summarize("A", claims, divergences, shared=0.25).accounts_agree is True
    assert summarize("A", claims, [], shared=0.2).accounts_agree is True


# --- the real model ----------------------------------------------------------------------


DemoEvent = tuple[httpx.AsyncClient, Lifespan, dict[str, int]]


@pytest.fixture
async def demo_event(
    api_settings: Callable[..., Settings], embedder: Any
) -> AsyncIterator[DemoEvent]:
    """The five outlets' reports of the demo evacuation, ingested with the real model."""
    async with running(api_settings(), embedder=embedder) as (client, lifespan):
        ids = {
            article.outlet: await ingest_demo(lifespan, article)
            for article in event_articles(EVACUATION)
        }
        yield client, lifespan, ids


async def _compare(client: httpx.AsyncClient, outlet: str) -> dict[str, Any]:
    [article] = [a for a in event_articles(EVACUATION) if a.outlet == outlet]
    response = await client.get("/compare", params={"url": article_url(article)})
    assert response.status_code == 200, response.text
    answer: dict[str, Any] = response.json()
    await assert_comparison_contract(client, answer)
    return answer


@pytest.mark.slow
async def test_real_model_groups_the_event_and_pairs_the_reprint(demo_event: DemoEvent) -> None:
    client, lifespan, ids = demo_event
    assert len(set(event_ids(lifespan, list(ids.values())))) == 1
    meridian = await _compare(client, "meridianwire")
    assert {item["article_id"] for item in meridian["coverage"]} == set(ids.values()) - {
        ids["meridianwire"]
    }
    for item in meridian["coverage"]:
        assert item["same_event_confidence"] > 0.5
        expected = ids["meridianwire"] if item["article_id"] == ids["harbourgazette"] else None
        assert item["wire_copy_of"] == expected
    # Every reprinted paragraph is claimed with the Gazette's copy, at a high similarity.
    gazette = [
        other
        for claim in meridian["claims"]
        for other in claim["others"]
        if other["article_id"] == ids["harbourgazette"]
        and other["text"] == claim["passage"]["text"]
    ]
    assert len(gazette) >= len(meridian["article"]["passages"]) - 2
    assert all(other["similarity"] > 0.9 for other in gazette)
    assert "The Harbour Gazette" in meridian["summary"]["agreeing_outlets"]


@pytest.mark.slow
async def test_real_model_claims_paraphrases_and_counts_a_reprint_once(
    demo_event: DemoEvent,
) -> None:
    """Through /compare; the planted framing, unique quote and death tolls are checked type by
    type on the engine in test_defining_example.py."""
    client, _, ids = demo_event
    # A paraphrase across outlets is one claim: the resettlement deadline.
    ledger = await _compare(client, "dailyledger")
    assert ledger["article"]["id"] == ids["dailyledger"]
    [claim] = [
        claim
        for claim in ledger["claims"]
        if claim["passage"] and "within three months" in claim["passage"]["text"]
    ]
    courier = [other for other in claim["others"] if other["outlet"] == "Northern Courier"]
    assert courier
    assert "within three months" in courier[0]["text"]

    # What the others report and Frontline Patriot leaves out, each stated by two independent
    # outlets: Meridian Wire and its reprint count once. Which are kept is the learned gate's
    # order, which moves with each refit; the three Western governments' request stays among
    # them, and the Civil Defence's rescue record, which one outlet states, is not shown as
    # stated by the passage that counts the arrivals.
    hostile = await _compare(client, "frontlinepatriot")
    omissions = [item for item in hostile["divergences"] if item["type"] == "omission"]
    assert 2 <= len(omissions) <= MAX_OMISSIONS
    for omission in omissions:
        outlets = {part["outlet"] for part in omission["counterparts"]}
        assert len(outlets) >= 2
        assert not {"Meridian Wire", "The Harbour Gazette"} <= outlets
        assert omission["evidence"]["support"] == str(len(outlets))
    reported = [part["text"] for item in omissions for part in item["counterparts"]]
    assert any("request of Britain, Canada and Germany" in text for text in reported)
    for omission in omissions:
        shown = " ".join(part["text"] for part in omission["counterparts"])
        assert not ("100,000 people" in shown and "422 people in total" in shown)
    assert {"Meridian Wire", "The Daily Ledger", "Northern Courier"} <= set(
        hostile["summary"]["diverging_outlets"]
    )


@pytest.mark.slow
async def test_real_model_keeps_an_unrelated_short_story_out(demo_event: DemoEvent) -> None:
    _, lifespan, ids = demo_event
    budget = await lifespan.runtime.ingest.pipeline.ingest_input(
        ArticleInput(
            url="https://paper.example/budget",
            text=TEXT,
            title="Council passes the budget",
            outlet="Paper",
            published_at=datetime(2026, 11, 10, 9, tzinfo=UTC),
        )
    )
    [evacuation] = set(event_ids(lifespan, list(ids.values())))
    assert event_ids(lifespan, [budget.article_id]) != [evacuation]


async def test_compare_and_the_event_agree_on_wire_copies(
    api: tuple[httpx.AsyncClient, Lifespan],
) -> None:
    client, lifespan = api
    pipeline = lifespan.runtime.ingest.pipeline

    async def publish(url: str, outlet: str, hour: int | None) -> int:
        published = datetime(2026, 11, 10, hour, tzinfo=UTC) if hour is not None else None
        item = ArticleInput(
            url=url, text=TEXT, title="Budget", outlet=outlet, published_at=published
        )
        return (await pipeline.ingest_input(item)).article_id

    # An undated copy reaches the archive first; of the dated ones the wire published earliest.
    undated = await publish("https://blog.example/c", "Blog", None)
    paper = await publish("https://paper.example/b", "Paper", 11)
    wire = await publish("https://wire.example/a", "Wire", 9)
    [event_id] = set(event_ids(lifespan, [undated, paper, wire]))

    event = (await client.get(f"/events/{event_id}")).json()
    by_event = {item["article_id"]: item["wire_copy_of"] for item in event["coverage"]}
    assert by_event == {undated: wire, paper: wire, wire: None}
    for url in ("https://blog.example/c", "https://paper.example/b", "https://wire.example/a"):
        answer = (await client.get("/compare", params={"url": url})).json()
        for item in answer["coverage"]:
            assert item["wire_copy_of"] == by_event[item["article_id"]], url
