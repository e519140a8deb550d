"""Fetching one page or feed safely: `async with Fetcher(settings) as f: await f.fetch(url)`.

Every fetch is bounded: the SSRF policy judges each URL and (through the pinned transport) each
address; redirects are followed by hand and re-judged; robots.txt is honoured; a per-host gate
limits parallel requests and spaces them; bodies are capped on the wire and after decompression;
and `fetch_deadline` bounds the whole call — robots.txt, every redirect hop, every retry and
every wait — so a slow or hostile server cannot hold a worker for longer.

Transient failures (connect errors, connect/read timeouts, 429, 502, 503, 504) are retried up to
`fetch_retries` times with exponential backoff. A Retry-After header is honoured, never cut
short: when it asks for more than `retry_max_wait`, or a wait would pass the deadline, the fetch
fails at once with the last error instead.
"""

from __future__ import annotations

import codecs
import math
import random
import re
from dataclasses import dataclass
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from http.cookiejar import CookieJar, DefaultCookiePolicy
from types import TracebackType
from typing import Literal, Self

import anyio
import anyio.to_thread
import charset_normalizer
import httpx

from core.config import Settings
from core.errors import (
    FetchError,
    FetchTimeout,
    HostNotFound,
    HTTPStatusError,
    InvalidURL,
    RefusedAddress,
    TooManyRedirects,
    UnsupportedContent,
    UnsupportedScheme,
)
from core.models import FetchedPage
from ingest.robots import RobotsCache
from ingest.ssrf import AddressPolicy
from ingest.transport import HostGate, pinned_transport, read_body

__all__ = ["Fetcher", "PageKind"]

PageKind = Literal["page", "feed"]
_Kind = Literal["page", "feed", "robots"]

_PAGE_TYPES = frozenset({"text/html", "application/xhtml+xml"})
_XML_TYPES = frozenset(
    {"application/rss+xml", "application/atom+xml", "application/xml", "text/xml"}
)
_ACCEPT = {
    "page": "text/html,application/xhtml+xml;q=0.9",
    "feed": "application/rss+xml,application/atom+xml,application/xml;q=0.9,text/xml;q=0.9,"
    "text/html;q=0.5",
    "robots": "text/plain",
}
_REDIRECTS = frozenset({301, 302, 303, 307, 308})
_TRANSIENT_STATUSES = frozenset({429, 502, 503, 504})
_TRANSIENT_ERRORS = (httpx.TimeoutException, httpx.ConnectError)
_BACKOFF_BASE = 0.5
_ROBOTS_MAX_BYTES = 512_000  # RFC 9309: parse at least 500 KiB, ignore the rest
_DECLARATION_WINDOW = 16_384
_BOMS = (
    (codecs.BOM_UTF8, "utf-8"),
    (codecs.BOM_UTF16_LE, "utf-16"),
    (codecs.BOM_UTF16_BE, "utf-16"),
)
_HEADER_CHARSET = re.compile(r"""charset\s*=\s*["']?([^"';\s]+)""", re.IGNORECASE)
_META_CHARSET = re.compile(rb"""<meta[^>]+?charset\s*=\s*["']?\s*([\w.:-]+)""", re.IGNORECASE)
_XML_ENCODING = re.compile(rb"""^\s*<\?xml[^>]*?encoding\s*=\s*["']([\w.:-]+)["']""", re.IGNORECASE)


@dataclass(frozen=True, slots=True)
class _Response:
    url: httpx.URL
    status: int
    headers: httpx.Headers
    body: bytes = b""
    content_type: str = ""


class Fetcher:
    """Fetches pages and feeds through one shared client; use as an async context manager.

    `transport` replaces the pinned transport (tests pass `httpx.MockTransport`); URL checks,
    redirects, caps and robots.txt still apply, but addresses are then whatever it says.
    """

    def __init__(
        self,
        settings: Settings,
        transport: httpx.AsyncBaseTransport | None = None,
        *,
        policy: AddressPolicy | None = None,
    ) -> None:
        self._settings = settings
        self._policy = policy or AddressPolicy(settings.allowed_private_hosts)
        self._transport = transport or pinned_transport(self._policy)
        self._gate = HostGate(settings.per_host_concurrency, settings.per_host_delay)
        self._robots = RobotsCache(settings.user_agent, self._load_robots)
        self._client: httpx.AsyncClient | None = None

    @property
    def policy(self) -> AddressPolicy:
        return self._policy

    async def __aenter__(self) -> Self:
        s = self._settings
        self._client = httpx.AsyncClient(
            transport=self._transport,
            trust_env=False,
            follow_redirects=False,
            timeout=httpx.Timeout(
                connect=s.connect_timeout,
                read=s.read_timeout,
                write=s.read_timeout,
                pool=s.fetch_deadline,
            ),
            headers={"User-Agent": s.user_agent, "Accept-Encoding": "gzip, deflate"},
            # No cookies: one outlet's state must never leak into another fetch.
            cookies=CookieJar(policy=DefaultCookiePolicy(allowed_domains=[])),
        )
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        if self._client is not None:
            await self._client.aclose()
            self._client = None

    async def fetch(
        self,
        url: str,
        *,
        etag: str | None = None,
        last_modified: str | None = None,
        kind: PageKind = "page",
    ) -> FetchedPage:
        """Fetch and decode `url`; a 304 to the conditional headers gives `not_modified=True`.

        Raises InvalidURL, or a FetchError subclass naming what happened to which URL.
        """
        start = self._policy.check_url(url)
        headers = {"Accept": _ACCEPT[kind]}
        if etag:
            headers["If-None-Match"] = etag
        if last_modified:
            headers["If-Modified-Since"] = last_modified
        deadline = self._settings.fetch_deadline
        try:
            with anyio.fail_after(deadline):
                final = await self._follow(start, headers, kind, anyio.current_time() + deadline)
                if final.status == 304:
                    return FetchedPage(
                        url=url,
                        final_url=str(final.url),
                        status=304,
                        content_type="",
                        text="",
                        encoding="",
                        etag=final.headers.get("etag", etag),
                        last_modified=final.headers.get("last-modified", last_modified),
                        not_modified=True,
                    )
                if not 200 <= final.status < 300:
                    raise _status_error(final)
                text, encoding = await anyio.to_thread.run_sync(
                    _decode,
                    final.body,
                    final.headers.get("content-type", ""),
                    abandon_on_cancel=True,
                )
        except TimeoutError:
            raise FetchTimeout(
                f"fetching {url} took longer than the {deadline:g} s deadline", url=url
            ) from None
        return FetchedPage(
            url=url,
            final_url=str(final.url),
            status=final.status,
            content_type=final.content_type,
            text=text,
            encoding=encoding,
            etag=final.headers.get("etag"),
            last_modified=final.headers.get("last-modified"),
            content=final.body,
        )

    async def _follow(
        self, start: httpx.URL, headers: dict[str, str], kind: _Kind, deadline_at: float
    ) -> _Response:
        url, seen = start, {str(start)}
        for _ in range(self._settings.max_redirects + 1):
            if kind != "robots" and self._settings.respect_robots:
                await self._robots.check(url)
            response = await self._with_retries(url, headers, kind, deadline_at)
            if response.status not in _REDIRECTS:
                return response
            url = self._redirect_target(response)
            if str(url) in seen:
                raise TooManyRedirects(
                    f"redirect loop: {response.url} leads back to {url}", url=str(start)
                )
            seen.add(str(url))
        raise TooManyRedirects(
            f"{start} redirects more than {self._settings.max_redirects} times", url=str(start)
        )

    def _redirect_target(self, response: _Response) -> httpx.URL:
        location = response.headers.get("location")
        if not location:
            raise HTTPStatusError(
                f"{response.url} answered {response.status} without a Location header",
                url=str(response.url),
                status=response.status,
            )
        try:
            if "\\" in location or not location.isprintable() or " " in location:
                raise InvalidURL(f"Location {location[:200]!r} is ambiguous")
            return self._policy.check_url(response.url.join(location))
        except UnsupportedScheme as exc:
            raise RefusedAddress(
                f"refused {exc.message} (redirected from {response.url})", url=str(response.url)
            ) from exc
        except RefusedAddress as exc:
            raise RefusedAddress(
                f"{exc.message} (redirected from {response.url})", url=exc.url
            ) from exc
        except (InvalidURL, httpx.InvalidURL) as exc:
            raise FetchError(
                f"{response.url} redirects to an unusable URL: {exc}", url=str(response.url)
            ) from exc

    async def _with_retries(
        self, url: httpx.URL, headers: dict[str, str], kind: _Kind, deadline_at: float
    ) -> _Response:
        retries = 0 if kind == "robots" else self._settings.fetch_retries
        attempt = 0
        while True:
            try:
                response = await self._exchange(url, headers, kind)
            except _TRANSIENT_ERRORS as exc:
                failure = self._transport_error(exc, url)
                wait = self._backoff(attempt)
            else:
                if response.status not in _TRANSIENT_STATUSES:
                    return response
                failure = _status_error(response)
                asked = _retry_after(response.headers)
                if asked is not None and asked > self._settings.retry_max_wait:
                    raise HTTPStatusError(
                        f"{failure.message} and asks to retry after {asked:g} s, more than "
                        f"retry_max_wait ({self._settings.retry_max_wait:g} s)",
                        url=str(url),
                        status=response.status,
                        retry_after=asked,
                    )
                wait = asked if asked is not None else self._backoff(attempt)
            if attempt >= retries or anyio.current_time() + wait >= deadline_at:
                raise failure
            attempt += 1
            await anyio.sleep(wait)

    async def _exchange(self, url: httpx.URL, headers: dict[str, str], kind: _Kind) -> _Response:
        if self._client is None:
            raise RuntimeError("use Fetcher as an async context manager: async with Fetcher(...)")
        async with self._gate.slot(url.host):
            try:
                async with self._client.stream("GET", url, headers=headers) as response:
                    return await self._read(url, response, kind)
            except RefusedAddress as exc:
                raise RefusedAddress(f"refused {url}: {exc.message}", url=str(url)) from exc
            except HostNotFound as exc:
                raise HostNotFound(f"cannot fetch {url}: {exc.message}", url=str(url)) from exc
            except _TRANSIENT_ERRORS:
                raise
            except httpx.HTTPError as exc:
                raise FetchError(
                    f"fetching {url} failed: {type(exc).__name__}: {exc}", url=str(url)
                ) from exc

    async def _read(self, url: httpx.URL, response: httpx.Response, kind: _Kind) -> _Response:
        status, headers = response.status_code, response.headers
        if not 200 <= status < 300:
            return _Response(url, status, headers)
        media = headers.get("content-type", "").split(";", 1)[0].strip().lower()
        if kind != "robots" and media:
            _check_media(url, media, kind)
        body = await read_body(
            response,
            max_bytes=self._settings.max_body_bytes,
            max_decoded=_ROBOTS_MAX_BYTES if kind == "robots" else self._settings.max_decoded_bytes,
            truncate=kind == "robots",
        )
        if kind != "robots" and not media:
            media = _sniff(url, body, kind)
        return _Response(url, status, headers, body, media)

    async def _load_robots(self, url: httpx.URL) -> tuple[int, str]:
        response = await self._follow(url, {"Accept": _ACCEPT["robots"]}, "robots", math.inf)
        return response.status, response.body.decode("utf-8", errors="replace")

    def _backoff(self, attempt: int) -> float:
        wait = _BACKOFF_BASE * 2.0**attempt * random.uniform(0.8, 1.2)
        return min(wait, self._settings.retry_max_wait)

    def _transport_error(self, exc: httpx.HTTPError, url: httpx.URL) -> FetchError:
        s = self._settings
        if isinstance(exc, httpx.ConnectTimeout):
            return FetchTimeout(
                f"connecting to {url} took longer than {s.connect_timeout:g} s", url=str(url)
            )
        if isinstance(exc, httpx.ReadTimeout):
            return FetchTimeout(f"{url} sent nothing for {s.read_timeout:g} s", url=str(url))
        if isinstance(exc, httpx.TimeoutException):
            return FetchTimeout(f"fetching {url} timed out ({type(exc).__name__})", url=str(url))
        return FetchError(f"cannot connect to {url}: {exc}", url=str(url))


def _status_error(response: _Response) -> HTTPStatusError:
    phrase = httpx.codes.get_reason_phrase(response.status)
    return HTTPStatusError(
        f"{response.url} answered {response.status} {phrase}".rstrip(),
        url=str(response.url),
        status=response.status,
    )


def _retry_after(headers: httpx.Headers) -> float | None:
    value = headers.get("retry-after", "").strip()
    if not value:
        return None
    if value.isdigit():
        return float(value)
    try:
        when = parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    return max(0.0, (when - datetime.now(UTC)).total_seconds())


def _check_media(url: httpx.URL, media: str, kind: _Kind) -> None:
    allowed = _PAGE_TYPES | _XML_TYPES if kind == "feed" else _PAGE_TYPES
    if media not in allowed:
        wanted = "HTML or XML" if kind == "feed" else "HTML"
        raise UnsupportedContent(
            f"{url} is {media}, not {wanted}", url=str(url), content_type=media
        )


def _sniff(url: httpx.URL, body: bytes, kind: _Kind) -> str:
    """The type of a body sent without Content-Type, judged from its first bytes."""
    head = body[:1024].lstrip(b"\xef\xbb\xbf \t\r\n").lower()
    if head.startswith(b"<!doctype html") or b"<html" in head:
        return "text/html"
    if kind == "feed" and head.startswith((b"<?xml", b"<rss", b"<feed", b"<urlset")):
        return "application/xml"
    raise UnsupportedContent(
        f"{url} has no Content-Type and does not look like markup", url=str(url)
    )


def _codec(label: str | None, *, in_document: bool = False) -> str | None:
    if not label:
        return None
    try:
        name = codecs.lookup(label.strip().lower()).name
    except LookupError:
        return None
    if name in ("iso8859-1", "ascii"):
        return "cp1252"  # what browsers (WHATWG Encoding) read these labels as
    if in_document and name.startswith(("utf-16", "utf-32")):
        return "utf-8"  # a document cannot honestly declare UTF-16 inside itself
    return name


def _decode(body: bytes, content_type: str) -> tuple[str, str]:
    """Text and the codec used: BOM, Content-Type, in-document declaration, UTF-8, detection.

    A declaration the bytes contradict is skipped, never trusted into a crash.
    """
    for bom, codec in _BOMS:
        if body.startswith(bom):
            return body[len(bom) :].decode(codec, errors="replace"), codec
    header = _HEADER_CHARSET.search(content_type)
    head = body[:_DECLARATION_WINDOW]
    declared = _XML_ENCODING.search(head) or _META_CHARSET.search(head)
    candidates = (
        _codec(header.group(1) if header else None),
        _codec(declared.group(1).decode("ascii") if declared else None, in_document=True),
        "utf-8",
    )
    for candidate in candidates:
        if candidate is not None:
            try:
                return body.decode(candidate), candidate
            except (UnicodeDecodeError, LookupError):
                continue
    text = body.decode("utf-8", errors="replace")
    bad = text.count("\ufffd")
    if len(text) - len(text.encode("ascii", "ignore")) - bad >= 2 * bad:
        return text, "utf-8"  # UTF-8 with a few broken bytes, not another encoding
    return _detect(body)


def _detect(body: bytes) -> tuple[str, str]:
    matches = list(charset_normalizer.from_bytes(body))
    if not matches:
        return body.decode("utf-8", errors="replace"), "utf-8"
    # Detection is unsure on short Western text; among near-equal guesses prefer windows-1252,
    # by far the most common undeclared or mislabelled encoding on the web.
    near = [m for m in matches if m.chaos <= matches[0].chaos + 0.1]
    western = any("cp1252" in m.could_be_from_charset for m in near)
    guessed = "cp1252" if western else (_codec(matches[0].encoding) or "utf-8")
    return body.decode(guessed, errors="replace"), guessed
