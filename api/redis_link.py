"""The connection API processes share limits and answers through, and what happens without it.

Redis is optional and may go away mid-run: a failed command is logged (at most once a minute as
a warning) and Redis is left alone for `retry_interval` seconds, in which callers use their
in-process fallback; after that the next command tries again, and redis-py reconnects by itself.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable

from redis.asyncio import Redis
from redis.asyncio.retry import Retry
from redis.backoff import NoBackoff

__all__ = ["WARNING_INTERVAL", "RedisLink"]

log = logging.getLogger(__name__)

WARNING_INTERVAL = 60.0


class RedisLink:
    """A Redis client, its key prefix, and whether it is worth asking just now."""

    def __init__(
        self,
        url: str,
        *,
        prefix: str,
        timeout: float,
        retry_interval: float,
        on_failure: Callable[[], object] = lambda: None,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        # No retries inside redis-py: a request waits at most one timeout, then goes on without.
        self.client: Redis = Redis.from_url(
            url,
            socket_timeout=timeout,
            socket_connect_timeout=timeout,
            retry=Retry(NoBackoff(), 0),
        )
        self.prefix = prefix
        self._retry_interval = retry_interval
        self._on_failure = on_failure
        self._clock = clock
        self._down_until = 0.0
        self._warned_at: float | None = None

    def key(self, *parts: object) -> str:
        return self.prefix + ":".join(str(part) for part in parts)

    @property
    def available(self) -> bool:
        return self._clock() >= self._down_until

    def failed(self, doing: str, error: Exception) -> None:
        self._on_failure()
        now = self._clock()
        self._down_until = now + self._retry_interval
        if self._warned_at is None or now - self._warned_at >= WARNING_INTERVAL:
            self._warned_at = now
            log.warning("Redis failed while %s, going on without it: %s", doing, error)
        else:
            log.debug("Redis failed while %s: %s", doing, error)

    async def close(self) -> None:
        await self.client.aclose()
