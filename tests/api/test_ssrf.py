"""SSRF attempts through /compare and /ingest, with the private-address allowlist empty."""

from __future__ import annotations

import socket
from collections.abc import AsyncIterator, Callable

import httpx
import pytest
from pytest_httpserver import HTTPServer

import ingest.ssrf
from core.config import Settings
from tests.api._support import Lifespan, assert_problem, running

REFUSED = [
    "http://127.0.0.1/admin",
    "http://169.254.169.254/latest/meta-data/",
    "http://2130706433/",
    "http://0x7f.0.0.1/",
    "http://0177.0.0.1/",
    "http://[::1]/",
    "http://[::ffff:127.0.0.1]/",
    "http://localhost:8080/",
    "http://10.0.0.5/",
]
NOT_HTTP = ["file:///etc/passwd", "ftp://news.example/a", "javascript:alert(1)", "gopher://x:25/"]
INVALID = [
    "not a url",
    "/relative/path",
    "http://user:secret@news.example/",
    "http:\\\\news.example\\a",
]


@pytest.fixture
async def closed(
    api_settings: Callable[..., Settings],
) -> AsyncIterator[tuple[httpx.AsyncClient, Lifespan]]:
    async with running(api_settings(allowed_private_hosts=[])) as pair:
        yield pair


def _refused_or_invalid(response: httpx.Response) -> None:
    if response.status_code == 403:
        assert_problem(response, 403, "refused-address")
    else:
        assert_problem(response, 400, "invalid-url")


async def test_compare_refuses_private_addresses(
    closed: tuple[httpx.AsyncClient, Lifespan],
) -> None:
    client, _ = closed
    for url in REFUSED:
        _refused_or_invalid(await client.get("/compare", params={"url": url}))
        _refused_or_invalid(await client.post("/compare", json={"url": url}))


async def test_the_classic_attempts_are_refused_addresses(
    closed: tuple[httpx.AsyncClient, Lifespan],
) -> None:
    client, _ = closed
    for url in REFUSED[:4]:
        body = assert_problem(
            await client.get("/compare", params={"url": url}), 403, "refused-address"
        )
        assert body["url"] == url


async def test_compare_rejects_invalid_urls(closed: tuple[httpx.AsyncClient, Lifespan]) -> None:
    client, _ = closed
    for url in INVALID:
        assert_problem(await client.post("/compare", json={"url": url}), 400, "invalid-url")


async def test_html_and_text_forms_check_their_url_too(
    closed: tuple[httpx.AsyncClient, Lifespan],
) -> None:
    client, _ = closed
    html = await client.post(
        "/compare", json={"url": "http://169.254.169.254/", "html": "<p>x</p>"}
    )
    assert_problem(html, 403, "refused-address")
    text = await client.post("/compare", json={"text": "Some text.", "url": "file:///etc/passwd"})
    assert_problem(text, 400, "invalid-url")


@pytest.mark.parametrize("url", NOT_HTTP)
async def test_other_schemes_than_http_are_invalid_urls(
    closed: tuple[httpx.AsyncClient, Lifespan], url: str
) -> None:
    client, lifespan = closed
    answers = [
        await client.get("/compare", params={"url": url}),
        await client.post("/compare", json={"url": url}),
        await client.post("/compare", json={"url": url, "html": "<p>x</p>"}),
        await client.post("/ingest", json={"urls": [url]}),
    ]
    for response in answers:
        body = assert_problem(response, 400, "invalid-url")
        assert "only http and https" in body["detail"]
    assert lifespan.runtime.ingest.queue.pending_count() == 0


async def test_ingest_refuses_the_whole_batch(closed: tuple[httpx.AsyncClient, Lifespan]) -> None:
    client, lifespan = closed
    response = await client.post(
        "/ingest", json={"urls": ["https://news.example/a", "http://169.254.169.254/"]}
    )
    assert_problem(response, 403, "refused-address")
    assert lifespan.runtime.ingest.queue.pending_count() == 0


async def test_a_redirect_to_a_private_address_is_refused(
    api_settings: Callable[..., Settings], httpserver: HTTPServer
) -> None:
    # Only the name "localhost" is allowed, so the outlet can be reached; its redirect to the
    # loopback address itself must be refused.
    httpserver.expect_request("/robots.txt").respond_with_data("", status=404)
    port = httpserver.port
    httpserver.expect_request("/story").respond_with_data(
        "", status=302, headers={"Location": f"http://127.0.0.1:{port}/internal"}
    )
    settings = api_settings(allowed_private_hosts=["localhost"], fetch_retries=0)
    async with running(settings) as (client, _):
        response = await client.get("/compare", params={"url": f"http://localhost:{port}/story"})
        assert_problem(response, 403, "refused-address")


async def test_a_redirect_to_another_scheme_is_refused(
    api_settings: Callable[..., Settings], httpserver: HTTPServer
) -> None:
    httpserver.expect_request("/robots.txt").respond_with_data("", status=404)
    httpserver.expect_request("/story").respond_with_data(
        "", status=302, headers={"Location": "file:///etc/passwd"}
    )
    async with running(api_settings(fetch_retries=0)) as (client, _):
        response = await client.get("/compare", params={"url": httpserver.url_for("/story")})
        body = assert_problem(response, 403, "refused-address")
        assert "only http and https" in body["detail"]


async def test_a_host_that_does_not_resolve_is_host_not_found(
    api_settings: Callable[..., Settings], monkeypatch: pytest.MonkeyPatch
) -> None:
    async def no_such_host(host: str, port: int) -> list[str]:
        raise socket.gaierror(socket.EAI_NONAME, "Name or service not known")

    # The first fetch for an origin is its robots.txt: the missing host is found there.
    monkeypatch.setattr(ingest.ssrf, "system_resolver", no_such_host)
    async with running(api_settings(fetch_retries=0)) as (client, _):
        for response in (
            await client.get("/compare", params={"url": "https://nowhere.example/story"}),
            await client.get("/compare", params={"url": "https://nowhere.example/other"}),
        ):
            body = assert_problem(response, 502, "host-not-found")
            assert "nowhere.example not found" in body["detail"]
