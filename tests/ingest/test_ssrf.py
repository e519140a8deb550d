from __future__ import annotations

import ipaddress
import re
import socket
from collections.abc import Callable, Sequence
from typing import Any

import httpx
import pytest
from pytest_httpserver import HTTPServer

from core.config import Settings
from core.errors import FetchError, HostNotFound, InvalidURL, RefusedAddress, UnsupportedScheme
from ingest.fetch import Fetcher
from ingest.ssrf import AddressPolicy, parse_ip
from ingest.transport import pinned_transport
from tests.ingest._hostile_servers import ScriptedBackend, http_response

PUBLIC = "93.184.216.34"


class FakeResolver:
    """Answers from a script, one answer per lookup, repeating the last; records each lookup."""

    def __init__(self, answers: dict[str, Sequence[Sequence[str]]]) -> None:
        self._answers = answers
        self.lookups: list[str] = []

    async def __call__(self, host: str, port: int) -> list[str]:
        script = self._answers.get(host)
        if script is None:
            raise socket.gaierror(socket.EAI_NONAME, "Name or service not known")
        answer = script[min(self.lookups.count(host), len(script) - 1)]
        self.lookups.append(host)
        return list(answer)


REFUSED_LITERALS = [
    ("http://127.0.0.1/", "127.0.0.1 is loopback"),
    ("http://2130706433/", "2130706433 is 127.0.0.1, which is loopback"),
    ("http://0177.0.0.1/", "0177.0.0.1 is 127.0.0.1, which is loopback"),
    ("http://0x7f.0.0.1/", "0x7f.0.0.1 is 127.0.0.1, which is loopback"),
    ("http://0x7f000001/", "is 127.0.0.1, which is loopback"),
    ("http://0177.1/", "is 127.0.0.1, which is loopback"),
    ("http://127.1/", "127.1 is 127.0.0.1, which is loopback"),
    ("http://127.0.0.1./", "loopback"),
    ("http://0.0.0.0/", "0.0.0.0 is unspecified"),
    ("http://0/", "0 is 0.0.0.0, which is unspecified"),
    ("http://[::1]/", "::1 is loopback"),
    ("http://[::]/", ":: is unspecified"),
    ("http://[::ffff:127.0.0.1]/", "IPv4-mapped 127.0.0.1, which is loopback"),
    ("http://[::ffff:7f00:1]/", "IPv4-mapped 127.0.0.1, which is loopback"),
    ("http://[::127.0.0.1]/", "IPv4-compatible 127.0.0.1, which is loopback"),
    ("http://[64:ff9b::a00:1]/", "NAT64 10.0.0.1, which is private"),
    ("http://[2002:7f00:1::]/", "6to4 127.0.0.1, which is loopback"),
    ("http://[::ffff:0:a9fe:a9fe]/", "169.254.169.254, which is link-local"),
    ("http://169.254.169.254/latest/meta-data/", "169.254.169.254 is link-local"),
    ("http://10.0.0.1/", "10.0.0.1 is private"),
    ("http://172.16.5.4/", "is private"),
    ("http://192.168.1.1:8080/", "is private"),
    ("http://100.64.0.1/", "shared address space"),
    ("http://224.0.0.1/", "multicast"),
    ("http://240.0.0.1/", "240.0.0.1 is"),
    ("http://255.255.255.255/", "255.255.255.255 is"),
    ("http://[fe80::1]/", "link-local"),
    ("http://[fc00::1]/", "private"),
    ("http://[fec0::1]/", "site-local"),
    ("http://[ff02::1]/", "multicast"),
    ("http://localhost/", "localhost is loopback"),
    ("http://LocalHost.:8000/", "is loopback"),
    ("http://admin.localhost/", "admin.localhost is loopback"),
    ("http://127。0。0。1/", "127.0.0.1 is loopback"),
]


@pytest.mark.parametrize(("url", "reason"), REFUSED_LITERALS)
def test_non_public_hosts_are_refused_in_every_spelling(url: str, reason: str) -> None:
    with pytest.raises(RefusedAddress, match="refused") as caught:
        AddressPolicy([]).check_url(url)
    assert reason in caught.value.message
    assert caught.value.url == url


@pytest.mark.parametrize(
    "url",
    [
        "file:///etc/passwd",
        "gopher://example.com/",
        "ftp://example.com/",
        "data:text/html,hi",
        "javascript:alert(1)",
        "dict://example.com:11211/",
        "ws://example.com/",
        "FILE://x/",
    ],
)
def test_only_http_and_https_schemes_are_fetched(url: str) -> None:
    with pytest.raises(UnsupportedScheme, match="only http and https"):
        AddressPolicy([]).check_url(url)


@pytest.mark.parametrize(
    ("url", "reason"),
    [
        ("http://example.com@127.0.0.1/", "credentials"),
        ("http://user:secret@example.com/", "credentials"),
        ("http://example.com\\@127.0.0.1/", "backslash"),
        ("http://127.0.0.1\\.example.com/", "backslash"),
        ("http://exa mple.com/", "whitespace"),
        ("http://example.com/\r\nHost: 127.0.0.1", "control"),
        ("http://example.com/\x00", "control"),
        ("http://exa\tmple.com/", "whitespace"),
        ("http://example.com\u200b/", "control"),
        ("http:///etc/passwd", "not an absolute"),
        ("//example.com/", "not an absolute"),
        ("/relative/path", "not an absolute"),
        ("http:example.com", "not an absolute"),
        ("http://%31%32%37.0.0.1/", "percent-encoded"),
        ("http://[fe80::1%25eth0]/", "zone id"),
        ("http://[::1/", "malformed"),
        ("http://example.com:99999/", "malformed"),
        ("http://１２７.０.０.１/", "malformed"),
    ],
)
def test_ambiguous_urls_are_invalid(url: str, reason: str) -> None:
    with pytest.raises(InvalidURL, match=reason):
        AddressPolicy([]).check_url(url)


@pytest.mark.parametrize(
    "url",
    [
        "http://example.com/",
        "https://news.example.org:8443/a?b=c#d",
        f"http://{PUBLIC}/",
        "http://[2606:4700:4700::1111]/",
        "http://[64:ff9b::808:808]/",
        "https://xn--80ak6aa92e.com/",
    ],
)
def test_public_urls_pass(url: str) -> None:
    checked = AddressPolicy([]).check_url(url)
    assert isinstance(checked, httpx.URL)
    assert checked.scheme in ("http", "https")


def test_a_verdict_holds_when_the_same_url_is_asked_again() -> None:
    policy = AddressPolicy([])
    first = policy.check_url("https://news.example/a")
    assert policy.check_url(httpx.URL("https://news.example/a")) == first
    for _ in range(2):
        with pytest.raises(RefusedAddress):
            policy.check_url("http://127.0.0.1/admin")
        with pytest.raises(InvalidURL):
            policy.check_url("https://user@news.example/a")


@pytest.mark.parametrize(
    ("host", "expected"),
    [
        ("2130706433", "127.0.0.1"),
        ("0177.0.0.1", "127.0.0.1"),
        ("0x7f.0.0.1", "127.0.0.1"),
        ("0x7F.1", "127.0.0.1"),
        ("127.1", "127.0.0.1"),
        ("10.1.65535", "10.1.255.255"),
        ("0", "0.0.0.0"),
        ("1.2.3.4.", "1.2.3.4"),
        ("[::ffff:7f00:1]", "::ffff:7f00:1"),
        ("example.com", None),
        ("1.2.3.4.5", None),
        ("256.0.0.1", None),
        ("0x1.0x2.0x3.0x100", None),
        ("08.0.0.1", None),
        ("1..2", None),
        ("", None),
    ],
)
def test_parse_ip_follows_inet_aton(host: str, expected: str | None) -> None:
    parsed = parse_ip(host)
    assert (str(parsed) if parsed is not None else None) == expected
    if expected and ":" not in expected:
        assert socket.inet_ntoa(socket.inet_aton(host.rstrip("."))) == expected


def test_allowlisted_cidr_is_accepted_and_nothing_else() -> None:
    policy = AddressPolicy(["10.20.0.0/16", "fd00::/8"])
    assert policy.check_url("http://10.20.3.4:8080/feed").host == "10.20.3.4"
    assert policy.check_url("http://[fd12::1]/").host == "fd12::1"
    assert policy.check_url("http://169083652/").host == "169083652"  # 10.20.3.4
    with pytest.raises(RefusedAddress, match=re.escape("10.21.0.1 is private")):
        policy.check_url("http://10.21.0.1/")
    with pytest.raises(RefusedAddress, match="loopback"):
        policy.check_url("http://127.0.0.1/")


def test_allowlisted_address_does_not_allow_localhost_names() -> None:
    policy = AddressPolicy(["127.0.0.1"])
    policy.check_url("http://127.0.0.1:8000/")
    policy.check_url("http://2130706433:8000/")
    with pytest.raises(RefusedAddress, match="localhost is loopback"):
        policy.check_url("http://localhost:8000/")


def test_allowlisted_name_does_not_allow_its_address() -> None:
    policy = AddressPolicy(["localhost"])
    policy.check_url("http://localhost:8000/")
    with pytest.raises(RefusedAddress, match=re.escape("127.0.0.1 is loopback")):
        policy.check_url("http://127.0.0.1:8000/")


async def test_names_resolving_to_private_addresses_are_refused() -> None:
    resolver = FakeResolver({"internal.example": [["10.0.0.5"]]})
    policy = AddressPolicy([], resolver=resolver)
    assert policy.check_url("http://internal.example/").host == "internal.example"
    with pytest.raises(
        RefusedAddress, match=r"internal\.example resolves to 10\.0\.0\.5, which is private"
    ):
        await policy.resolve("internal.example", 80)


async def test_one_bad_address_refuses_the_whole_host() -> None:
    resolver = FakeResolver({"mixed.example": [[PUBLIC, "2606:4700::1", "127.0.0.1"]]})
    with pytest.raises(RefusedAddress, match=re.escape("127.0.0.1, which is loopback")):
        await AddressPolicy([], resolver=resolver).resolve("mixed.example", 443)


async def test_mapped_private_answer_is_refused() -> None:
    resolver = FakeResolver({"sneaky.example": [["::ffff:10.0.0.1"]]})
    with pytest.raises(RefusedAddress, match=re.escape("IPv4-mapped 10.0.0.1, which is private")):
        await AddressPolicy([], resolver=resolver).resolve("sneaky.example", 80)


async def test_public_answers_are_returned_checked() -> None:
    resolver = FakeResolver({"news.example": [[PUBLIC, PUBLIC, "2606:4700::1"]]})
    addresses = await AddressPolicy([], resolver=resolver).resolve("News.Example.", 80)
    assert addresses == [ipaddress.ip_address(PUBLIC), ipaddress.ip_address("2606:4700::1")]


async def test_names_resolving_into_an_allowlisted_range_are_accepted() -> None:
    resolver = FakeResolver({"wire.internal": [["10.20.0.7"]]})
    policy = AddressPolicy(["10.20.0.0/16"], resolver=resolver)
    assert await policy.resolve("wire.internal", 80) == [ipaddress.ip_address("10.20.0.7")]


async def test_literals_are_checked_without_a_lookup() -> None:
    resolver = FakeResolver({})
    policy = AddressPolicy([], resolver=resolver)
    assert await policy.resolve(PUBLIC, 80) == [ipaddress.ip_address(PUBLIC)]
    with pytest.raises(RefusedAddress, match="loopback"):
        await policy.resolve("0x7f.1", 80)
    with pytest.raises(RefusedAddress, match="loopback"):
        await policy.resolve("localhost", 80)
    assert resolver.lookups == []


async def test_a_name_that_does_not_exist_is_host_not_found() -> None:
    with pytest.raises(HostNotFound, match=re.escape("host nowhere.example not found")):
        await AddressPolicy([], resolver=FakeResolver({})).resolve("nowhere.example", 80)


async def test_a_lookup_that_fails_for_a_while_is_no_missing_host() -> None:
    async def flaky(host: str, port: int) -> list[str]:
        raise socket.gaierror(socket.EAI_AGAIN, "Temporary failure in name resolution")

    with pytest.raises(FetchError, match="cannot resolve") as caught:
        await AddressPolicy([], resolver=flaky).resolve("news.example", 80)
    assert not isinstance(caught.value, HostNotFound)


async def test_default_resolver_uses_getaddrinfo(monkeypatch: pytest.MonkeyPatch) -> None:
    def fake_getaddrinfo(host: str, port: int, *args: Any, **kwargs: Any) -> list[Any]:
        assert host == "internal.example"
        return [(socket.AF_INET, socket.SOCK_STREAM, 6, "", ("10.0.0.5", port))]

    monkeypatch.setattr(socket, "getaddrinfo", fake_getaddrinfo)
    with pytest.raises(RefusedAddress, match=re.escape("10.0.0.5, which is private")):
        await AddressPolicy([]).resolve("internal.example", 80)


# Connection pinning: the transport connects to the address the policy checked, nothing else.


def _pinned_fetcher(
    make_settings: Callable[..., Settings], resolver: FakeResolver, backend: ScriptedBackend
) -> Fetcher:
    settings = make_settings(allowed_private_hosts=[], respect_robots=False, fetch_retries=0)
    policy = AddressPolicy([], resolver=resolver)
    transport = pinned_transport(policy, network_backend=backend)
    return Fetcher(settings, transport, policy=policy)


async def test_connection_goes_to_the_checked_address_despite_rebinding(
    make_settings: Callable[..., Settings],
) -> None:
    resolver = FakeResolver({"news.example": [[PUBLIC], ["127.0.0.1"]]})
    backend = ScriptedBackend({PUBLIC: http_response()})
    async with _pinned_fetcher(make_settings, resolver, backend) as fetcher:
        page = await fetcher.fetch("http://news.example/story")
    assert "pinned" in page.text
    assert backend.connected == [(PUBLIC, 80)]
    assert resolver.lookups == ["news.example"]
    assert b"Host: news.example\r\n" in b"".join(backend.written)


async def test_a_private_first_answer_refuses_before_connecting(
    make_settings: Callable[..., Settings],
) -> None:
    resolver = FakeResolver({"rebind.example": [["10.0.0.5"], [PUBLIC]]})
    backend = ScriptedBackend({PUBLIC: http_response()})
    async with _pinned_fetcher(make_settings, resolver, backend) as fetcher:
        with pytest.raises(RefusedAddress, match=r"refused http://rebind\.example/.*10\.0\.0\.5"):
            await fetcher.fetch("http://rebind.example/")
    assert backend.connected == []


async def test_tls_keeps_the_host_name_for_sni(make_settings: Callable[..., Settings]) -> None:
    resolver = FakeResolver({"secure.example": [[PUBLIC]]})
    backend = ScriptedBackend({PUBLIC: http_response()})
    async with _pinned_fetcher(make_settings, resolver, backend) as fetcher:
        page = await fetcher.fetch("https://secure.example/a")
    assert page.final_url == "https://secure.example/a"
    assert backend.connected == [(PUBLIC, 443)]
    assert backend.server_names == ["secure.example"]


async def test_redirect_chain_ending_on_loopback_is_refused(
    make_settings: Callable[..., Settings],
) -> None:
    resolver = FakeResolver({"news.example": [[PUBLIC]], "cdn.example": [["127.0.0.1"]]})
    hop = http_response(302, b"", [("Location", "http://cdn.example/next")])
    backend = ScriptedBackend({PUBLIC: hop})
    async with _pinned_fetcher(make_settings, resolver, backend) as fetcher:
        with pytest.raises(
            RefusedAddress, match=re.escape("cdn.example resolves to 127.0.0.1, which is loopback")
        ):
            await fetcher.fetch("http://news.example/")
    assert backend.connected == [(PUBLIC, 80)]


async def test_redirect_chain_to_a_literal_loopback_is_refused_through_any_transport(
    make_settings: Callable[..., Settings],
) -> None:
    seen: list[str] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(str(request.url))
        target = {"/a": "/b", "/b": "http://[::ffff:127.0.0.1]/admin"}[request.url.path]
        return httpx.Response(302, headers={"Location": target})

    settings = make_settings(allowed_private_hosts=[], respect_robots=False)
    async with Fetcher(settings, httpx.MockTransport(handler)) as fetcher:
        with pytest.raises(
            RefusedAddress, match=re.escape("redirected from https://news.example/b")
        ):
            await fetcher.fetch("https://news.example/a")
    assert seen == ["https://news.example/a", "https://news.example/b"]


async def test_pinned_connection_to_a_real_server_keeps_the_host_header(
    make_settings: Callable[..., Settings], httpserver: HTTPServer
) -> None:
    resolver = FakeResolver({"rebind.test": [["127.0.0.1"], ["10.9.9.9"]]})
    httpserver.expect_request(
        "/page", headers={"Host": f"rebind.test:{httpserver.port}"}
    ).respond_with_data("<html><body><p>real</p></body></html>", content_type="text/html")
    settings = make_settings(allowed_private_hosts=["127.0.0.1"], respect_robots=False)
    policy = AddressPolicy(settings.allowed_private_hosts, resolver=resolver)
    async with Fetcher(settings, policy=policy) as fetcher:
        page = await fetcher.fetch(f"http://rebind.test:{httpserver.port}/page")
    assert "real" in page.text
    assert resolver.lookups == ["rebind.test"]


async def test_lookup_failure_through_the_pinned_transport(
    make_settings: Callable[..., Settings],
) -> None:
    backend = ScriptedBackend({})
    async with _pinned_fetcher(make_settings, FakeResolver({}), backend) as fetcher:
        with pytest.raises(HostNotFound, match=re.escape("nowhere.example not found")) as caught:
            await fetcher.fetch("http://nowhere.example/")
    assert caught.value.url == "http://nowhere.example/"
    assert backend.connected == []
