from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import UTC, datetime

import numpy as np
from sqlalchemy import func, select

from comparison.store_views import load_articles
from core.config import Settings
from core.db.schema import ArticleFeaturesRow, PassageRow, PassageVectorRow, ReportVectorRow
from core.models import ArticleInput
from index.backfill import embed_missing
from index.sync import get_or_create_model
from ingest.service import IngestService, ingest_service
from tests.doubles import HashingEmbedder

STORY = (
    "Rescuers evacuated 422 people from the border area on Sunday. "
    "The army said the operation ended before dawn. "
    "Officials in Amman confirmed that the group crossed into Jordan."
)


def _count(service: IngestService, column: object, model_id: int) -> int:
    table = column.class_  # type: ignore[attr-defined]
    with service.sessions() as session:
        return int(
            session.scalar(select(func.count()).select_from(table).where(column == model_id)) or 0
        )


async def test_switching_models_embeds_the_stored_articles_once(
    make_settings: Callable[..., Settings],
) -> None:
    settings = make_settings()
    async with ingest_service(
        settings, embedder=HashingEmbedder(64), run_workers=False, include_registry=False
    ) as service:
        for n, outlet in enumerate(("Wire", "Paper", "Daily")):
            await service.pipeline.ingest_input(
                ArticleInput(
                    url=f"https://{outlet.lower()}.example/{n}",
                    text=STORY.replace("422", str(422 + n)),
                    title=f"{outlet}: rescuers cross into Jordan",
                    outlet=outlet,
                    published_at=datetime(2026, 11, 9, 8 + n, tzinfo=UTC),
                )
            )
        with service.sessions() as session:
            passages = int(session.scalar(select(func.count()).select_from(PassageRow)) or 0)
            article_ids = list(session.scalars(select(ArticleFeaturesRow.article_id)))

    switched = HashingEmbedder(32)
    async with ingest_service(
        settings, embedder=switched, run_workers=False, include_registry=False
    ) as service:
        model_id = service.indexes.model_id
        assert _count(service, PassageVectorRow.model_id, model_id) == passages
        assert _count(service, ReportVectorRow.model_id, model_id) == 3
        assert len(service.indexes.passages) == passages
        assert len(service.indexes.reports) == 3
        with service.sessions() as session:
            features = session.scalars(select(ArticleFeaturesRow)).all()
            assert {row.model_id for row in features} == {model_id}
            assert all(
                row.title_vector is not None and len(row.title_vector) == 32 * 4 for row in features
            )
            views = load_articles(session, article_ids, model_id=model_id, dimension=32)
        expected = switched.encode([p.text for p in views[0].passages])
        assert np.allclose(views[0].vectors, expected, atol=1e-6)

    async with ingest_service(
        settings, embedder=switched, run_workers=False, include_registry=False
    ) as service:
        assert _count(service, PassageVectorRow.model_id, service.indexes.model_id) == passages


class _RacedEmbedder:
    """Embeds like `inner`, but on its first call another writer backfills the store first."""

    def __init__(self, inner: HashingEmbedder, service: IngestService, model_id: int) -> None:
        self.inner = inner
        self.name = inner.name
        self.dimension = inner.dimension
        self._service = service
        self._model_id = model_id
        self._raced = False

    def encode(self, texts: Sequence[str]) -> np.ndarray:
        if not self._raced:
            self._raced = True
            embed_missing(self._service.sessions, self.inner, self._model_id)
        return self.inner.encode(texts)


async def test_a_chunk_another_process_embedded_first_is_skipped(
    make_settings: Callable[..., Settings],
) -> None:
    async with ingest_service(
        make_settings(), embedder=HashingEmbedder(64), run_workers=False, include_registry=False
    ) as service:
        await service.pipeline.ingest_input(
            ArticleInput(url="https://wire.example/1", text=STORY, title="Rescuers", outlet="Wire")
        )
        switched = HashingEmbedder(32)
        with service.sessions.begin() as session:
            model_id = get_or_create_model(session, switched.name, switched.dimension)
        raced = _RacedEmbedder(switched, service, model_id)
        assert embed_missing(service.sessions, raced, model_id) == 0
        assert _count(service, ReportVectorRow.model_id, model_id) == 1
        assert embed_missing(service.sessions, switched, model_id) == 0
