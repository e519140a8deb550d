"""The SSRF guard: which URLs may be fetched and which addresses may be connected to.

`AddressPolicy.check_url` judges a URL as written (scheme, host, credentials, tricks that make
parsers disagree, IP literals in every spelling `inet_aton` accepts). `AddressPolicy.resolve`
judges where a host name really leads: every address it resolves to must be public, or the
whole host is refused. The transport (`ingest.transport`) connects only to the addresses
`resolve` returned, so a second, different DNS answer can never be used.

The allowlist (`Settings.allowed_private_hosts`) holds host names, addresses and CIDR ranges:
- a host name entry lets that exact name (not its subdomains) resolve to anything;
- an address or range entry lets any host reach addresses inside it. Because a caller can always
  write the address itself as a URL, matching resolved addresses grants nothing more than that.
`localhost` and `*.localhost` are refused by name, whatever they resolve to, unless the
allowlist names them.
"""

from __future__ import annotations

import functools
import ipaddress
import socket
import unicodedata
from collections.abc import Awaitable, Callable, Sequence
from typing import TypeAlias
from urllib.parse import urlsplit

import anyio.to_thread
import httpx

from core.errors import FetchError, HostNotFound, InvalidURL, RefusedAddress, UnsupportedScheme
from ingest.urls import MAX_URL_LENGTH

IPAddress: TypeAlias = ipaddress.IPv4Address | ipaddress.IPv6Address
IPNetwork: TypeAlias = ipaddress.IPv4Network | ipaddress.IPv6Network
Resolver: TypeAlias = Callable[[str, int], Awaitable[Sequence[str]]]
"""Looks up a host name and returns its addresses as strings (the default uses getaddrinfo)."""

__all__ = ["AddressPolicy", "IPAddress", "Resolver", "parse_ip", "system_resolver"]

_SCHEMES = frozenset({"http", "https"})
# The resolver's answers for a name that does not exist (a temporary failure is not one).
_NO_SUCH_HOST = frozenset(
    code for code in (socket.EAI_NONAME, getattr(socket, "EAI_NODATA", None)) if code is not None
)
_SHARED = ipaddress.IPv4Network("100.64.0.0/10")
_NAT64 = ipaddress.IPv6Network("64:ff9b::/96")
_NAT64_LOCAL = ipaddress.IPv6Network("64:ff9b:1::/48")
_SIIT = ipaddress.IPv6Network("::ffff:0:0:0/96")


def parse_ip(host: str) -> IPAddress | None:
    """The address a host denotes if it is an IP literal in any form a resolver accepts, else None.

    IPv4 follows `inet_aton`: one to four parts, each decimal, octal (leading 0) or hex (0x),
    the last part filling the remaining bytes, so `2130706433`, `0177.1` and `0x7f.0.0.1`
    are all 127.0.0.1. IPv6 may be bracketed; zone ids are not literals.
    """
    host = host.strip("[]")
    if ":" in host:
        try:
            return ipaddress.IPv6Address(host)
        except ValueError:
            return None
    return _parse_ipv4_loose(host)


def _parse_ipv4_loose(host: str) -> ipaddress.IPv4Address | None:
    parts = host.removesuffix(".").split(".")
    if not 1 <= len(parts) <= 4:
        return None
    numbers: list[int] = []
    for part in parts:
        lowered = part.lower()
        if lowered.startswith("0x"):
            base, digits = 16, lowered[2:] or "0"
        elif len(lowered) > 1 and lowered.startswith("0"):
            base, digits = 8, lowered[1:]
        else:
            base, digits = 10, lowered
        if not digits.isascii() or not digits.isalnum():
            return None
        try:
            numbers.append(int(digits, base))
        except ValueError:
            return None
    *head, last = numbers
    if any(n > 255 for n in head) or last >= 256 ** (4 - len(head)):
        return None
    value = last
    for index, number in enumerate(head):
        value |= number << (8 * (3 - index))
    return ipaddress.IPv4Address(value)


def _embedded_ipv4(ip: ipaddress.IPv6Address) -> tuple[str, ipaddress.IPv4Address] | None:
    if ip.ipv4_mapped is not None:
        return "IPv4-mapped", ip.ipv4_mapped
    if ip in _SIIT:
        return "IPv4-translated", ipaddress.IPv4Address(int(ip) & 0xFFFFFFFF)
    if ip in _NAT64:
        return "NAT64", ipaddress.IPv4Address(int(ip) & 0xFFFFFFFF)
    if ip.sixtofour is not None:
        return "6to4", ip.sixtofour
    if ip.teredo is not None:
        return "Teredo", ip.teredo[1]
    if int(ip) >> 32 == 0 and int(ip) > 1:
        return "IPv4-compatible", ipaddress.IPv4Address(int(ip))
    return None


def _category(ip: IPAddress) -> str | None:
    """Why an address is not public, or None when it is."""
    if ip.is_unspecified:
        return "unspecified"
    if ip.is_loopback:
        return "loopback"
    if ip.is_link_local:
        return "link-local"
    if ip.is_multicast:
        return "multicast"
    if isinstance(ip, ipaddress.IPv4Address) and ip in _SHARED:
        return "shared address space (100.64.0.0/10)"
    if isinstance(ip, ipaddress.IPv6Address):
        if ip.is_site_local:
            return "site-local"
        if ip in _NAT64_LOCAL:
            return "local-use NAT64"
    if ip.is_private:
        return "private"
    if ip.is_reserved:
        return "reserved"
    if not ip.is_global:
        return "not globally routable"
    return None


def _is_localhost_name(name: str) -> bool:
    return name == "localhost" or name.endswith(".localhost")


async def system_resolver(host: str, port: int) -> list[str]:
    """getaddrinfo in a worker thread, so a slow DNS server never blocks the event loop."""
    lookup = functools.partial(socket.getaddrinfo, host, port, type=socket.SOCK_STREAM)
    infos = await anyio.to_thread.run_sync(lookup, abandon_on_cancel=True)
    return [str(info[4][0]) for info in infos]


CHECKED_URLS_KEPT = 4096


class AddressPolicy:
    """Decides which URLs and addresses may be fetched; see the module docstring."""

    def __init__(
        self, allowed_private_hosts: Sequence[str], *, resolver: Resolver | None = None
    ) -> None:
        self._names: set[str] = set()
        self._networks: list[IPNetwork] = []
        for entry in allowed_private_hosts:
            cleaned = entry.strip().strip("[]").lower()
            if not cleaned:
                continue
            try:
                self._networks.append(ipaddress.ip_network(cleaned, strict=False))
            except ValueError:
                self._names.add(cleaned.removesuffix("."))
        self._resolver: Resolver = resolver or system_resolver
        # Every /compare checks its URL, most of them a URL seen before; the verdict on a URL
        # never changes (refusals raise, so they are not kept).
        self._checked = functools.lru_cache(maxsize=CHECKED_URLS_KEPT)(self._check_url)

    def check_url(self, url: str | httpx.URL) -> httpx.URL:
        """The parsed URL if it may be fetched; raises InvalidURL or RefusedAddress otherwise.

        Host names are not resolved here (`resolve` does that at connect time); IP literals and
        `localhost` names are judged at once.
        """
        return self._checked(str(url))

    def _check_url(self, raw: str) -> httpx.URL:
        shown = raw if len(raw) <= 200 else raw[:200] + "…"
        if len(raw) > MAX_URL_LENGTH:
            raise InvalidURL(f"URL is longer than {MAX_URL_LENGTH} characters: {shown!r}")
        if "\\" in raw:
            raise InvalidURL(f"URL contains a backslash: {shown!r}", url=raw)
        if any(ch.isspace() or unicodedata.category(ch).startswith("C") for ch in raw):
            raise InvalidURL(f"URL contains whitespace or control characters: {shown!r}", url=raw)
        try:
            split = urlsplit(raw)
            host, _ = split.hostname, split.port
        except ValueError as exc:
            raise InvalidURL(f"malformed URL {shown!r}: {exc}", url=raw) from exc
        scheme = split.scheme.lower()
        if scheme and scheme not in _SCHEMES:
            raise UnsupportedScheme(
                f"only http and https URLs are fetched, not {scheme}: {shown!r}", url=raw
            )
        if not scheme or not split.netloc:
            raise InvalidURL(f"not an absolute http(s) URL: {shown!r}", url=raw)
        if "@" in split.netloc:
            raise InvalidURL(f"URL carries credentials (user@host), refused: {shown!r}", url=raw)
        if not host:
            raise InvalidURL(f"URL has no host: {shown!r}", url=raw)
        if "%" in host:
            raise InvalidURL(f"URL host is percent-encoded or has a zone id: {shown!r}", url=raw)
        self._check_host_as_written(host, raw)
        try:
            parsed = httpx.URL(raw)
        except httpx.InvalidURL as exc:
            raise InvalidURL(f"malformed URL {shown!r}: {exc}", url=raw) from exc
        # A second parser's view is checked again, so the two can never disagree about the host.
        if parsed.scheme not in _SCHEMES or not parsed.host or parsed.userinfo:
            raise InvalidURL(f"URL is ambiguous: {shown!r}", url=raw)
        self._check_host_as_written(parsed.host, raw)
        return parsed

    async def resolve(self, host: str, port: int) -> list[IPAddress]:
        """Every address `host` leads to, each one checked; raises RefusedAddress if any is bad.

        IP literals (in any spelling) are checked without a lookup. A failed lookup raises
        FetchError.
        """
        name = host.strip("[]").lower().removesuffix(".")
        literal = parse_ip(name)
        if literal is not None:
            self._check_address(literal, host, named=False)
            return [literal]
        named = name in self._names
        if not named and _is_localhost_name(name):
            raise RefusedAddress(f"{host} is loopback", url=host)
        try:
            answers = await self._resolver(name, port)
        except OSError as exc:
            reason = getattr(exc, "strerror", None) or str(exc)
            if isinstance(exc, socket.gaierror) and exc.errno in _NO_SUCH_HOST:
                raise HostNotFound(f"host {host} not found: {reason}", url=host) from exc
            raise FetchError(f"cannot resolve {host}: {reason}", url=host) from exc
        addresses: list[IPAddress] = []
        for answer in answers:
            ip = ipaddress.ip_address(answer.split("%", 1)[0])
            if ip not in addresses:
                addresses.append(ip)
        if not addresses:
            raise FetchError(f"cannot resolve {host}: no addresses", url=host)
        for ip in addresses:
            self._check_address(ip, host, named=named)
        return addresses

    def is_allowed(self, ip: IPAddress) -> bool:
        """Whether the allowlist names this address (directly or through a range)."""
        return any(ip.version == net.version and ip in net for net in self._networks)

    def _check_host_as_written(self, host: str, url: str) -> None:
        name = host.strip("[]").lower().removesuffix(".")
        literal = parse_ip(name)
        if literal is not None:
            self._check_address(literal, host, named=False, url=url)
        elif _is_localhost_name(name) and name not in self._names:
            raise RefusedAddress(f"refused {url}: {host} is loopback", url=url)

    def _check_address(
        self, ip: IPAddress, host: str, *, named: bool, url: str | None = None
    ) -> None:
        if named or self.is_allowed(ip):
            return
        reason = _category(ip)
        if isinstance(ip, ipaddress.IPv6Address) and (embedded := _embedded_ipv4(ip)):
            label, v4 = embedded
            if self.is_allowed(v4):
                return
            inner = _category(v4)
            reason = f"{label} {v4}, which is {inner}" if inner else None
        if reason is None:
            return
        written = host.strip("[]")
        if written == str(ip) or ":" in written:
            message = f"{ip} is {reason}"
        elif parse_ip(written) is not None:
            message = f"{written} is {ip}, which is {reason}"
        else:
            message = f"{written} resolves to {ip}, which is {reason}"
        if url is not None:
            message = f"refused {url}: {message}"
        raise RefusedAddress(message, url=url or host, address=str(ip))
