from __future__ import annotations

import socket
import uuid
from collections.abc import AsyncIterator, Callable, Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from redis import Redis

from api.redis_link import RedisLink
from core.config import Settings
from tests.api._support import Lifespan, no_shipped_outlets, running
from tests.conftest import service_url

REDIS_URL_VARIABLE = "PARALLAX_TEST_REDIS_URL"
LinkFactory = Callable[..., RedisLink]


@pytest.fixture
def outlets_file(tmp_path: Path) -> Path:
    return no_shipped_outlets(tmp_path / "outlets.toml")


@pytest.fixture
def api_settings(
    make_settings: Callable[..., Settings], outlets_file: Path
) -> Callable[..., Settings]:
    """Test settings: no shipped outlets, no coverage refresh, no rate limit unless asked."""

    def build(**overrides: Any) -> Settings:
        values: dict[str, Any] = {
            "outlets_file": outlets_file,
            "coverage_refresh": False,
            "rate_limit_per_minute": 0,
            "ingest_workers": 1,
        }
        values.update(overrides)
        return make_settings(**values)

    return build


@pytest.fixture
async def api(
    api_settings: Callable[..., Settings],
) -> AsyncIterator[tuple[httpx.AsyncClient, Lifespan]]:
    async with running(api_settings()) as pair:
        yield pair


@pytest.fixture
async def client(api: tuple[httpx.AsyncClient, Lifespan]) -> httpx.AsyncClient:
    return api[0]


@pytest.fixture
def redis_url() -> str:
    """The Redis server named by PARALLAX_TEST_REDIS_URL (a database tests may write to)."""
    return service_url(
        REDIS_URL_VARIABLE,
        "the Redis tests did not run; point it at a Redis database they may write to, e.g. "
        f"export {REDIS_URL_VARIABLE}=redis://127.0.0.1:6379/15",
    )


@pytest.fixture
def redis_prefix(redis_url: str) -> Iterator[str]:
    """A key prefix of this test's own; its keys are deleted afterwards."""
    prefix = f"parallax-test:{uuid.uuid4().hex}:"
    yield prefix
    with Redis.from_url(redis_url) as client:
        for key in client.scan_iter(match=prefix + "*"):
            client.delete(key)


@pytest.fixture
def closed_redis_url() -> str:
    """A Redis URL on a loopback port nothing listens on."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    return f"redis://127.0.0.1:{port}/0"


@pytest.fixture
async def make_link() -> AsyncIterator[LinkFactory]:
    """Links as separate processes would hold them: each with its own connections."""
    links: list[RedisLink] = []

    def build(url: str, prefix: str = "parallax-test:", **options: object) -> RedisLink:
        values: dict[str, object] = {"timeout": 0.5, "retry_interval": 2.0} | options
        link = RedisLink(url, prefix=prefix, **values)  # type: ignore[arg-type]
        links.append(link)
        return link

    yield build
    for link in links:
        await link.close()
