from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import httpx
from sqlalchemy import update

from core.db.schema import EventRow
from demo.articles import EVACUATION, RATE_DECISION
from tests.api._support import (
    Lifespan,
    assert_problem,
    event_articles,
    event_ids,
    ingest_demo,
    stored_texts,
)


async def _two_events(lifespan: Lifespan) -> tuple[int, list[int], int, list[int]]:
    """Three evacuation and two rate-decision articles; the ingest pipeline groups each story
    into an event of its own."""
    evacuation = [await ingest_demo(lifespan, a) for a in event_articles(EVACUATION)[:3]]
    rates = [await ingest_demo(lifespan, a) for a in event_articles(RATE_DECISION)[:2]]
    [evacuation_id] = set(event_ids(lifespan, evacuation))
    [rates_id] = set(event_ids(lifespan, rates))
    assert evacuation_id is not None
    assert rates_id is not None
    assert evacuation_id != rates_id
    return evacuation_id, evacuation, rates_id, rates


async def test_events_list_filters_and_pages(api: tuple[httpx.AsyncClient, Lifespan]) -> None:
    client, lifespan = api
    evacuation_id, _, rates_id, _ = await _two_events(lifespan)

    page = (await client.get("/events")).json()
    assert page["total"] == 2
    assert {item["id"] for item in page["items"]} == {evacuation_id, rates_id}
    item = next(item for item in page["items"] if item["id"] == evacuation_id)
    assert item["article_count"] == 3
    assert item["title"]
    assert item["languages"] == ["en"]
    assert len(item["outlets"]) == 3

    first = (await client.get("/events", params={"limit": 1})).json()
    assert len(first["items"]) == 1
    assert first["next_offset"] == 1
    second = (await client.get("/events", params={"limit": 1, "offset": 1})).json()
    assert second["next_offset"] is None
    assert {first["items"][0]["id"], second["items"][0]["id"]} == {evacuation_id, rates_id}

    word = event_articles(RATE_DECISION)[0].title.split()[-1]
    by_text = (await client.get("/events", params={"q": word})).json()
    assert rates_id in [entry["id"] for entry in by_text["items"]]
    outlet = item["outlets"][0]
    by_outlet = (await client.get("/events", params={"outlet": outlet})).json()
    assert evacuation_id in [entry["id"] for entry in by_outlet["items"]]
    assert (await client.get("/events", params={"language": "fr"})).json()["total"] == 0
    assert (await client.get("/events", params={"q": "no%such_title"})).json()["total"] == 0
    future = datetime(2100, 1, 1, tzinfo=UTC).isoformat()
    assert (await client.get("/events", params={"since": future})).json()["total"] == 0
    assert (await client.get("/events", params={"until": "2000-01-01T00:00:00"})).json()[
        "total"
    ] == 0


async def test_event_detail_and_merges(api: tuple[httpx.AsyncClient, Lifespan]) -> None:
    client, lifespan = api
    evacuation_id, evacuation, rates_id, rates = await _two_events(lifespan)
    detail = (await client.get(f"/events/{evacuation_id}")).json()
    assert {item["article_id"] for item in detail["coverage"]} == set(evacuation)
    assert detail["article_count"] == 3
    assert detail["version"] == 3  # bumped by each article that joined
    await _assert_claim_matrix(client, detail, evacuation)

    # An artificial merge, written the way older stores recorded one (only `merged_into` set,
    # the articles left in the absorbed event): the read side must follow it. The pipeline's
    # own grouping never puts a rate decision with an evacuation, hence the hand-made merge.
    # Like every change of membership, it bumps the surviving event's version, which keys
    # what the engine keeps of the event.
    with lifespan.runtime.ingest.sessions.begin() as session:
        session.execute(
            update(EventRow).where(EventRow.id == rates_id).values(merged_into=evacuation_id)
        )
        session.execute(
            update(EventRow)
            .where(EventRow.id == evacuation_id)
            .values(version=EventRow.version + 1)
        )
    merged = (await client.get(f"/events/{evacuation_id}")).json()
    assert {item["article_id"] for item in merged["coverage"]} == set(evacuation) | set(rates)
    assert (await client.get(f"/events/{rates_id}")).json()["id"] == evacuation_id
    assert (await client.get("/events")).json()["total"] == 1
    assert (await client.get(f"/articles/{rates[0]}")).json()["event_id"] == evacuation_id
    comparison = lifespan.runtime.comparer.compare(evacuation[0])
    covered = {item.article_id for item in comparison.coverage}
    assert covered == (set(evacuation) | set(rates)) - {evacuation[0]}
    assert_problem(await client.get("/events/99999"), 404, "not-found")


async def _assert_claim_matrix(
    client: httpx.AsyncClient, detail: dict[str, Any], members: list[int]
) -> None:
    """The event's claims: passages of its own articles, each claim told by two outlets or
    more, with exact offsets (the claim matrix has no focus article: `passage` is null).
    Not empty whatever the embedder: The Harbour Gazette reprints Meridian Wire verbatim."""
    urls = {item["article_id"]: item["url"] for item in detail["coverage"]}
    texts = await stored_texts(client, members)
    assert detail["claims"]
    for claim in detail["claims"]:
        assert claim["passage"] is None
        assert {other["article_id"] for other in claim["others"]} <= set(members)
        assert len({other["outlet"] for other in claim["others"]}) >= 2
        for other in claim["others"]:
            assert other["url"] == urls[other["article_id"]]
            assert texts[other["article_id"]][other["start"] : other["end"]] == other["text"]
            assert 0.0 <= other["similarity"] <= 1.0


async def test_article_detail(api: tuple[httpx.AsyncClient, Lifespan]) -> None:
    client, lifespan = api
    article = event_articles(EVACUATION)[0]
    article_id = await ingest_demo(lifespan, article)
    body = (await client.get(f"/articles/{article_id}")).json()
    assert body["title"] == article.title
    # The pipeline placed the article: alone so far, it starts an event of its own.
    assert body["event_id"] == event_ids(lifespan, [article_id])[0]
    event = (await client.get(f"/events/{body['event_id']}")).json()
    assert [item["article_id"] for item in event["coverage"]] == [article_id]
    assert body["authors"]
    assert body["published_at"]
    for passage in body["passages"]:
        assert body["text"][passage["start"] : passage["end"]] == passage["text"]
    assert_problem(await client.get("/articles/99999"), 404, "not-found")
