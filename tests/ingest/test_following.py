"""A process that did not place an article sees it through the store's change log."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlalchemy import select

from core.config import Settings
from core.db.schema import ArticleRow
from core.models import ArticleInput
from ingest.service import ingest_service
from tests.core.conftest import postgres_server_url, store_url  # noqa: F401
from tests.doubles import HashingEmbedder
from tests.ingest._following_process import start_follower

ROOT = Path(__file__).resolve().parents[2]
STORY = (
    "Rail workers walked out across the country on Tuesday after talks over pay broke down. "
    "The union said 40,000 members joined the strike, the largest in three decades.\n\n"
    "Ministers called the walkout irresponsible and said commuters would bear the cost."
)


def _article(outlet: str) -> ArticleInput:
    return ArticleInput(
        url=f"https://{outlet}.example/rail-strike",
        text=STORY.replace("Tuesday", "Tuesday" if outlet == "first" else "Tuesday morning"),
        title="Rail workers strike over pay",
        outlet=outlet,
        published_at=datetime(2026, 11, 3, 9, tzinfo=UTC),
    )


@pytest.mark.slow
async def test_a_second_process_sees_articles_the_first_placed(
    store_url: str,  # noqa: F811
    make_settings: Callable[..., Settings],
    tmp_path: Path,
) -> None:
    settings = make_settings(database_url=store_url, data_dir=tmp_path / "writer")
    async with ingest_service(
        settings, embedder=HashingEmbedder(), run_workers=False, include_registry=False
    ) as writer:
        follower = await start_follower(store_url, tmp_path / "follower", 0.05)
        assert follower.stdin is not None
        assert follower.stdout is not None
        try:
            ready = await follower.stdout.readline()
            assert ready.strip() == b"ready", (await follower.communicate())[1]
            seen = []
            for outlet in ("first", "second"):
                result = await writer.pipeline.ingest_input(_article(outlet))
                follower.stdin.write(f"{result.article_id}\n".encode())
                await follower.stdin.drain()
                seen.append(json.loads(await follower.stdout.readline()))
            follower.stdin.close()
            _, errors = await asyncio.wait_for(follower.communicate(), timeout=60)
            assert follower.returncode == 0, errors
        finally:
            if follower.returncode is None:
                follower.kill()
                await follower.communicate()
        with writer.sessions() as session:
            stored = dict(session.execute(select(ArticleRow.id, ArticleRow.event_id)).all())
    assert {s["article"]: s["event"] for s in seen} == stored
    assert len(set(stored.values())) == 1, "the second outlet's article joined the first's event"
