"""A store holding an article from before the caps, and over them, starts without processing it:
the article is quarantined with a log line and a recorded failure, and is never compared."""

from __future__ import annotations

import logging
from collections.abc import Callable

import pytest
from sqlalchemy import delete, select

from core.config import Settings
from core.db.schema import ArticleFeaturesRow, ArticleRow, FailureRow
from tests.api._support import (
    article_url,
    assert_problem,
    demo_article,
    event_articles,
    ingest_demo,
    running,
)


async def test_an_over_cap_article_is_quarantined_at_startup(
    api_settings: Callable[..., Settings], caplog: pytest.LogCaptureFixture
) -> None:
    big, small = event_articles(demo_article().event)[:2]
    cap = len(big.text) - 1
    assert len(small.text) <= cap
    async with running(api_settings()) as (_, lifespan):
        big_id = await ingest_demo(lifespan, big)
        small_id = await ingest_demo(lifespan, small)
        with lifespan.runtime.ingest.sessions.begin() as session:
            # As a crash leaves it: stored, its event placement still to compute at startup.
            session.execute(
                delete(ArticleFeaturesRow).where(ArticleFeaturesRow.article_id == big_id)
            )
            session.execute(
                ArticleRow.__table__.update().where(ArticleRow.id == big_id).values(event_id=None)
            )

    with caplog.at_level(logging.WARNING, logger="ingest.quarantine"):
        async with running(api_settings(max_article_chars=cap)) as (client, lifespan):
            assert any("quarantined" in record.message for record in caplog.records)
            service = lifespan.runtime.ingest
            assert service.events.index.features(big_id) is None
            assert service.events.index.features(small_id) is not None
            with service.sessions() as session:
                row = session.get(ArticleRow, big_id)
                assert row is not None
                assert (row.quarantined, row.verified, row.event_id) == (True, False, None)
                failures = session.execute(select(FailureRow.stage, FailureRow.reason)).all()
                assert [tuple(failure) for failure in failures] == [("quarantine", "too-large")]
            refused = await client.get("/compare", params={"url": article_url(big)})
            assert_problem(refused, 413, "too-large")

    # Quarantine is done once: the next start finds nothing new to quarantine.
    caplog.clear()
    with caplog.at_level(logging.WARNING, logger="ingest.quarantine"):
        async with running(api_settings(max_article_chars=cap)):
            assert not any("quarantined" in record.message for record in caplog.records)
