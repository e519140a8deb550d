"""The dashboard's pages and parts over HTTP (the browser tests drive them in Chromium), the
offline API docs, and the text anchors an extension needs in /compare answers."""

from __future__ import annotations

import itertools
import re
from collections.abc import Callable

import httpx
from markupsafe import escape

from api.dashboard.routes import templates
from api.schemas import ArticleOut, ComparisonView, SummaryOut
from api.security import generate_api_key
from core.config import Settings
from tests.api._support import Lifespan, event_of_three, running

HTML = "text/html"


async def test_the_pages_load_their_parts_and_need_nothing_from_the_internet(
    api: tuple[httpx.AsyncClient, Lifespan],
) -> None:
    client, _ = api
    for path in (
        "/",
        "/ui/compare",
        "/ui/events/1",
        "/ui/articles/1?start=0&end=5",
        "/docs",
        "/redoc",
    ):
        page = await client.get(path)
        assert page.status_code == 200, path
        assert page.headers["content-type"].startswith(HTML)
        sources = re.findall(r'(?:src|href)="([^"]+)"', page.text)
        assert not [s for s in sources if s.startswith(("http:", "https:", "//"))], path
        for asset in (s for s in sources if s.startswith("/static/")):
            assert (await client.get(asset)).status_code == 200, asset


async def test_the_events_part_lists_and_filters_events(
    api: tuple[httpx.AsyncClient, Lifespan],
) -> None:
    client, lifespan = api
    _, event_id = await event_of_three(lifespan)
    part = await client.get("/ui/parts/events")
    assert part.status_code == 200
    assert f'href="/ui/events/{event_id}"' in part.text
    assert "1 event" in part.text
    empty = await client.get("/ui/parts/events", params={"q": "no such words anywhere"})
    assert "0 events" in empty.text
    count = await client.get(f"/ui/parts/events/{event_id}/differences")
    assert count.text.isdigit()


async def test_the_event_part_shows_the_matrix_and_reads_a_passage_in_its_article(
    api: tuple[httpx.AsyncClient, Lifespan],
) -> None:
    client, lifespan = api
    ids, event_id = await event_of_three(lifespan)
    part = await client.get(f"/ui/parts/events/{event_id}")
    assert part.status_code == 200
    assert part.text.count('<th scope="col"') >= 1 + len(ids)
    assert f"/events/{event_id}/claims.csv" in part.text
    cell = re.search(r'hx-get="/ui/parts/articles/(\d+)\?start=(\d+)&amp;end=(\d+)"', part.text)
    assert cell is not None
    article_id, start, end = (int(group) for group in cell.groups())
    text = (await client.get(f"/articles/{article_id}")).json()["text"]
    reading = await client.get(
        f"/ui/parts/articles/{article_id}", params={"start": start, "end": end}
    )
    marked = re.search(r'<mark id="passage">(.*?)</mark>', reading.text, re.S)
    assert marked is not None
    assert marked.group(1) == str(escape(text[start:end]))

    filtered = await client.get(f"/ui/parts/events/{event_id}", params={"outlet": "nobody"})
    assert "No claim is reported by two of the outlets shown" in filtered.text


async def test_the_compare_part_refuses_an_empty_form(
    api: tuple[httpx.AsyncClient, Lifespan],
) -> None:
    client, _ = api
    answer = await client.post("/ui/parts/compare", data={"url": "", "text": ""})
    assert answer.status_code == 422


async def test_with_keys_required_pages_open_and_parts_ask_for_the_key(
    api_settings: Callable[..., Settings],
) -> None:
    key, digest = generate_api_key()
    settings = api_settings(api_keys_required=True, api_key_hashes=[digest])
    async with running(settings) as (client, _):
        assert (await client.get("/")).status_code == 200
        assert (await client.get("/ui/parts/events")).status_code == 401
        answer = await client.get("/ui/parts/events", headers={"X-API-Key": key})
        assert answer.status_code == 200


async def test_compare_passages_carry_their_neighbours_as_text_quote_anchors(
    api: tuple[httpx.AsyncClient, Lifespan],
) -> None:
    client, lifespan = api
    ids, _ = await event_of_three(lifespan)
    article = (await client.get(f"/articles/{ids[0]}")).json()
    answer = await client.get("/compare", params={"url": article["url"]})
    assert answer.status_code == 200, answer.text
    passages = answer.json()["article"]["passages"]
    assert passages[0]["prefix"] == ""
    assert passages[-1]["suffix"] == ""
    for before, passage in itertools.pairwise(passages):
        assert passage["prefix"] == before["text"][-32:]
        assert before["suffix"] == passage["text"][:32]
    light = await client.get("/compare", params={"url": article["url"], "fields": "summary"})
    for highlight in light.json()["highlights"]:
        own = next(p for p in passages if p["start"] == highlight["start"])
        assert (highlight["exact"], highlight["prefix"], highlight["suffix"]) == (
            own["text"],
            own["prefix"],
            own["suffix"],
        )


def _compare_part(summary: SummaryOut) -> str:
    article = ArticleOut(
        id=1, url="https://a.example/1", outlet="A", title="T", published_at=None, language="en"
    )
    answer = ComparisonView(
        article=article, coverage=[], claims=[], divergences=[], summary=summary
    )
    return templates.get_template("comparison.html").render(answer=answer)


def test_the_compare_part_says_why_no_difference_leads() -> None:
    counts = {"numeric": 0, "contradiction": 0, "unique_claim": 1, "omission": 2, "framing": 0,
              "attribution": 0}  # fmt: skip
    agreeing = _compare_part(SummaryOut(counts=counts, shared=0.62, accounts_agree=True))
    assert (
        "The accounts agree: this article states 62% of what the other outlets report, and "
        "differs from them in 3 places."
    ) in " ".join(agreeing.split())
    alone = _compare_part(SummaryOut(shared=0.12, accounts_agree=True))
    assert "other outlets report, and no difference was found." in " ".join(alone.split())
    quiet = _compare_part(SummaryOut(shared=0.1, accounts_agree=False))
    assert "none found is likely enough to lead" in quiet
    assert "The accounts agree" not in quiet
