"""Rate limits shared by every API process through Redis: the same token bucket as in memory,
one hash per caller, updated atomically by a Lua script on Redis's clock, so processes on
different hosts spend one budget. While Redis cannot be reached, each process limits on its own.
"""

from __future__ import annotations

from redis.exceptions import RedisError

from api.redis_link import RedisLink
from api.security import RateLimitDecision, RateLimiter, bucket_decision

__all__ = ["RedisRateLimiter"]

# KEYS[1]: the caller's bucket; ARGV: tokens per second, capacity. Returns {allowed, tokens}
# with the tokens as a string (Lua numbers come back truncated to integers).
_TAKE = """
local rate = tonumber(ARGV[1])
local capacity = tonumber(ARGV[2])
local clock = redis.call('TIME')
local now = tonumber(clock[1]) + tonumber(clock[2]) / 1000000
local state = redis.call('HMGET', KEYS[1], 'tokens', 'updated')
local tokens = tonumber(state[1]) or capacity
local updated = tonumber(state[2]) or now
tokens = math.min(capacity, tokens + math.max(0, now - updated) * rate)
local allowed = 0
if tokens >= 1 then
  tokens = tokens - 1
  allowed = 1
end
redis.call('HSET', KEYS[1], 'tokens', tostring(tokens), 'updated', tostring(now))
redis.call('PEXPIRE', KEYS[1], math.ceil(capacity / rate * 1000) + 1000)
return {allowed, tostring(tokens)}
"""


class RedisRateLimiter:
    """A token bucket per caller in Redis: `burst` requests at once, `per_minute` sustained."""

    def __init__(self, link: RedisLink, per_minute: int, burst: int) -> None:
        self.per_minute = per_minute
        self._link = link
        self._capacity = float(max(burst, 1))
        self._script = link.client.register_script(_TAKE)
        self._fallback = RateLimiter(per_minute, burst)

    @property
    def enabled(self) -> bool:
        return self.per_minute > 0

    async def take(self, caller: str) -> RateLimitDecision:
        if self._link.available:
            try:
                allowed, tokens = await self._script(
                    keys=[self._link.key("rate", caller)],
                    args=[self.per_minute / 60.0, self._capacity],
                )
            except RedisError as error:
                self._link.failed("spending a rate-limit token", error)
            else:
                return bucket_decision(
                    bool(allowed), float(tokens), self.per_minute, self._capacity
                )
        return self._fallback.hit(caller)
