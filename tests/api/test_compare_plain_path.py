"""GET /compare's plain path (`api.plain_route`) answers as the route's declared parameters do.

Each request is sent twice: as is, which the plain path answers, and with its `url` repeated,
which the plain path leaves to FastAPI (FastAPI takes the last of repeated values, so the request
means the same). Both must get the same status, body and headers: 200 in both forms, 304, 401,
429 and a refused address included.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import httpx
import pytest

import api.routes.compare
from api.deps import Runtime, get_runtime
from api.security import generate_api_key
from core.config import Settings
from demo.articles import EVACUATION
from ingest.urls import MAX_URL_LENGTH
from tests.api._support import article_url, assert_problem, event_articles, event_of_three, running

# Compared by value; the rest (Retry-After and X-RateLimit-Reset count time) by presence.
_SAME_VALUE = ("content-type", "etag", "www-authenticate", "x-ratelimit-limit")
_SAME_PRESENCE = ("retry-after", "x-ratelimit-remaining", "x-ratelimit-reset", "content-length")

Params = list[tuple[str, str]]


@pytest.fixture
def plain_answers(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The URLs the plain path took up: it alone reaches the runtime through this name."""
    taken: list[str] = []

    async def counted(request: Any) -> Runtime:
        taken.append(request.query_params["url"])
        return await get_runtime(request)

    monkeypatch.setattr(api.routes.compare, "get_runtime", counted)
    return taken


def _declared(params: Params) -> Params:
    url = next(value for name, value in params if name == "url")
    return [("url", url), *params]


def _comparable(response: httpx.Response) -> tuple[int, dict[str, str], set[str], Any]:
    headers = {name: response.headers[name] for name in _SAME_VALUE if name in response.headers}
    present = {name for name in _SAME_PRESENCE if name in response.headers}
    body: Any = response.json() if response.content else None
    if isinstance(body, dict) and "meta" in body:
        body["meta"].pop("timings_ms")
    return response.status_code, headers, present, body


async def test_the_plain_path_answers_as_the_declared_parameters_do(
    api_settings: Callable[..., Settings], plain_answers: list[str]
) -> None:
    plain_key, plain_digest = generate_api_key()
    declared_key, declared_digest = generate_api_key()
    warming_key, warming_digest = generate_api_key()
    settings = api_settings(
        api_keys_required=True,
        api_key_hashes=[plain_digest, declared_digest, warming_digest],
        rate_limit_per_minute=1,
        rate_limit_burst=6,
        allowed_private_hosts=[],
    )
    async with running(settings) as (client, lifespan):
        await event_of_three(lifespan)
        url = article_url(event_articles(EVACUATION)[0])
        warm = await client.get("/compare", params={"url": url}, headers={"X-API-Key": warming_key})
        etag = warm.headers["etag"]
        plain_answers.clear()

        async def both(params: Params, headers: dict[str, str]) -> httpx.Response:
            plain = await client.get("/compare", params=params, headers=headers)
            if headers.get("X-API-Key") == plain_key:
                headers = {**headers, "X-API-Key": declared_key}
            declared = await client.get("/compare", params=_declared(params), headers=headers)
            assert _comparable(plain) == _comparable(declared), (params, headers)
            return plain

        assert_problem(await both([("url", url)], {}), 401, "unauthorized")
        for wrong in ("", plain_key + "x"):
            assert_problem(await both([("url", url)], {"X-API-Key": wrong}), 401, "unauthorized")
        keyed = {"X-API-Key": plain_key}
        full = await both([("url", url)], keyed)
        assert full.status_code == 200
        assert full.json()["meta"]["cached"] is True
        assert full.headers["etag"] == etag
        summary = await both([("url", url), ("fields", "summary")], keyed)
        assert summary.status_code == 200
        assert "highlights" in summary.json()
        unchanged = await both([("url", url)], {**keyed, "If-None-Match": etag})
        assert unchanged.status_code == 304
        assert unchanged.content == b""
        refused = await both([("url", "http://127.0.0.1/admin")], keyed)
        assert_problem(refused, 403, "refused-address")
        await both([("url", url)], keyed)
        await both([("url", url)], keyed)
        assert_problem(await both([("url", url)], keyed), 429, "rate-limited")
    assert len(plain_answers) == 10, "the plain path answered every first request of a pair"


@pytest.mark.parametrize(
    ("params", "headers"),
    [
        ({}, {}),
        ({"url": ""}, {}),
        ({"url": "https://news.example/" + "a" * MAX_URL_LENGTH}, {}),
        ({"url": "https://news.example/a", "fields": "everything"}, {}),
        ({"url": "https://news.example/a"}, {"If-None-Match": '"' + "e" * 1000 + '"'}),
    ],
    ids=["no-url", "empty-url", "long-url", "unknown-fields", "long-if-none-match"],
)
async def test_what_the_plain_path_does_not_recognise_fastapi_refuses(
    client: httpx.AsyncClient,
    plain_answers: list[str],
    params: dict[str, str],
    headers: dict[str, str],
) -> None:
    assert_problem(await client.get("/compare", params=params, headers=headers), 422, "validation")
    assert plain_answers == []
