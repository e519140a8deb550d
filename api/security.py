"""API keys (only their hashes are kept), per-caller rate limits, and the request size limit.

A key is 32 random bytes, so a plain SHA-256 of it cannot be brute-forced and needs no salt
or slow hash (the GitHub-token approach). Presented keys are checked against every stored
hash with `hmac.compare_digest`, so timing does not tell how close a guess came.
"""

from __future__ import annotations

import hashlib
import hmac
import math
import secrets
import threading
import time
from collections import OrderedDict
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

from starlette.datastructures import MutableHeaders
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from api.problems import RequestTooLarge, too_large_response
from core.errors import InvalidInput

__all__ = [
    "KEY_PREFIX",
    "RATE_LIMIT_STATE_KEY",
    "BodyLimitMiddleware",
    "CallerLimiter",
    "KeyRing",
    "RateLimitDecision",
    "RateLimitHeadersMiddleware",
    "RateLimiter",
    "bucket_decision",
    "generate_api_key",
    "hash_api_key",
]

KEY_PREFIX = "plx_"
_HASH_SCHEME = "sha256:"
RATE_LIMIT_STATE_KEY = "rate_limit_headers"


def hash_api_key(key: str) -> str:
    """The form a key is stored in: `sha256:<64 hex digits>`."""
    return _HASH_SCHEME + hashlib.sha256(key.encode("utf-8")).hexdigest()


def generate_api_key() -> tuple[str, str]:
    """A new key and its hash: give the key to the caller, keep only the hash."""
    key = KEY_PREFIX + secrets.token_urlsafe(32)
    return key, hash_api_key(key)


class KeyRing:
    """The accepted key hashes, from settings and an optional file of one hash a line."""

    def __init__(self, hashes: Iterable[str], keys_file: Path | None = None) -> None:
        entries = list(hashes)
        if keys_file is not None:
            try:
                lines = keys_file.read_text(encoding="utf-8").splitlines()
            except OSError as error:
                raise InvalidInput(
                    f"cannot read API keys file {keys_file}: {error.strerror or error}"
                ) from error
            entries.extend(line.split("#", 1)[0] for line in lines)
        self._digests: list[bytes] = []
        for entry in (item.strip().lower() for item in entries):
            if not entry:
                continue
            digest = entry.removeprefix(_HASH_SCHEME)
            if len(digest) != 64 or any(ch not in "0123456789abcdef" for ch in digest):
                raise InvalidInput(f"not an API key hash (want sha256:<64 hex>): {entry[:16]}…")
            self._digests.append(bytes.fromhex(digest))

    def __len__(self) -> int:
        return len(self._digests)

    def identify(self, key: str) -> str | None:
        """A short id of the key (the start of its hash) if it is accepted, else None."""
        presented = hashlib.sha256(key.encode("utf-8")).digest()
        found: bytes | None = None
        for digest in self._digests:
            if hmac.compare_digest(presented, digest):
                found = digest
        return found.hex()[:12] if found is not None else None


@dataclass(frozen=True, slots=True)
class RateLimitDecision:
    allowed: bool
    limit: int
    remaining: int
    reset_seconds: float
    retry_after: float

    def headers(self) -> dict[str, str]:
        return {
            "X-RateLimit-Limit": str(self.limit),
            "X-RateLimit-Remaining": str(self.remaining),
            "X-RateLimit-Reset": str(math.ceil(self.reset_seconds)),
        }


class CallerLimiter(Protocol):
    """Spends one of a caller's requests: `RateLimiter` in memory, or shared through Redis."""

    @property
    def enabled(self) -> bool: ...

    async def take(self, caller: str) -> RateLimitDecision: ...


@dataclass(slots=True)
class _Bucket:
    tokens: float
    updated: float


class RateLimiter:
    """A token bucket per caller, in memory: `burst` requests at once, `per_minute` sustained."""

    def __init__(
        self,
        per_minute: int,
        burst: int,
        *,
        max_callers: int = 100_000,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.per_minute = per_minute
        self._rate = per_minute / 60.0
        self._capacity = float(max(burst, 1))
        self._max_callers = max_callers
        self._clock = clock
        self._buckets: OrderedDict[str, _Bucket] = OrderedDict()
        self._lock = threading.Lock()

    @property
    def enabled(self) -> bool:
        return self.per_minute > 0

    async def take(self, caller: str) -> RateLimitDecision:
        return self.hit(caller)

    def hit(self, caller: str) -> RateLimitDecision:
        now = self._clock()
        with self._lock:
            bucket = self._buckets.pop(caller, None) or _Bucket(self._capacity, now)
            bucket.tokens = min(self._capacity, bucket.tokens + (now - bucket.updated) * self._rate)
            bucket.updated = now
            allowed = bucket.tokens >= 1.0
            if allowed:
                bucket.tokens -= 1.0
            self._buckets[caller] = bucket
            while len(self._buckets) > self._max_callers:
                self._buckets.popitem(last=False)
            tokens = bucket.tokens
        return bucket_decision(allowed, tokens, self.per_minute, self._capacity)


def bucket_decision(
    allowed: bool, tokens: float, per_minute: int, capacity: float
) -> RateLimitDecision:
    """The decision and headers for a token bucket left holding `tokens` of `capacity`."""
    rate = per_minute / 60.0
    missing = max(0.0, 1.0 - tokens)
    return RateLimitDecision(
        allowed=allowed,
        limit=per_minute,
        remaining=int(tokens),
        reset_seconds=(capacity - tokens) / rate,
        retry_after=0.0 if allowed else missing / rate,
    )


class RateLimitHeadersMiddleware:
    """Copies the X-RateLimit-* headers the rate-limit dependency left in the request state."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                state = scope.get("state") or {}
                extra = state.get(RATE_LIMIT_STATE_KEY)
                if extra:
                    headers = MutableHeaders(scope=message)
                    for name, value in extra.items():
                        headers[name] = value
            await send(message)

        await self.app(scope, receive, send_with_headers)


class BodyLimitMiddleware:
    """413 for bodies over `limit`: a declared Content-Length is refused before reading;
    a chunked or lying body is counted as it streams in and cut off at the limit."""

    def __init__(self, app: ASGIApp, limit: int) -> None:
        self.app = app
        self.limit = limit

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        declared = _content_length(scope)
        if declared is not None and declared > self.limit:
            await too_large_response(scope["path"], self.limit)(scope, receive, send)
            return
        received = 0
        started = False

        async def counting_receive() -> Message:
            nonlocal received
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > self.limit:
                    raise RequestTooLarge(self.limit)
            return message

        async def tracking_send(message: Message) -> None:
            nonlocal started
            if message["type"] == "http.response.start":
                started = True
            await send(message)

        try:
            await self.app(scope, counting_receive, tracking_send)
        except RequestTooLarge:
            if started:
                raise
            await too_large_response(scope["path"], self.limit)(scope, receive, send)


def _content_length(scope: Scope) -> int | None:
    for name, value in scope.get("headers", ()):
        if name == b"content-length":
            try:
                return int(value)
            except ValueError:
                return None
    return None
