from __future__ import annotations

import asyncio
import gzip
import re
import socket
import time
import tracemalloc
import zlib
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime
from typing import Any

import httpx
import pytest
from pytest_httpserver import HTTPServer
from werkzeug import Request, Response

from core.config import Settings
from core.errors import (
    BodyTooLarge,
    FetchError,
    FetchTimeout,
    HTTPStatusError,
    RefusedAddress,
    RobotsDisallowed,
    TooManyRedirects,
    UnsupportedContent,
)
from core.models import FetchedPage
from ingest.fetch import Fetcher
from tests.ingest import _hostile_servers as hostile
from tests.ingest._hostile_servers import HostileServer

HTML = "<!doctype html><html><head><title>t</title></head><body><p>Story</p></body></html>"
Build = Callable[..., Settings]


@pytest.fixture
def fast(make_settings: Build) -> Build:
    """Settings with small limits and timeouts, robots.txt off unless a test turns it on."""

    def build(**overrides: Any) -> Settings:
        values: dict[str, Any] = {
            "respect_robots": False,
            "connect_timeout": 1.0,
            "read_timeout": 1.0,
            "fetch_deadline": 3.0,
            "fetch_retries": 0,
            "retry_max_wait": 0.2,
            "max_body_bytes": 200_000,
            "max_decoded_bytes": 1_000_000,
        }
        values.update(overrides)
        return make_settings(**values)

    return build


async def fetch(settings: Settings, url: str, **kwargs: Any) -> FetchedPage:
    async with Fetcher(settings) as fetcher:
        return await fetcher.fetch(url, **kwargs)


def requests_to(server: HTTPServer, path: str) -> int:
    return sum(1 for request, _ in server.log if request.path == path)


def canned(response: bytes) -> hostile.Handler:
    async def handler(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        await hostile.read_request(reader)
        writer.write(response)
        await writer.drain()

    return handler


# Ordinary pages, feeds and conditional GET


async def test_fetches_and_decodes_a_page(fast: Build, httpserver: HTTPServer) -> None:
    httpserver.expect_request("/story").respond_with_data(
        HTML,
        content_type="text/html; charset=utf-8",
        headers={"ETag": '"v1"', "Last-Modified": "Wed, 21 Oct 2026 07:28:00 GMT"},
    )
    settings = fast()
    page = await fetch(settings, httpserver.url_for("/story"))
    assert page.text == HTML
    assert page.content == HTML.encode()
    assert (page.status, page.content_type, page.encoding) == (200, "text/html", "utf-8")
    assert page.final_url == page.url == httpserver.url_for("/story")
    assert (page.etag, page.last_modified) == ('"v1"', "Wed, 21 Oct 2026 07:28:00 GMT")
    assert not page.not_modified
    request = httpserver.log[0][0]
    assert request.headers["User-Agent"] == settings.user_agent
    assert "gzip" in request.headers["Accept-Encoding"]


async def test_conditional_get_answers_not_modified(fast: Build, httpserver: HTTPServer) -> None:
    validators = {"If-None-Match": '"v1"', "If-Modified-Since": "Wed, 21 Oct 2026 07:28:00 GMT"}
    httpserver.expect_request("/feed.xml", headers=validators).respond_with_data(
        "", status=304, headers={"ETag": '"v1"'}
    )
    page = await fetch(
        fast(),
        httpserver.url_for("/feed.xml"),
        etag='"v1"',
        last_modified="Wed, 21 Oct 2026 07:28:00 GMT",
        kind="feed",
    )
    assert page.not_modified
    assert (page.status, page.text, page.etag) == (304, "", '"v1"')
    assert page.last_modified == "Wed, 21 Oct 2026 07:28:00 GMT"


@pytest.mark.parametrize(
    "content_type",
    ["application/rss+xml", "application/atom+xml", "application/xml", "text/xml; charset=utf-8"],
)
async def test_feeds_accept_xml_types(
    fast: Build, httpserver: HTTPServer, content_type: str
) -> None:
    body = '<?xml version="1.0"?><rss><channel><title>x</title></channel></rss>'
    httpserver.expect_request("/feed").respond_with_data(body, content_type=content_type)
    page = await fetch(fast(), httpserver.url_for("/feed"), kind="feed")
    assert page.text == body
    with pytest.raises(UnsupportedContent, match="not HTML"):
        await fetch(fast(), httpserver.url_for("/feed"))


@pytest.mark.parametrize(
    ("content_type", "kind"),
    [
        ("image/png", "page"),
        ("application/pdf", "page"),
        ("application/pdf", "feed"),
        ("text/plain", "page"),
        ("application/json", "feed"),
    ],
)
async def test_non_html_content_is_refused(
    fast: Build, httpserver: HTTPServer, content_type: str, kind: str
) -> None:
    httpserver.expect_request("/file").respond_with_data(b"\x89PNG\r\n", content_type=content_type)
    with pytest.raises(UnsupportedContent, match=re.escape(f"/file is {content_type}")):
        await fetch(fast(), httpserver.url_for("/file"), kind=kind)


async def test_missing_content_type_is_sniffed(fast: Build) -> None:
    page_response = hostile.http_response(body=HTML.encode(), headers=())
    async with HostileServer(canned(page_response)) as server:
        page = await fetch(fast(), server.url())
    assert page.content_type == "text/html"
    assert "Story" in page.text
    binary = hostile.http_response(body=b"%PDF-1.7 \x00\x01", headers=())
    async with HostileServer(canned(binary)) as server:
        with pytest.raises(UnsupportedContent, match="no Content-Type"):
            await fetch(fast(), server.url())


# Charsets


async def test_latin1_bytes_declared_utf8_are_decoded(fast: Build, httpserver: HTTPServer) -> None:
    text = "<html><body><p>Café crème à la française, déjà vu</p></body></html>"
    httpserver.expect_request("/p").respond_with_data(
        text.encode("latin-1"), content_type="text/html; charset=utf-8"
    )
    page = await fetch(fast(), httpserver.url_for("/p"))
    assert page.text == text
    assert page.encoding == "cp1252"


async def test_meta_charset_is_honoured(fast: Build, httpserver: HTTPServer) -> None:
    text = (
        '<html><head><meta http-equiv="Content-Type" content="text/html; charset=windows-1251">'
        "</head><body><p>Израиль эвакуировал «Белые каски» в Иорданию</p></body></html>"
    )
    httpserver.expect_request("/p").respond_with_data(
        text.encode("cp1251"), content_type="text/html"
    )
    page = await fetch(fast(), httpserver.url_for("/p"))
    assert page.text == text
    assert page.encoding == "cp1251"


@pytest.mark.parametrize(
    ("encoding", "expected"), [("utf-8", "utf-8"), ("cp1251", "cp1251"), ("cp1252", "cp1252")]
)
async def test_undeclared_charset_is_detected(
    fast: Build, httpserver: HTTPServer, encoding: str, expected: str
) -> None:
    text = {
        "utf-8": "<p>Die Weißhelme wurden über Israel nach Jordanien gebracht — 422 Menschen.</p>",
        "cp1251": "<p>Израиль эвакуировал членов организации «Белые каски» и их семьи.</p>",
        "cp1252": "<p>Le président a déclaré que l'évacuation était terminée à l'aube.</p>",
    }[encoding]
    httpserver.expect_request("/p").respond_with_data(
        text.encode(encoding), content_type="text/html"
    )
    page = await fetch(fast(), httpserver.url_for("/p"))
    assert page.text == text
    assert page.encoding == expected


async def test_unknown_or_non_text_charset_does_not_crash(
    fast: Build, httpserver: HTTPServer
) -> None:
    for label in ("x-no-such-charset", "base64", "zlib_codec"):
        httpserver.clear()
        httpserver.expect_request("/p").respond_with_data(
            "<p>héllo</p>".encode(), content_type=f"text/html; charset={label}"
        )
        page = await fetch(fast(), httpserver.url_for("/p"))
        assert page.text == "<p>héllo</p>"


async def test_feed_xml_declaration_charset(fast: Build, httpserver: HTTPServer) -> None:
    body = '<?xml version="1.0" encoding="windows-1251"?><rss><title>Новости</title></rss>'
    httpserver.expect_request("/rss").respond_with_data(
        body.encode("cp1251"), content_type="application/rss+xml"
    )
    page = await fetch(fast(), httpserver.url_for("/rss"), kind="feed")
    assert page.text == body
    assert page.content == body.encode("cp1251")


# Compression and size caps


@pytest.mark.parametrize(
    ("coding", "compress"),
    [
        ("gzip", gzip.compress),
        ("deflate", zlib.compress),
        ("deflate", lambda data: zlib.compress(data, wbits=-zlib.MAX_WBITS)),
    ],
)
async def test_compressed_pages_are_inflated(
    fast: Build, httpserver: HTTPServer, coding: str, compress: Callable[[bytes], bytes]
) -> None:
    httpserver.expect_request("/z").respond_with_data(
        compress(HTML.encode()),
        content_type="text/html; charset=utf-8",
        headers={"Content-Encoding": coding},
    )
    page = await fetch(fast(), httpserver.url_for("/z"))
    assert page.text == HTML


async def test_unknown_content_encoding_is_refused(fast: Build, httpserver: HTTPServer) -> None:
    httpserver.expect_request("/z").respond_with_data(
        b"\x1b\x00", content_type="text/html", headers={"Content-Encoding": "br"}
    )
    with pytest.raises(UnsupportedContent, match="content-encoding 'br'"):
        await fetch(fast(), httpserver.url_for("/z"))


@pytest.fixture(scope="module")
def gzip_bomb() -> bytes:
    """32 MB of zeros in about 32 KB."""
    packer = zlib.compressobj(9, zlib.DEFLATED, 16 + zlib.MAX_WBITS, 9, zlib.Z_RLE)
    block = bytes(1 << 20)
    return b"".join(packer.compress(block) for _ in range(32)) + packer.flush()


async def test_gzip_bomb_is_refused_with_bounded_memory(
    fast: Build, httpserver: HTTPServer, gzip_bomb: bytes
) -> None:
    assert len(gzip_bomb) < 100_000
    httpserver.expect_request("/bomb").respond_with_data(
        gzip_bomb, content_type="text/html", headers={"Content-Encoding": "gzip"}
    )
    httpserver.expect_request("/warm").respond_with_data(
        b"<html><body><p>warm</p></body></html>", content_type="text/html"
    )
    settings = fast(max_body_bytes=1_000_000, max_decoded_bytes=1_000_000)
    # A first fetch loads what the fetch path imports, so the trace below sees the bomb alone.
    await fetch(settings, httpserver.url_for("/warm"))
    tracemalloc.start()
    try:
        with pytest.raises(
            BodyTooLarge, match=re.escape("decodes to more than max_decoded_bytes (1000000)")
        ):
            await fetch(settings, httpserver.url_for("/bomb"))
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    # Inflating the bomb would take its whole 32 MB; refusing it must stay well below half.
    assert peak < 16_000_000, f"peak {peak} bytes while refusing a 32 MB bomb"


async def test_declared_length_over_the_cap_is_refused_up_front(
    fast: Build, httpserver: HTTPServer
) -> None:
    httpserver.expect_request("/big").respond_with_data(b"a" * 300_000, content_type="text/html")
    with pytest.raises(BodyTooLarge, match="declares 300000 bytes"):
        await fetch(fast(), httpserver.url_for("/big"))
    async with HostileServer(hostile.huge_declared_length) as server:
        started = time.monotonic()
        with pytest.raises(BodyTooLarge, match="declares 1000000000000 bytes"):
            await fetch(fast(), server.url())
        assert time.monotonic() - started < 1.0


async def test_body_without_length_is_cut_at_the_cap(fast: Build) -> None:
    async with HostileServer(hostile.endless_body) as server:
        with pytest.raises(BodyTooLarge, match=re.escape("more than max_body_bytes (200000)")):
            await fetch(fast(), server.url())


# Time limits


@pytest.mark.parametrize("handler", [hostile.slow_drip_body, hostile.slow_drip_headers])
async def test_slow_drip_hits_the_deadline(fast: Build, handler: hostile.Handler) -> None:
    async with HostileServer(handler) as server:
        started = time.monotonic()
        with pytest.raises(FetchTimeout, match=re.escape("longer than the 0.6 s deadline")):
            await fetch(fast(fetch_deadline=0.6, fetch_retries=3), server.url())
        assert time.monotonic() - started < 1.5


async def test_hanging_server_times_out_and_is_retried(fast: Build) -> None:
    settings = fast(read_timeout=0.3, fetch_retries=1, retry_max_wait=0.05)
    async with HostileServer(hostile.hang) as server:
        with pytest.raises(FetchTimeout, match=re.escape("sent nothing for 0.3 s")) as caught:
            await fetch(settings, server.url("/slow"))
        assert server.connections == 2
    assert caught.value.url == server.url("/slow")


async def test_hanging_server_cannot_outlast_the_deadline(fast: Build) -> None:
    async with HostileServer(hostile.hang) as server:
        started = time.monotonic()
        with pytest.raises(FetchTimeout, match="deadline"):
            await fetch(fast(read_timeout=30.0, fetch_deadline=0.5), server.url())
        assert time.monotonic() - started < 1.5


# Garbage and broken connections


@pytest.mark.parametrize(
    ("handler", "reason"),
    [(hostile.garbage, "RemoteProtocolError"), (hostile.close_at_once, "disconnected")],
)
async def test_malformed_responses_are_fetch_errors(
    fast: Build, handler: hostile.Handler, reason: str
) -> None:
    async with HostileServer(handler) as server:
        with pytest.raises(FetchError, match=reason) as caught:
            await fetch(fast(fetch_retries=2), server.url("/x"))
        assert server.connections == 1  # a protocol error is not transient
    assert type(caught.value) is FetchError
    assert server.url("/x") in caught.value.message


async def test_connection_refused_is_retried_then_reported(fast: Build) -> None:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    with pytest.raises(FetchError, match=f"cannot connect to http://127.0.0.1:{port}/"):
        await fetch(fast(fetch_retries=1, retry_max_wait=0.05), f"http://127.0.0.1:{port}/")


# Retries


async def test_429_with_retry_after_then_success(fast: Build, httpserver: HTTPServer) -> None:
    httpserver.expect_oneshot_request("/r").respond_with_data(
        "", status=429, headers={"Retry-After": "1"}
    )
    httpserver.expect_request("/r").respond_with_data(HTML, content_type="text/html")
    started = time.monotonic()
    page = await fetch(fast(fetch_retries=2, retry_max_wait=2.0), httpserver.url_for("/r"))
    assert page.text == HTML
    assert time.monotonic() - started >= 0.95
    assert requests_to(httpserver, "/r") == 2


async def test_retry_after_as_http_date(fast: Build, httpserver: HTTPServer) -> None:
    when = format_datetime(datetime.now(UTC) + timedelta(seconds=1), usegmt=True)
    httpserver.expect_oneshot_request("/r").respond_with_data(
        "", status=503, headers={"Retry-After": when}
    )
    httpserver.expect_request("/r").respond_with_data(HTML, content_type="text/html")
    page = await fetch(fast(fetch_retries=1, retry_max_wait=2.0), httpserver.url_for("/r"))
    assert page.status == 200
    assert requests_to(httpserver, "/r") == 2


async def test_retry_after_longer_than_allowed_fails_at_once(
    fast: Build, httpserver: HTTPServer
) -> None:
    httpserver.expect_request("/r").respond_with_data(
        "", status=429, headers={"Retry-After": "120"}
    )
    started = time.monotonic()
    with pytest.raises(HTTPStatusError, match="retry after 120 s") as caught:
        await fetch(fast(fetch_retries=3), httpserver.url_for("/r"))
    assert caught.value.status == 429
    assert time.monotonic() - started < 1.0
    assert requests_to(httpserver, "/r") == 1


async def test_no_retry_wait_past_the_deadline(fast: Build, httpserver: HTTPServer) -> None:
    httpserver.expect_request("/r").respond_with_data("", status=503, headers={"Retry-After": "3"})
    started = time.monotonic()
    with pytest.raises(HTTPStatusError, match="503"):
        await fetch(
            fast(fetch_retries=3, retry_max_wait=5.0, fetch_deadline=0.5), httpserver.url_for("/r")
        )
    assert time.monotonic() - started < 2.0  # gave up instead of sleeping the asked 3 s
    assert requests_to(httpserver, "/r") == 1


async def test_503_then_success(fast: Build, httpserver: HTTPServer) -> None:
    httpserver.expect_oneshot_request("/r").respond_with_data("", status=503)
    httpserver.expect_request("/r").respond_with_data(HTML, content_type="text/html")
    page = await fetch(fast(fetch_retries=2), httpserver.url_for("/r"))
    assert page.text == HTML
    assert requests_to(httpserver, "/r") == 2


async def test_transient_status_retried_until_the_limit(
    fast: Build, httpserver: HTTPServer
) -> None:
    httpserver.expect_request("/r").respond_with_data("", status=502)
    with pytest.raises(HTTPStatusError, match="502 Bad Gateway") as caught:
        await fetch(fast(fetch_retries=2, retry_max_wait=0.05), httpserver.url_for("/r"))
    assert caught.value.status == 502
    assert requests_to(httpserver, "/r") == 3


@pytest.mark.parametrize(
    ("status", "phrase"), [(404, "Not Found"), (403, "Forbidden"), (500, "Internal")]
)
async def test_permanent_statuses_are_not_retried(
    fast: Build, httpserver: HTTPServer, status: int, phrase: str
) -> None:
    httpserver.expect_request("/gone").respond_with_data("nope", status=status)
    url = httpserver.url_for("/gone")
    with pytest.raises(
        HTTPStatusError, match=re.escape(f"{url} answered {status} {phrase}")
    ) as caught:
        await fetch(fast(fetch_retries=3), url)
    assert caught.value.status == status
    assert requests_to(httpserver, "/gone") == 1


# Redirects


async def test_redirects_are_followed(fast: Build, httpserver: HTTPServer) -> None:
    httpserver.expect_request("/old").respond_with_data(
        "", status=301, headers={"Location": "/mid"}
    )
    httpserver.expect_request("/mid").respond_with_data(
        "", status=303, headers={"Location": httpserver.url_for("/new")}
    )
    httpserver.expect_request("/new").respond_with_data(HTML, content_type="text/html")
    page = await fetch(fast(), httpserver.url_for("/old"))
    assert page.url == httpserver.url_for("/old")
    assert page.final_url == httpserver.url_for("/new")


async def test_redirect_loop_is_detected(fast: Build, httpserver: HTTPServer) -> None:
    httpserver.expect_request("/a").respond_with_data("", status=302, headers={"Location": "/b"})
    httpserver.expect_request("/b").respond_with_data("", status=302, headers={"Location": "/a"})
    with pytest.raises(TooManyRedirects, match="redirect loop"):
        await fetch(fast(max_redirects=10), httpserver.url_for("/a"))
    assert requests_to(httpserver, "/a") == 1


async def test_redirect_chain_longer_than_allowed(fast: Build, httpserver: HTTPServer) -> None:
    def onwards(request: Request) -> Response:
        hop = int(request.path.rsplit("/", 1)[1])
        return Response(status=302, headers={"Location": f"/hop/{hop + 1}"})

    httpserver.expect_request(re.compile(r"/hop/\d+")).respond_with_handler(onwards)
    with pytest.raises(TooManyRedirects, match="more than 3 times"):
        await fetch(fast(max_redirects=3), httpserver.url_for("/hop/0"))
    assert len(httpserver.log) == 4


async def test_redirect_without_location(fast: Build, httpserver: HTTPServer) -> None:
    httpserver.expect_request("/r").respond_with_data("", status=302)
    with pytest.raises(HTTPStatusError, match="without a Location"):
        await fetch(fast(), httpserver.url_for("/r"))


@pytest.mark.parametrize(
    "target",
    [
        "http://127.0.0.1:{port}/secret",
        "http://2130706433:{port}/secret",
        "http://[::1]:{port}/secret",
        "http://10.0.0.1/secret",
        "http://169.254.169.254/latest/meta-data/",
        "gopher://localhost:{port}/secret",
    ],
)
async def test_redirect_to_a_private_address_is_refused(
    fast: Build, httpserver: HTTPServer, target: str
) -> None:
    # Only the name "localhost" is allowlisted, so the same server by address is off-limits.
    location = target.format(port=httpserver.port)
    httpserver.expect_request("/start").respond_with_data(
        "", status=302, headers={"Location": location}
    )
    httpserver.expect_request("/secret").respond_with_data(HTML, content_type="text/html")
    with pytest.raises(RefusedAddress, match="redirected from"):
        await fetch(fast(allowed_private_hosts=["localhost"]), httpserver.url_for("/start"))
    assert requests_to(httpserver, "/secret") == 0


async def test_redirect_to_localhost_is_refused_when_only_the_address_is_allowed(
    fast: Build, httpserver: HTTPServer
) -> None:
    httpserver.expect_request("/start").respond_with_data(
        "", status=302, headers={"Location": f"http://localhost:{httpserver.port}/secret"}
    )
    httpserver.expect_request("/secret").respond_with_data(HTML, content_type="text/html")
    with pytest.raises(RefusedAddress, match="localhost is loopback"):
        await fetch(
            fast(allowed_private_hosts=["127.0.0.1"]), f"http://127.0.0.1:{httpserver.port}/start"
        )
    assert requests_to(httpserver, "/secret") == 0


async def test_redirect_with_backslash_trick_is_rejected(
    fast: Build, httpserver: HTTPServer
) -> None:
    httpserver.expect_request("/start").respond_with_data(
        "", status=302, headers={"Location": "http://example.com\\@10.0.0.1/"}
    )
    with pytest.raises(FetchError, match="unusable URL"):
        await fetch(fast(), httpserver.url_for("/start"))


# robots.txt


async def test_robots_disallow_is_honoured_and_cached(fast: Build, httpserver: HTTPServer) -> None:
    httpserver.expect_request("/robots.txt").respond_with_data(
        "User-agent: *\nDisallow: /private\n", content_type="text/plain"
    )
    httpserver.expect_request("/public").respond_with_data(HTML, content_type="text/html")
    async with Fetcher(fast(respect_robots=True)) as fetcher:
        assert (await fetcher.fetch(httpserver.url_for("/public"))).text == HTML
        with pytest.raises(RobotsDisallowed, match=re.escape(httpserver.url_for("/private"))):
            await fetcher.fetch(httpserver.url_for("/private"))
    assert requests_to(httpserver, "/robots.txt") == 1
    assert requests_to(httpserver, "/private") == 0


async def test_robots_rules_for_our_user_agent(fast: Build, httpserver: HTTPServer) -> None:
    httpserver.expect_request("/robots.txt").respond_with_data(
        "User-agent: ParallaxBot\nDisallow: /\n\nUser-agent: *\nAllow: /\n",
        content_type="text/plain",
    )
    httpserver.expect_request("/a").respond_with_data(HTML, content_type="text/html")
    with pytest.raises(RobotsDisallowed, match="ParallaxBot"):
        await fetch(fast(respect_robots=True), httpserver.url_for("/a"))
    page = await fetch(
        fast(respect_robots=True, user_agent="OtherBot/2.0"), httpserver.url_for("/a")
    )
    assert page.text == HTML


async def test_robots_checked_on_every_redirect_hop(fast: Build, httpserver: HTTPServer) -> None:
    httpserver.expect_request("/robots.txt").respond_with_data(
        "User-agent: *\nDisallow: /private\n", content_type="text/plain"
    )
    httpserver.expect_request("/go").respond_with_data(
        "", status=302, headers={"Location": "/private"}
    )
    with pytest.raises(RobotsDisallowed):
        await fetch(fast(respect_robots=True), httpserver.url_for("/go"))
    assert requests_to(httpserver, "/private") == 0


async def test_missing_robots_allows_everything(fast: Build, httpserver: HTTPServer) -> None:
    httpserver.expect_request("/robots.txt").respond_with_data("not here", status=404)
    httpserver.expect_request("/a").respond_with_data(HTML, content_type="text/html")
    page = await fetch(fast(respect_robots=True), httpserver.url_for("/a"))
    assert page.text == HTML


async def test_failing_robots_disallows_everything(fast: Build, httpserver: HTTPServer) -> None:
    httpserver.expect_request("/robots.txt").respond_with_data("down", status=503)
    httpserver.expect_request("/a").respond_with_data(HTML, content_type="text/html")
    with pytest.raises(RobotsDisallowed, match="503"):
        await fetch(fast(respect_robots=True), httpserver.url_for("/a"))
    assert requests_to(httpserver, "/a") == 0


async def test_robots_ignored_when_not_respected(fast: Build, httpserver: HTTPServer) -> None:
    httpserver.expect_request("/a").respond_with_data(HTML, content_type="text/html")
    await fetch(fast(respect_robots=False), httpserver.url_for("/a"))
    assert requests_to(httpserver, "/robots.txt") == 0


# Politeness per host


@pytest.mark.parametrize("limit", [1, 2])
async def test_per_host_concurrency_limit(fast: Build, limit: int) -> None:
    counter = hostile.Counter(delay=0.3)
    async with (
        HostileServer(counter) as server,
        Fetcher(fast(per_host_concurrency=limit)) as fetcher,
    ):
        await asyncio.gather(*(fetcher.fetch(server.url(f"/{n}")) for n in range(4)))
    assert counter.peak == limit


async def test_per_host_delay_spaces_requests(fast: Build) -> None:
    counter = hostile.Counter(delay=0.0)
    async with (
        HostileServer(counter) as server,
        Fetcher(fast(per_host_delay=0.3, per_host_concurrency=3)) as fetcher,
    ):
        await asyncio.gather(*(fetcher.fetch(server.url(f"/{n}")) for n in range(3)))
    gaps = [b - a for a, b in zip(counter.arrivals, counter.arrivals[1:], strict=False)]
    assert len(gaps) == 2
    assert min(gaps) >= 0.2  # starts are 0.3 s apart; arrivals may jitter a little
    assert counter.arrivals[-1] - counter.arrivals[0] >= 0.5


# Wiring


async def test_environment_proxies_are_ignored(
    fast: Build, httpserver: HTTPServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    for name in ("HTTP_PROXY", "HTTPS_PROXY", "ALL_PROXY", "http_proxy", "all_proxy"):
        monkeypatch.setenv(name, "http://10.255.255.1:9")
    monkeypatch.delenv("NO_PROXY", raising=False)
    monkeypatch.delenv("no_proxy", raising=False)
    httpserver.expect_request("/a").respond_with_data(HTML, content_type="text/html")
    page = await fetch(fast(), httpserver.url_for("/a"))
    assert page.text == HTML


async def test_injected_transport_is_used(fast: Build) -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        return httpx.Response(200, headers={"Content-Type": "text/html"}, content=HTML.encode())

    async with Fetcher(fast(allowed_private_hosts=[]), httpx.MockTransport(handler)) as fetcher:
        page = await fetcher.fetch("https://news.example/story")
    assert page.text == HTML
    assert page.final_url == "https://news.example/story"


async def test_fetcher_must_be_entered(fast: Build) -> None:
    with pytest.raises(RuntimeError, match="async context manager"):
        await Fetcher(fast()).fetch("http://example.com/")
