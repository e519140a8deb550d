from __future__ import annotations

import httpx

from api.routes.compare import LIGHT_FORM_MAX_BYTES
from comparison.model import DIVERGENCE_TYPES
from demo.articles import EVACUATION, FACTORY_FIRE
from tests.api._support import (
    Lifespan,
    article_html,
    article_url,
    assert_problem,
    bump_event,
    event_articles,
    group_into_event,
    ingest_demo,
)

ARTICLE_KEYS = {"id", "url", "outlet", "title", "published_at", "language", "passages"}
PASSAGE_KEYS = {"id", "index", "start", "end", "text"}
COVERAGE_KEYS = {
    "article_id",
    "url",
    "outlet",
    "title",
    "published_at",
    "same_event_confidence",
    "wire_copy_of",
}


async def _event_of_three(lifespan: Lifespan) -> tuple[list[int], int]:
    ids = [await ingest_demo(lifespan, article) for article in event_articles(EVACUATION)[:3]]
    return ids, group_into_event(lifespan, ids)


async def test_html_form_ingests_a_new_article_and_says_so(
    api: tuple[httpx.AsyncClient, Lifespan],
) -> None:
    client, lifespan = api
    first, *others = event_articles(EVACUATION)[:3]
    other_ids = [await ingest_demo(lifespan, article) for article in others]
    response = await client.post(
        "/compare", json={"url": article_url(first), "html": article_html(first)}
    )
    # Not in an event yet, and refresh is off in tests: an explicit no-coverage problem.
    body = assert_problem(response, 404, "no-coverage")
    article_id = body["article_id"]
    assert body["article_url"] == article_url(first)
    group_into_event(lifespan, [article_id, *other_ids])

    response = await client.post(
        "/compare", json={"url": article_url(first), "html": article_html(first)}
    )
    assert response.status_code == 200, response.text
    answer = response.json()
    assert answer["ingested"] is False
    assert answer["coverage_status"] == "found"
    assert answer["pending"] is None
    assert answer["article"]["id"] == article_id
    assert set(answer["article"]) >= ARTICLE_KEYS
    assert answer["article"]["title"] == first.title
    assert {item["article_id"] for item in answer["coverage"]} == set(other_ids)


async def test_full_answer_follows_the_contract(api: tuple[httpx.AsyncClient, Lifespan]) -> None:
    client, lifespan = api
    ids, _ = await _event_of_three(lifespan)
    response = await client.get(
        "/compare", params={"url": article_url(event_articles(EVACUATION)[0])}
    )
    assert response.status_code == 200, response.text
    answer = response.json()
    article = answer["article"]
    assert article["id"] == ids[0]
    assert article["passages"]
    text = (await client.get(f"/articles/{ids[0]}")).json()["text"]
    for passage in article["passages"]:
        assert set(passage) >= PASSAGE_KEYS
        assert text[passage["start"] : passage["end"]] == passage["text"]
    assert len(answer["coverage"]) == 2
    for item in answer["coverage"]:
        assert set(item) >= COVERAGE_KEYS
        assert 0.0 <= item["same_event_confidence"] <= 1.0
    assert answer["claims"] == []
    assert answer["divergences"] == []
    assert set(answer["summary"]["counts"]) == set(DIVERGENCE_TYPES)
    assert {"agreeing_outlets", "diverging_outlets"} <= set(answer["summary"])
    meta = answer["meta"]
    assert meta["engine"] == "store-interim-1"
    assert meta["model"].startswith("test-double/")
    assert meta["index_version"]
    assert meta["cached"] is False
    assert set(meta["timings_ms"]) == {"resolve", "compare", "total"}


async def test_etag_304_cache_and_invalidation(api: tuple[httpx.AsyncClient, Lifespan]) -> None:
    client, lifespan = api
    _, event_id = await _event_of_three(lifespan)
    params = {"url": article_url(event_articles(EVACUATION)[0])}
    first = await client.get("/compare", params=params)
    etag = first.headers["etag"]
    assert etag.startswith('W/"')
    assert first.json()["meta"]["cached"] is False

    second = await client.get("/compare", params=params)
    assert second.headers["etag"] == etag
    assert second.json()["meta"]["cached"] is True

    not_modified = await client.get("/compare", params=params, headers={"If-None-Match": etag})
    assert not_modified.status_code == 304
    assert not_modified.content == b""
    other_form = await client.get(
        "/compare", params={**params, "fields": "summary"}, headers={"If-None-Match": etag}
    )
    assert other_form.status_code == 200

    bump_event(lifespan, event_id)  # an article joined the event
    changed = await client.get("/compare", params=params, headers={"If-None-Match": etag})
    assert changed.status_code == 200
    assert changed.headers["etag"] != etag
    assert changed.json()["meta"]["cached"] is False


async def test_light_form_is_small(api: tuple[httpx.AsyncClient, Lifespan]) -> None:
    client, lifespan = api
    await _event_of_three(lifespan)
    response = await client.get(
        "/compare",
        params={"url": article_url(event_articles(EVACUATION)[0]), "fields": "summary"},
    )
    assert response.status_code == 200, response.text
    assert len(response.content) < 5 * 1024
    body = response.json()
    assert body["coverage_count"] == 2
    assert body["article"]["title"] == event_articles(EVACUATION)[0].title
    assert set(body) >= {"summary", "highlights", "outlets", "coverage_status", "meta"}


async def test_text_form(api: tuple[httpx.AsyncClient, Lifespan]) -> None:
    client, lifespan = api
    article = event_articles(FACTORY_FIRE)[0]
    payload = {
        "text": "\n\n".join(article.paragraphs),
        "title": article.title,
        "outlet": "Pasted Outlet",
        "published_at": "2026-11-12T08:00:00",
    }
    body = assert_problem(await client.post("/compare", json=payload), 404, "no-coverage")
    pasted_id = body["article_id"]
    other = await ingest_demo(lifespan, event_articles(FACTORY_FIRE)[1])
    group_into_event(lifespan, [pasted_id, other])
    response = await client.post("/compare", json=payload)
    assert response.status_code == 200, response.text
    answer = response.json()
    assert answer["ingested"] is False  # the same text again: already stored
    assert answer["article"]["outlet"] == "Pasted Outlet"
    assert answer["article"]["published_at"].startswith("2026-11-12T08:00:00")
    assert answer["article"]["url"].startswith("https://pasted.parallax.invalid/")


async def test_text_form_first_answer_says_ingested(
    api: tuple[httpx.AsyncClient, Lifespan],
) -> None:
    client, lifespan = api
    other = await ingest_demo(lifespan, event_articles(FACTORY_FIRE)[1])
    event_id = group_into_event(lifespan, [other])
    # Coverage appears only via the event; here the pasted article has none, so the answer is
    # the problem, whose article_id points at the new row.
    payload = {"text": "A short pasted report.\n\nIt has two paragraphs.", "title": "Pasted"}
    body = assert_problem(await client.post("/compare", json=payload), 404, "no-coverage")
    assert body["article_id"] > other
    assert event_id > 0


async def test_not_an_article(client: httpx.AsyncClient) -> None:
    response = await client.post(
        "/compare",
        json={
            "url": "https://news.example/empty",
            "html": "<html><body><nav>Home</nav></body></html>",
        },
    )
    assert_problem(response, 422, "not-an-article")


async def test_light_form_caps_highlights_under_5kb() -> None:
    from api.routes.compare import light_form
    from api.schemas import (
        ArticleOut,
        CompareResponse,
        CounterpartOut,
        DivergenceOut,
        MetaOut,
        PassageOut,
        SummaryOut,
    )

    passage = PassageOut(id=1, index=0, start=0, end=10, text="x" * 10)
    divergence = DivergenceOut(
        type="numeric",
        confidence=0.9,
        passage=passage,
        counterparts=[CounterpartOut(article_id=2, outlet="o", url="u", start=0, end=1, text="y")],
    )
    full = CompareResponse(
        article=ArticleOut(
            id=1,
            url="https://a/" + "p" * 3000,
            outlet="O" * 500,
            title="T" * 5000,
            published_at=None,
            language="en",
            passages=[passage],
        ),
        coverage=[],
        claims=[],
        divergences=[divergence] * 2000,
        summary=SummaryOut(diverging_outlets=[f"outlet-{n}" * 5 for n in range(300)]),
        ingested=True,
        coverage_status="found",
        meta=MetaOut(
            model="m",
            index_version="v",
            engine="e",
            cached=False,
            timings_ms={"resolve": 1.0, "compare": 1.0, "total": 2.0},
        ),
    )
    light = light_form(full)
    assert len(light.model_dump_json()) <= LIGHT_FORM_MAX_BYTES
    assert light.highlights
