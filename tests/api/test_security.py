from __future__ import annotations

from pathlib import Path

import pytest

from api.security import KEY_PREFIX, KeyRing, RateLimiter, generate_api_key, hash_api_key
from core.errors import InvalidInput


def test_keys_are_random_and_only_their_hash_is_kept() -> None:
    key, digest = generate_api_key()
    other, _ = generate_api_key()
    assert key.startswith(KEY_PREFIX)
    assert key != other
    assert digest.startswith("sha256:")
    assert len(digest) == len("sha256:") + 64
    assert key not in digest
    assert hash_api_key(key) == digest


def test_key_ring_identifies_accepted_keys_only(tmp_path: Path) -> None:
    key, digest = generate_api_key()
    ring = KeyRing([digest.upper().replace("SHA256:", "sha256:")])
    assert ring.identify(key) == digest.removeprefix("sha256:")[:12]
    assert ring.identify(key[:-1]) is None
    assert len(KeyRing([], None)) == 0


def test_key_ring_refuses_what_is_not_a_hash(tmp_path: Path) -> None:
    key, _ = generate_api_key()
    with pytest.raises(InvalidInput, match="not an API key hash"):
        KeyRing([key])
    with pytest.raises(InvalidInput, match="cannot read"):
        KeyRing([], tmp_path / "missing.txt")


def test_token_bucket_refills_at_the_rate() -> None:
    now = [0.0]
    limiter = RateLimiter(60, 2, clock=lambda: now[0])
    first, second, third = (limiter.hit("a") for _ in range(3))
    assert [first.allowed, second.allowed, third.allowed] == [True, True, False]
    assert third.retry_after == pytest.approx(1.0)
    assert third.headers()["X-RateLimit-Remaining"] == "0"
    assert limiter.hit("b").allowed  # callers do not share a bucket
    now[0] = 1.0
    assert limiter.hit("a").allowed
    assert not limiter.hit("a").allowed
    now[0] = 100.0
    assert limiter.hit("a").remaining == 1  # refilled to the burst, one spent


def test_rate_limiter_forgets_the_oldest_callers() -> None:
    limiter = RateLimiter(60, 1, max_callers=2, clock=lambda: 0.0)
    for caller in ("a", "b", "c"):
        limiter.hit(caller)
    assert limiter.hit("a").allowed  # "a" was dropped, so it starts with a full bucket
