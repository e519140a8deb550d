"""An edited reprint through /compare: its source, exactly the edits made, with offsets.

The Harbour Gazette republishes Meridian Wire's evacuation story under the store's near-duplicate
distance; a second copy changes a figure and a word. Found by diff, not by the embedder, so the
hashing test double serves.
"""

from __future__ import annotations

from dataclasses import replace
from typing import Any

import httpx

from demo.articles import EVACUATION
from demo.articles.evacuation import MERIDIAN_PARAGRAPHS
from ingest.dedupe import NEAR_DUPLICATE_DISTANCE, hamming, simhash
from tests.api._support import Lifespan, article_url, event_articles, event_ids, ingest_demo

FIGURE = ("422 people had entered", "522 people had entered")
WORD = ("the volunteer rescue group", "the militant group")


def _edited(paragraphs: tuple[str, ...], *changes: tuple[str, str]) -> tuple[str, ...]:
    text = "\n\n".join(paragraphs)
    for old, new in changes:
        assert text.count(old) == 1, old
        text = text.replace(old, new)
    return tuple(text.split("\n\n"))


async def _answer(client: httpx.AsyncClient, url: str) -> dict[str, Any]:
    response = await client.get("/compare", params={"url": url})
    assert response.status_code == 200, response.text
    answer: dict[str, Any] = response.json()
    return answer


async def test_a_copy_with_a_changed_figure_and_word_shows_exactly_those_two_edits(
    api: tuple[httpx.AsyncClient, Lifespan],
) -> None:
    client, lifespan = api
    meridian, gazette = event_articles(EVACUATION)[:2]
    copy = replace(
        gazette,
        outlet="northerncourier",
        path="2026/11/08/rescuers-cross-into-halvira",
        paragraphs=_edited(MERIDIAN_PARAGRAPHS, FIGURE, WORD),
    )
    source_id = await ingest_demo(lifespan, meridian)
    copy_id = await ingest_demo(lifespan, copy)

    answer = await _answer(client, article_url(copy))
    [reprint] = answer["reprints"]
    assert reprint["source"]["article_id"] == source_id
    assert reprint["reprint"]["article_id"] == copy_id
    assert not reprint["unchanged"]
    edits = reprint["edits_from_source"]
    assert [(e["kind"], e["source"]["text"], e["reprint"]["text"], e["loaded"]) for e in edits] == [
        ("wording", "volunteer rescue", "militant", True),
        ("figure", "422", "522", False),
    ]
    source_text = "\n\n".join(MERIDIAN_PARAGRAPHS)
    copy_text = "\n\n".join(copy.paragraphs)
    for edit in edits:
        assert (
            source_text[edit["source"]["start"] : edit["source"]["end"]] == edit["source"]["text"]
        )
        assert (
            copy_text[edit["reprint"]["start"] : edit["reprint"]["end"]] == edit["reprint"]["text"]
        )
    assert {c["article_id"]: c["wire_copy_of"] for c in answer["coverage"]} == {source_id: None}
    numeric = [d for d in answer["divergences"] if d["type"] == "numeric"]
    assert [
        (d["passage"]["text"].count("522"), d["counterparts"][0]["article_id"]) for d in numeric
    ] == [(1, source_id)]
    assert answer["key_differences"][0]["type"] == "numeric"

    from_source = await _answer(client, article_url(meridian))
    [seen] = from_source["reprints"]
    assert (seen["source"]["article_id"], seen["reprint"]["article_id"]) == (source_id, copy_id)
    assert [e["kind"] for e in seen["edits_from_source"]] == ["wording", "figure"]


async def test_an_unchanged_reprint_says_so_and_no_copied_sentence_is_unique(
    api: tuple[httpx.AsyncClient, Lifespan],
) -> None:
    client, lifespan = api
    meridian, gazette = event_articles(EVACUATION)[:2]
    verbatim = replace(gazette, paragraphs=MERIDIAN_PARAGRAPHS)
    source_id = await ingest_demo(lifespan, meridian)
    await ingest_demo(lifespan, verbatim)

    answer = await _answer(client, article_url(verbatim))
    [reprint] = answer["reprints"]
    assert reprint["source"]["article_id"] == source_id
    assert reprint["unchanged"]
    assert reprint["edits_from_source"] == []
    assert answer["divergences"] == []


async def test_a_copy_edited_past_the_simhash_distance_is_marked_a_reprint_at_ingest(
    api: tuple[httpx.AsyncClient, Lifespan],
) -> None:
    client, lifespan = api
    meridian, gazette = event_articles(EVACUATION)[:2]
    heavy = _edited(
        MERIDIAN_PARAGRAPHS,
        WORD,
        ("many of them former builders, tailors and teachers", "many of them former workers"),
    )[:-2]
    source_text, copy_text = "\n\n".join(MERIDIAN_PARAGRAPHS), "\n\n".join(heavy)
    assert hamming(simhash(source_text), simhash(copy_text)) > NEAR_DUPLICATE_DISTANCE
    copy = replace(gazette, paragraphs=heavy)
    source_id = await ingest_demo(lifespan, meridian)
    copy_id = await ingest_demo(lifespan, copy)

    [event_id] = set(event_ids(lifespan, [source_id, copy_id]))
    detail = (await client.get(f"/events/{event_id}")).json()
    assert {c["article_id"]: c["wire_copy_of"] for c in detail["coverage"]} == {
        source_id: None,
        copy_id: source_id,
    }
    answer = await _answer(client, article_url(meridian))
    assert {c["article_id"]: c["wire_copy_of"] for c in answer["coverage"]} == {copy_id: source_id}
    [reprint] = answer["reprints"]
    assert sorted(e["kind"] for e in reprint["edits_from_source"]) == [
        *["sentence_removed"] * 4,
        "wording",
        "wording",
    ]
