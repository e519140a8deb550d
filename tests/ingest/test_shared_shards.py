"""A worker and a read-only API replica sharing one shard directory: the worker publishes, the
replica loads what it published and writes nothing there."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from contextlib import AbstractAsyncContextManager
from pathlib import Path

import pytest

from core.config import Settings
from demo.articles.evacuation import ARTICLES
from index.embedder import Embedder
from index.published import SHARDS_MANIFEST
from ingest.pipeline import Outcome
from ingest.service import IngestService, ingest_service
from tests.core.conftest import postgres_server_url, store_url  # noqa: F401
from tests.ingest.test_following_indexes import _input, _stored_ids

pytestmark = pytest.mark.slow

WIRE, REPUBLISHED = ARTICLES[0], ARTICLES[1]
KINDS = ("passages", "reports")


async def test_a_replica_loads_the_shards_the_worker_publishes(
    store_url: str,  # noqa: F811
    make_settings: Callable[..., Settings],
    embedder: Embedder,
    tmp_path: Path,
) -> None:
    shards = tmp_path / "shards"

    def process(name: str, **settings: object) -> AbstractAsyncContextManager[IngestService]:
        # No background follow or publish after the first: the test calls each step itself.
        return ingest_service(
            make_settings(
                database_url=store_url,
                data_dir=tmp_path / name,
                shards_dir=shards,
                event_follow_interval=3600.0,
                index_publish_interval=3600.0,
                **settings,
            ),
            embedder=embedder,
            run_workers=False,
            include_registry=False,
        )

    async with process("worker") as worker, process("api", index_read_only=True) as api:
        assert worker.indexes.publishes
        assert not api.indexes.publishes
        wire = await worker.pipeline.ingest_input(_input(WIRE))
        assert wire.outcome is Outcome.INGESTED
        assert await asyncio.to_thread(worker.indexes.save)

        # The replica has not followed the change log: the published shards alone bring it.
        assert await asyncio.to_thread(api.indexes.refresh) > 0
        stored = _stored_ids(worker)
        assert set(api.indexes.passages.ids().tolist()) == stored[0]
        assert set(api.indexes.reports.ids().tolist()) == stored[1]

        manifests = {kind: (shards / kind / SHARDS_MANIFEST).read_bytes() for kind in KINDS}
        copy = await api.pipeline.ingest_input(_input(REPUBLISHED))
        assert copy.outcome is Outcome.REPRINT
        assert not await asyncio.to_thread(api.indexes.save)
        assert manifests == {kind: (shards / kind / SHARDS_MANIFEST).read_bytes() for kind in KINDS}
    assert not (tmp_path / "api" / "indexes").exists()
