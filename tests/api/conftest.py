from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from pathlib import Path
from typing import Any

import httpx
import pytest

from core.config import Settings
from tests.api._support import Lifespan, no_shipped_outlets, running


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
