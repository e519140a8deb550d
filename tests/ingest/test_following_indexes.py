"""A process's FAISS indexes follow the store: a report another process stored after this one
started is a reprint candidate here once the change log has been followed."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from contextlib import AbstractAsyncContextManager
from pathlib import Path

import numpy as np
import pytest
from sqlalchemy import select

from core.config import Settings
from core.db.schema import ArticleRow, PassageVectorRow, ReportRow, ReportVectorRow
from core.models import ArticleInput
from demo.articles import DemoArticle
from demo.articles.evacuation import ARTICLES
from index.embedder import Embedder
from ingest.follow import apply_changes
from ingest.pipeline import Outcome
from ingest.service import IngestService, ingest_service
from tests.core.conftest import postgres_server_url, store_url  # noqa: F401

pytestmark = pytest.mark.slow

# Meridian Wire's story, then The Harbour Gazette's near-verbatim republication of it.
WIRE, REPUBLISHED = ARTICLES[0], ARTICLES[1]


def _input(article: DemoArticle) -> ArticleInput:
    return ArticleInput(
        url=f"https://{article.outlet}.example/{article.path}",
        text=article.text,
        title=article.title,
        outlet=article.outlet,
        published_at=article.published_at,
    )


def _stored_ids(service: IngestService) -> tuple[set[int], set[int]]:
    """The passage and report ids the store has vectors for, for the service's model."""
    model_id = service.indexes.model_id
    with service.sessions() as session:
        passages = session.scalars(
            select(PassageVectorRow.passage_id).where(PassageVectorRow.model_id == model_id)
        ).all()
        reports = session.scalars(
            select(ReportVectorRow.report_id).where(ReportVectorRow.model_id == model_id)
        ).all()
    return set(passages), set(reports)


def _held_ids(service: IngestService) -> tuple[set[int], set[int]]:
    indexes = service.indexes
    return set(indexes.passages.ids().tolist()), set(indexes.reports.ids().tolist())


def _report_of(service: IngestService, article_id: int) -> ReportRow:
    with service.sessions() as session:
        report_id = session.scalar(select(ArticleRow.report_id).where(ArticleRow.id == article_id))
        report = session.get(ReportRow, report_id)
        assert report is not None
        return report


async def test_a_report_another_process_stored_is_a_reprint_candidate_after_following(
    store_url: str,  # noqa: F811
    make_settings: Callable[..., Settings],
    embedder: Embedder,
    tmp_path: Path,
) -> None:
    def process(name: str) -> AbstractAsyncContextManager[IngestService]:
        # Only the explicit follows below catch up (the background one runs once, at start).
        settings = make_settings(
            database_url=store_url, data_dir=tmp_path / name, event_follow_interval=3600.0
        )
        return ingest_service(
            settings, embedder=embedder, run_workers=False, include_registry=False
        )

    async with process("first") as first, process("second") as second:
        wire = await first.pipeline.ingest_input(_input(WIRE))
        assert wire.outcome is Outcome.INGESTED
        wire_report = _report_of(first, wire.article_id)

        await asyncio.to_thread(second.events.follow)
        stored = _stored_ids(first)
        assert wire_report.id in stored[1]
        assert _held_ids(second) == stored
        assert len(second.indexes.passages) == len(stored[0])
        assert len(second.indexes.reports) == len(stored[1])

        copy = await second.pipeline.ingest_input(_input(REPUBLISHED))
        assert copy.outcome is Outcome.REPRINT
        assert _report_of(second, copy.article_id).near_duplicate_of == wire_report.id

        await asyncio.to_thread(first.events.follow)
        stored = _stored_ids(first)
        assert _held_ids(first) == _held_ids(second) == stored

        # Following again, even the whole log from its start, adds nothing.
        await asyncio.to_thread(second.events.follow)
        with second.sessions() as session:
            apply_changes(
                session,
                second.events.index,
                0,
                model_id=second.indexes.model_id,
                dimension=second.indexes.dimension,
                indexes=second.indexes,
            )
            assert second.indexes.add_stored(session, list(stored[1])) == 0
        assert _held_ids(second) == stored
        assert len(second.indexes.passages) == len(stored[0])
        assert len(second.indexes.reports) == len(stored[1])
        assert second.indexes.verify()
        assert np.unique(second.indexes.passages.ids()).size == len(stored[0])
