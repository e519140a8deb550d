from __future__ import annotations

import os
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Engine

from core.config import Settings
from core.db.engine import make_engine, migrate

SHARED_DATA = Path(__file__).resolve().parents[2] / "shared" / "data"


def migrated_engine(url: str) -> Iterator[Engine]:
    """An engine on `url`, migrated to the newest schema, disposed after the test."""
    engine = make_engine(url)
    migrate(engine)
    yield engine
    engine.dispose()


@pytest.fixture
def make_settings(tmp_path: Path) -> Callable[..., Settings]:
    """Settings for one test: a private data dir, loopback allowed, no scheduler, fast fetches."""

    def build(**overrides: Any) -> Settings:
        values: dict[str, Any] = {
            "data_dir": tmp_path / "data",
            "allowed_private_hosts": ["127.0.0.1", "localhost", "::1"],
            "per_host_delay": 0.0,
            "scheduler_enabled": False,
            "retry_max_wait": 2.0,
        }
        values.update(overrides)
        return Settings(**values)

    return build


@pytest.fixture
def settings(make_settings: Callable[..., Settings]) -> Settings:
    return make_settings()


def running_in_ci() -> bool:
    """Whether the CI variable is set: there a test that cannot run fails instead of skipping."""
    return os.environ.get("CI", "").strip().lower() in {"1", "true", "yes"}


def service_url(variable: str, missing: str) -> str:
    """The URL of a loopback service in environment `variable`; without it the test skips with
    `missing` as the reason, and fails under CI."""
    url = os.environ.get(variable, "").strip()
    if not url:
        reason = f"{variable} is not set, so {missing}"
        if running_in_ci():
            pytest.fail(f"CI is set and {reason}", pytrace=False)
        pytest.skip(reason)
    return url


@pytest.fixture(scope="session")
def shared_data() -> Path:
    """The shared real-data folder; tests that need it skip cleanly where it is absent, and
    fail under CI, so the evaluation floors cannot pass there unmeasured."""
    if not (SHARED_DATA / "events.dev.jsonl").exists():
        reason = f"shared data not found at {SHARED_DATA}"
        if running_in_ci():
            pytest.fail(f"CI is set and {reason}", pytrace=False)
        pytest.skip(reason)
    return SHARED_DATA


@pytest.fixture(scope="session")
def embedder() -> Any:
    """The real packaged model (all-MiniLM-L6-v2) as the service runs it by default, loaded
    once per test session."""
    from index.embedder import load_embedder

    return load_embedder(Settings(torch_threads=2))


@pytest.fixture(scope="session")
def torch_embedder() -> Any:
    """The packaged model as published, run by torch."""
    from index.embedder import SentenceTransformerEmbedder

    return SentenceTransformerEmbedder("all-MiniLM-L6-v2", batch_size=16, threads=2)
