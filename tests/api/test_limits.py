"""Body size limits, malformed bodies, API keys, rate limits and CORS."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from pathlib import Path

import httpx

from api.security import generate_api_key, hash_api_key
from core.config import Settings
from tests.api._support import assert_problem, running


async def test_declared_oversized_body_is_refused_unread(
    api_settings: Callable[..., Settings],
) -> None:
    async with running(api_settings(max_request_bytes=1000)) as (client, lifespan):
        response = await client.post(
            "/compare", json={"url": "https://news.example/a", "html": "x" * 5000}
        )
        body = assert_problem(response, 413, "payload-too-large")
        assert body["limit"] == 1000
        assert (
            lifespan.runtime.metrics.registry.get_sample_value(
                "parallax_api_ingests_total", {"source": "compare", "outcome": "ingested"}
            )
            is None
        )


async def test_streamed_oversized_body_is_cut_off(api_settings: Callable[..., Settings]) -> None:
    async def chunks() -> AsyncIterator[bytes]:
        yield b'{"url": "https://news.example/a", "html": "'
        for _ in range(50):
            yield b"x" * 100
        yield b'"}'

    async with running(api_settings(max_request_bytes=1000)) as (client, _):
        response = await client.post(
            "/compare", content=chunks(), headers={"Content-Type": "application/json"}
        )
        assert_problem(response, 413, "payload-too-large")
        small = await client.post("/compare", json={"url": "file:///etc/passwd"})
        assert_problem(small, 400, "invalid-url")


async def test_malformed_and_wrong_bodies(api_settings: Callable[..., Settings]) -> None:
    async with running(api_settings()) as (client, _):
        broken = await client.post(
            "/compare", content=b'{"url": ', headers={"Content-Type": "application/json"}
        )
        assert_problem(broken, 400, "malformed-body")
        for payload in (
            {},
            {"url": 5},
            {"html": "<p>x</p>"},
            {"url": "https://a.example", "x": 1},
            {"text": ""},
            [1, 2],
            "just a string",
        ):
            response = await client.post("/compare", json=payload)
            body = assert_problem(response, 422, "validation")
            assert body["errors"]
        assert_problem(await client.post("/ingest", json={"urls": []}), 422, "validation")
        assert_problem(await client.get("/compare"), 422, "validation")
        assert_problem(
            await client.get("/compare", params={"url": "https://a.example", "fields": "all"}),
            422,
            "validation",
        )
        assert_problem(await client.get("/articles/0"), 422, "validation")
        assert_problem(await client.get("/events", params={"limit": 1000}), 422, "validation")


async def test_keys_are_required_when_configured(
    api_settings: Callable[..., Settings], tmp_path: Path
) -> None:
    key, digest = generate_api_key()
    other_key, other_digest = generate_api_key()
    assert digest == hash_api_key(key)
    keys_file = tmp_path / "keys.txt"
    keys_file.write_text(f"# the reader extension\n{other_digest}\n", encoding="utf-8")
    settings = api_settings(
        api_keys_required=True, api_key_hashes=[digest], api_keys_file=keys_file
    )
    async with running(settings) as (client, _):
        missing = await client.get("/outlets")
        assert_problem(missing, 401, "unauthorized")
        assert missing.headers["www-authenticate"].startswith("ApiKey")
        wrong = await client.get("/outlets", headers={"X-API-Key": key + "x"})
        assert_problem(wrong, 401, "unauthorized")
        for good in (key, other_key):
            assert (await client.get("/outlets", headers={"X-API-Key": good})).status_code == 200
        assert (await client.get("/healthz")).status_code == 200
        assert (await client.get("/readyz")).status_code == 200
        refused = await client.post("/compare", json={"url": "file:///etc/passwd"})
        assert_problem(refused, 401, "unauthorized")


async def test_a_wrong_key_is_refused_even_when_keys_are_optional(
    api_settings: Callable[..., Settings],
) -> None:
    async with running(api_settings()) as (client, _):
        assert (await client.get("/outlets")).status_code == 200
        wrong = await client.get("/outlets", headers={"X-API-Key": "plx_nope"})
        assert_problem(wrong, 401, "unauthorized")


async def test_rate_limit_headers_and_429(api_settings: Callable[..., Settings]) -> None:
    key, digest = generate_api_key()
    settings = api_settings(rate_limit_per_minute=60, rate_limit_burst=3, api_key_hashes=[digest])
    async with running(settings) as (client, _):
        statuses = []
        for _ in range(4):
            response = await client.get("/outlets")
            statuses.append(response.status_code)
            assert response.headers["x-ratelimit-limit"] == "60"
            assert "x-ratelimit-remaining" in response.headers
            assert "x-ratelimit-reset" in response.headers
        assert statuses == [200, 200, 200, 429]
        body = assert_problem(response, 429, "rate-limited")
        assert int(response.headers["retry-after"]) >= 1
        assert body["retry_after"] == int(response.headers["retry-after"])
        assert response.headers["x-ratelimit-remaining"] == "0"
        # Another caller (a key) has its own bucket; health checks are never limited.
        assert (await client.get("/outlets", headers={"X-API-Key": key})).status_code == 200
        assert (await client.get("/healthz")).status_code == 200


async def test_cors_allowlist(api_settings: Callable[..., Settings]) -> None:
    async with running(api_settings(cors_allow_origins=["https://reader.example"])) as (client, _):
        preflight = await client.options(
            "/compare",
            headers={
                "Origin": "https://reader.example",
                "Access-Control-Request-Method": "POST",
                "Access-Control-Request-Headers": "content-type,x-api-key",
            },
        )
        assert preflight.status_code == 200
        assert preflight.headers["access-control-allow-origin"] == "https://reader.example"
        simple = await client.get("/healthz", headers={"Origin": "https://reader.example"})
        assert simple.headers["access-control-allow-origin"] == "https://reader.example"
        exposed = simple.headers["access-control-expose-headers"]
        assert "ETag" in exposed
        assert "X-Total-Count" in exposed, "a dashboard pages through /events.csv by it"
        stranger = await client.get("/healthz", headers={"Origin": "https://evil.example"})
        assert "access-control-allow-origin" not in stranger.headers


async def test_no_cors_headers_without_an_allowlist(client: httpx.AsyncClient) -> None:
    response = await client.get("/healthz", headers={"Origin": "https://reader.example"})
    assert "access-control-allow-origin" not in response.headers


async def test_forwarded_for_is_trusted_only_from_configured_proxies(
    api_settings: Callable[..., Settings],
) -> None:
    loopback = ("127.0.0.1", 50000)
    limited = api_settings(rate_limit_per_minute=60, rate_limit_burst=2)
    async with running(limited, client_address=loopback) as (client, _):
        statuses = [
            (
                await client.get("/outlets", headers={"X-Forwarded-For": f"198.51.100.{n}"})
            ).status_code
            for n in range(3)
        ]
        assert statuses == [200, 200, 429]
    proxied = api_settings(
        rate_limit_per_minute=60, rate_limit_burst=2, trusted_proxies="127.0.0.1"
    )
    async with running(proxied, client_address=loopback) as (client, _):
        for n in range(3):
            response = await client.get("/outlets", headers={"X-Forwarded-For": f"198.51.100.{n}"})
            assert response.status_code == 200
