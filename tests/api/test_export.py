from __future__ import annotations

import csv
import io
from datetime import UTC, datetime

import httpx

from api.export import CLAIM_COLUMNS, EVENT_COLUMNS, spreadsheet_cell
from demo.articles import EVACUATION, RATE_DECISION
from tests.api._support import (
    Lifespan,
    assert_problem,
    event_articles,
    event_ids,
    ingest_demo,
    stored_texts,
)


def _rows(response: httpx.Response) -> list[dict[str, str]]:
    assert response.status_code == 200, response.text
    assert response.headers["content-type"] == "text/csv; charset=utf-8"
    assert response.headers["content-disposition"].startswith("attachment; filename=")
    return list(csv.DictReader(io.StringIO(response.content.decode("utf-8"))))


def test_cells_that_a_spreadsheet_would_run_are_kept_as_text() -> None:
    for hostile in ('=HYPERLINK("https://evil.example")', "+1", "-2+3", "@SUM(A1)", "\t=1"):
        assert spreadsheet_cell(hostile) == "'" + hostile
    assert spreadsheet_cell("Israel evacuated 422 people") == "Israel evacuated 422 people"
    assert spreadsheet_cell("a = b") == "a = b"
    assert spreadsheet_cell(None) == ""
    assert spreadsheet_cell(0.5) == "0.5"
    when = datetime(2018, 7, 22, 9, tzinfo=UTC)
    assert spreadsheet_cell(when) == "2018-07-22T09:00:00+00:00"


async def test_events_export_matches_the_listing(api: tuple[httpx.AsyncClient, Lifespan]) -> None:
    client, lifespan = api
    evacuation = [await ingest_demo(lifespan, a) for a in event_articles(EVACUATION)[:3]]
    rates = [await ingest_demo(lifespan, a) for a in event_articles(RATE_DECISION)[:2]]
    [evacuation_id] = set(event_ids(lifespan, evacuation))
    [rates_id] = set(event_ids(lifespan, rates))

    response = await client.get("/events.csv")
    rows = _rows(response)
    assert tuple(rows[0]) == EVENT_COLUMNS
    listing = (await client.get("/events")).json()
    assert response.headers["x-total-count"] == str(listing["total"]) == "2"
    assert [int(row["event_id"]) for row in rows] == [item["id"] for item in listing["items"]]
    for row, item in zip(rows, listing["items"], strict=True):
        assert row["title"] == item["title"]
        assert row["outlets"].split("; ") == item["outlets"]
        assert int(row["article_count"]) == item["article_count"]
        assert datetime.fromisoformat(row["first_published_at"]) == datetime.fromisoformat(
            item["first_published_at"].replace("Z", "+00:00")
        )

    outlet = next(row for row in rows if int(row["event_id"]) == rates_id)["outlets"].split("; ")
    filtered = _rows(await client.get("/events.csv", params={"outlet": outlet[0], "limit": 1}))
    assert [int(row["event_id"]) for row in filtered] == [rates_id]
    second = _rows(await client.get("/events.csv", params={"limit": 1, "offset": 1}))
    assert [int(row["event_id"]) for row in second] == [item["id"] for item in listing["items"][1:]]
    assert evacuation_id in {int(row["event_id"]) for row in rows}
    empty = await client.get("/events.csv", params={"language": "fr"})
    assert _rows(empty) == []
    assert empty.text.strip() == ",".join(EVENT_COLUMNS)
    assert_problem(await client.get("/events.csv", params={"limit": 0}), 422, "validation")


async def test_claims_export_is_the_claim_matrix_in_long_form(
    api: tuple[httpx.AsyncClient, Lifespan],
) -> None:
    client, lifespan = api
    members = [await ingest_demo(lifespan, a) for a in event_articles(EVACUATION)[:3]]
    [event_id] = set(event_ids(lifespan, members))

    response = await client.get(f"/events/{event_id}/claims.csv")
    rows = _rows(response)
    assert f'filename="event-{event_id}-claims.csv"' in response.headers["content-disposition"]
    assert tuple(rows[0]) == CLAIM_COLUMNS
    detail = (await client.get(f"/events/{event_id}")).json()
    expected = [
        (claim["id"], other["article_id"], other["passage_id"], other["start"], other["end"])
        for claim in detail["claims"]
        for other in claim["others"]
    ]
    assert expected
    assert [
        (
            int(row["claim_id"]),
            int(row["article_id"]),
            int(row["passage_id"]),
            int(row["start"]),
            int(row["end"]),
        )
        for row in rows
    ] == expected
    texts = await stored_texts(client, members)
    for row in rows:
        passage = texts[int(row["article_id"])][int(row["start"]) : int(row["end"])]
        assert row["text"] == spreadsheet_cell(passage)
        assert 0.0 <= float(row["similarity"]) <= 1.0
    assert_problem(await client.get("/events/99999/claims.csv"), 404, "not-found")
