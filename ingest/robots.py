"""robots.txt rules, fetched once per origin and cached.

What a robots.txt answer means follows RFC 9309 §2.3.1:
- 2xx: the file's rules apply (parsed with protego, matched against our User-Agent);
- 4xx other than 429, or more redirects than allowed: no usable file, everything is allowed;
- 5xx, 429, a timeout or an unreachable server: the file is *unreachable*, so everything on the
  origin is disallowed. That verdict is cached only briefly (`error_ttl`), so a passing outage
  does not block a site for a day.
A refused address is not an outage: it propagates, because the page itself would be refused.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass

import anyio
import httpx
from protego import Protego

from core.errors import (
    FetchError,
    HostNotFound,
    RefusedAddress,
    RobotsDisallowed,
    TooManyRedirects,
)

__all__ = ["RobotsCache", "RobotsLoader"]

RobotsLoader = Callable[[httpx.URL], Awaitable[tuple[int, str]]]
"""Fetches a robots.txt URL and returns (status, body text); raises FetchError on failure."""


@dataclass(frozen=True, slots=True)
class _Rules:
    parser: Protego | None
    blocked_because: str | None
    expires_at: float

    def refusal(self, url: httpx.URL, user_agent: str) -> str | None:
        if self.blocked_because is not None:
            return self.blocked_because
        if self.parser is not None and not self.parser.can_fetch(str(url), user_agent):
            return f"its rules disallow it for {user_agent!r}"
        return None


class RobotsCache:
    """Per-origin robots.txt verdicts; `check(url)` raises RobotsDisallowed for a forbidden URL."""

    def __init__(
        self,
        user_agent: str,
        loader: RobotsLoader,
        *,
        ttl: float = 86_400.0,
        error_ttl: float = 300.0,
    ) -> None:
        self._user_agent = user_agent
        self._loader = loader
        self._ttl = ttl
        self._error_ttl = error_ttl
        self._rules: dict[str, _Rules] = {}
        self._locks: dict[str, anyio.Lock] = {}

    async def check(self, url: httpx.URL) -> None:
        rules = await self._rules_for(url)
        reason = rules.refusal(url, self._user_agent)
        if reason is not None:
            raise RobotsDisallowed(f"robots.txt forbids {url}: {reason}", url=str(url))

    async def _rules_for(self, url: httpx.URL) -> _Rules:
        origin = f"{url.scheme}://{url.netloc.decode('ascii')}"
        cached = self._rules.get(origin)
        if cached is not None and cached.expires_at > anyio.current_time():
            return cached
        # One lookup per origin even when many fetches for it start together.
        lock = self._locks.setdefault(origin, anyio.Lock())
        async with lock:
            cached = self._rules.get(origin)
            if cached is not None and cached.expires_at > anyio.current_time():
                return cached
            rules = await self._load(httpx.URL(origin + "/robots.txt"))
            self._rules[origin] = rules
            return rules

    async def _load(self, robots_url: httpx.URL) -> _Rules:
        now = anyio.current_time()
        try:
            status, text = await self._loader(robots_url)
        except (RefusedAddress, HostNotFound):
            raise
        except TooManyRedirects:
            return _Rules(None, None, now + self._ttl)
        except FetchError as exc:
            reason = f"{robots_url} is unreachable ({exc}), so the site is treated as disallowed"
            return _Rules(None, reason, now + self._error_ttl)
        if 200 <= status < 300:
            return _Rules(Protego.parse(text), None, now + self._ttl)
        if status == 429 or status >= 500:
            reason = f"{robots_url} answered {status}, so the site is treated as disallowed"
            return _Rules(None, reason, now + self._error_ttl)
        return _Rules(None, None, now + self._ttl)
