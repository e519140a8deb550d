"""An httpx transport whose connections go only to addresses the SSRF policy checked.

httpcore asks its network backend to `connect_tcp(host, port)` with the URL's host name.
`PinnedBackend` answers by resolving that name once through `AddressPolicy.resolve` (which
refuses the host if any answer is not public) and connecting to one of the checked IP
literals, so no second DNS lookup can lead elsewhere (DNS rebinding). TLS is unaffected:
httpcore starts TLS with `server_hostname` taken from the request's origin host (see
`httpcore._async.connection.AsyncHTTPConnection._connect`), so SNI and certificate checks use
the name, and httpx writes the Host header from the URL.
"""

from __future__ import annotations

import functools
import ssl
from collections.abc import Iterable

import httpcore
import httpx

from core.errors import FetchError, RefusedAddress
from ingest.ssrf import AddressPolicy

__all__ = ["PinnedBackend", "pinned_transport"]


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
        except RefusedAddress:
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
