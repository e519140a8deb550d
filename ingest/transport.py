"""The wire: connections pinned to checked addresses, per-host politeness, bounded bodies.

httpcore asks its network backend to `connect_tcp(host, port)` with the URL's host name.
`PinnedBackend` answers by resolving that name once through `AddressPolicy.resolve` (which
refuses the host if any answer is not public) and connecting to one of the checked IP
literals, so no second DNS lookup can lead elsewhere (DNS rebinding). TLS is unaffected:
httpcore starts TLS with `server_hostname` taken from the request's origin host (see
`httpcore._async.connection.AsyncHTTPConnection._connect`), so SNI and certificate checks use
the name, and httpx writes the Host header from the URL.

`HostGate` limits how many requests go to one host at once and spaces their starts.
`read_body` streams a response body within a cap on the wire and a cap after decompression,
inflating incrementally so a compression bomb is refused after at most the cap is produced.
"""

from __future__ import annotations

import functools
import ssl
import zlib
from collections.abc import AsyncIterator, Iterable
from contextlib import asynccontextmanager
from dataclasses import dataclass, field

import anyio
import httpcore
import httpx

from core.errors import (
    BodyTooLarge,
    FetchError,
    HostNotFound,
    RefusedAddress,
    UnsupportedContent,
)
from ingest.ssrf import AddressPolicy

__all__ = ["HostGate", "PinnedBackend", "pinned_transport", "read_body"]


class PinnedBackend(httpcore.AsyncNetworkBackend):
    """Resolves through the policy and connects to a checked address, never to a name."""

    def __init__(
        self, policy: AddressPolicy, inner: httpcore.AsyncNetworkBackend | None = None
    ) -> None:
        self._policy = policy
        self._inner = inner or httpcore.AnyIOBackend()

    async def connect_tcp(
        self,
        host: str,
        port: int,
        timeout: float | None = None,  # noqa: ASYNC109 (httpcore interface)
        local_address: str | None = None,
        socket_options: Iterable[httpcore.SOCKET_OPTION] | None = None,
    ) -> httpcore.AsyncNetworkStream:
        try:
            addresses = await self._policy.resolve(host, port)
        except (RefusedAddress, HostNotFound):
            raise
        except FetchError as exc:
            # A failed lookup is a connect failure to httpx, and as transient as one.
            raise httpcore.ConnectError(str(exc)) from exc
        failure: Exception | None = None
        for address in addresses:
            try:
                return await self._inner.connect_tcp(
                    str(address),
                    port,
                    timeout=timeout,
                    local_address=local_address,
                    socket_options=socket_options,
                )
            except (httpcore.ConnectError, httpcore.ConnectTimeout) as exc:
                failure = exc
        assert failure is not None
        raise failure

    async def connect_unix_socket(
        self,
        path: str,
        timeout: float | None = None,  # noqa: ASYNC109 (httpcore interface)
        socket_options: Iterable[httpcore.SOCKET_OPTION] | None = None,
    ) -> httpcore.AsyncNetworkStream:
        raise RefusedAddress(f"refused unix socket {path}: only TCP is fetched", url=path)

    async def sleep(self, seconds: float) -> None:
        await self._inner.sleep(seconds)


class _PinnedHTTPTransport(httpx.AsyncHTTPTransport):
    def __init__(
        self,
        backend: httpcore.AsyncNetworkBackend,
        ssl_context: ssl.SSLContext,
        limits: httpx.Limits,
    ) -> None:
        super().__init__(verify=ssl_context, trust_env=False, limits=limits)
        # httpx offers no hook for a network backend, so the pool it built (with the same
        # settings, no proxy) is replaced by one that uses ours.
        self._pool = httpcore.AsyncConnectionPool(
            ssl_context=ssl_context,
            max_connections=limits.max_connections,
            max_keepalive_connections=limits.max_keepalive_connections,
            keepalive_expiry=limits.keepalive_expiry,
            network_backend=backend,
        )


@functools.cache
def _verifying_context() -> ssl.SSLContext:
    # Loading the CA bundle takes a noticeable fraction of a second; one context serves all.
    return httpx.create_ssl_context(verify=True, trust_env=False)


def pinned_transport(
    policy: AddressPolicy,
    *,
    verify: ssl.SSLContext | bool = True,
    limits: httpx.Limits | None = None,
    network_backend: httpcore.AsyncNetworkBackend | None = None,
) -> httpx.AsyncBaseTransport:
    """An httpx transport that never proxies and connects only to addresses `policy` checked.

    `network_backend` replaces the socket layer below the pinning (tests use it to observe
    which address is connected); the default is httpcore's AnyIO backend.
    """
    if isinstance(verify, ssl.SSLContext):
        context = verify
    else:
        context = _verifying_context() if verify else httpx.create_ssl_context(verify=False)
    backend = PinnedBackend(policy, network_backend)
    return _PinnedHTTPTransport(backend, context, limits or httpx.Limits())


@dataclass
class _Host:
    semaphore: anyio.Semaphore
    lock: anyio.Lock = field(default_factory=anyio.Lock)
    next_start: float = 0.0


class HostGate:
    """At most `concurrency` requests per host at once, their starts `delay` seconds apart."""

    def __init__(self, concurrency: int, delay: float) -> None:
        self._concurrency = concurrency
        self._delay = delay
        self._hosts: dict[str, _Host] = {}

    @asynccontextmanager
    async def slot(self, host: str) -> AsyncIterator[None]:
        state = self._hosts.get(host)
        if state is None:
            state = self._hosts[host] = _Host(anyio.Semaphore(self._concurrency))
        async with state.semaphore:
            async with state.lock:
                wait = state.next_start - anyio.current_time()
                if wait > 0:
                    await anyio.sleep(wait)
                state.next_start = anyio.current_time() + self._delay
            yield


async def read_body(
    response: httpx.Response, *, max_bytes: int, max_decoded: int, truncate: bool = False
) -> bytes:
    """The decompressed body of a streamed response.

    More than `max_bytes` on the wire (or declared in Content-Length) or more than
    `max_decoded` after decompression raises BodyTooLarge, or, with `truncate`, ends the body
    at `max_decoded` bytes. An unknown Content-Encoding raises UnsupportedContent.
    """
    url = str(response.url)
    declared = response.headers.get("content-length", "").strip()
    if not truncate and declared.isdigit() and int(declared) > max_bytes:
        raise BodyTooLarge(
            f"{url} declares {int(declared)} bytes, more than max_body_bytes ({max_bytes})",
            url=url,
        )
    # A fake transport may hand over a response httpx has already read (and decoded).
    in_memory = response.is_stream_consumed
    coding = "" if in_memory else response.headers.get("content-encoding", "")
    inflater = _Inflater(url, coding, max_decoded)
    chunks = _once(response.content) if in_memory else response.aiter_raw()
    received = 0
    try:
        async for chunk in chunks:
            received += len(chunk)
            if received > max_bytes:
                raise _Overflow(f"{url} sent more than max_body_bytes ({max_bytes})")
            inflater.feed(chunk)
        inflater.finish()
    except _Overflow as exc:
        if truncate:
            return inflater.output[:max_decoded]
        raise BodyTooLarge(str(exc), url=url) from None
    return inflater.output


class _Overflow(Exception):
    pass


async def _once(data: bytes) -> AsyncIterator[bytes]:
    yield data


class _Inflater:
    """Decompresses incrementally into `output`, never holding more than `cap` bytes of it."""

    def __init__(self, url: str, coding: str, cap: int) -> None:
        self._url = url
        self._coding = coding.strip().lower()
        if self._coding not in ("", "identity", "gzip", "x-gzip", "deflate"):
            raise UnsupportedContent(
                f"{url} uses content-encoding {self._coding!r}, which is not supported", url=url
            )
        self._cap = cap
        self._out = bytearray()
        self._engine: zlib._Decompress | None = None
        self._members = 0

    @property
    def output(self) -> bytes:
        return bytes(self._out)

    def feed(self, data: bytes) -> None:
        if self._coding in ("", "identity"):
            self._append(data)
            return
        try:
            while data:
                if self._engine is None and not self._start(data):
                    return
                assert self._engine is not None
                # max_length bounds this call's output; the rest waits in unconsumed_tail.
                self._append(self._engine.decompress(data, self._cap - len(self._out) + 1))
                data = self._engine.unconsumed_tail
                if self._engine.eof:
                    data, self._engine = self._engine.unused_data, None
        except zlib.error as exc:
            raise FetchError(
                f"{self._url} sent a corrupt {self._coding} body: {exc}", url=self._url
            ) from exc

    def finish(self) -> None:
        if self._engine is not None:
            self._append(self._engine.flush())

    def _append(self, data: bytes) -> None:
        self._out += data
        if len(self._out) > self._cap:
            raise _Overflow(f"{self._url} decodes to more than max_decoded_bytes ({self._cap})")

    def _start(self, data: bytes) -> bool:
        if self._members and (self._coding == "deflate" or not data.startswith(b"\x1f\x8b")):
            return False  # padding after the stream; only gzip may have further members
        if self._coding == "deflate":
            # "deflate" should be zlib-wrapped, but some servers send raw deflate.
            wrapped = len(data) >= 2 and data[0] & 0x0F == 8 and (data[0] << 8 | data[1]) % 31 == 0
            wbits = zlib.MAX_WBITS if wrapped else -zlib.MAX_WBITS
        else:
            wbits = 16 + zlib.MAX_WBITS
        self._members += 1
        self._engine = zlib.decompressobj(wbits)
        return True
