"""Inputs that once answered 500 or a misleading error: each gets a clear problem."""

from __future__ import annotations

import sqlite3
from collections.abc import Callable

import pytest

from core.config import Settings
from tests.api._support import assert_problem, running

TEXT = "The council said the bridge would reopen on Monday after two weeks of repairs."


@pytest.mark.parametrize("published_at", ["9999-12-31T23:59:59-14:00", "0001-01-01T00:00:00+14:00"])
async def test_a_date_out_of_range_in_utc_is_refused(
    api_settings: Callable[..., Settings], published_at: str
) -> None:
    async with running(api_settings()) as (client, _):
        response = await client.post("/compare", json={"text": TEXT, "published_at": published_at})
        body = assert_problem(response, 422, "validation")
        assert "out of range" in body["detail"]
        for bound in ("since", "until"):
            listed = await client.get("/events", params={bound: published_at})
            assert "out of range" in assert_problem(listed, 422, "validation")["detail"]


async def test_a_wrong_type_names_the_field_sent(api_settings: Callable[..., Settings]) -> None:
    async with running(api_settings()) as (client, _):
        body = assert_problem(await client.post("/compare", json={"text": 5}), 422, "validation")
        assert body["detail"] == "body.CompareByText.text: Input should be a valid string"
        page = await client.post("/compare", json={"url": "https://news.example/a", "html": 5})
        assert "html" in assert_problem(page, 422, "validation")["detail"]


async def test_urls_longer_than_the_store_holds_are_refused_by_the_schema(
    api_settings: Callable[..., Settings],
) -> None:
    url = "https://news.example/" + "a" * 8000
    async with running(api_settings()) as (client, _):
        body = assert_problem(await client.post("/compare", json={"url": url}), 422, "validation")
        assert "2000" in body["detail"]
        schema = (await client.get("/openapi.json")).json()["components"]["schemas"]
        assert schema["CompareByUrl"]["properties"]["url"]["maxLength"] == 2000


async def test_a_write_behind_a_long_one_answers_503_with_retry_after(
    api_settings: Callable[..., Settings],
) -> None:
    settings = api_settings(store_busy_timeout=0.2)
    async with running(settings) as (client, _):
        holder = sqlite3.connect(settings.data_dir / "parallax.db", timeout=5)
        try:
            holder.execute("BEGIN IMMEDIATE")
            response = await client.post("/ingest", json={"urls": ["https://news.example/a"]})
            body = assert_problem(response, 503, "store-busy")
            assert int(response.headers["retry-after"]) >= 1
            assert body["retry_after"] >= 1
        finally:
            holder.rollback()
            holder.close()
        again = await client.post("/ingest", json={"urls": ["https://news.example/a"]})
        assert again.status_code == 202
