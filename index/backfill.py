"""Vectors for the configured model where the store only has another model's.

A store keeps every vector with the model that made it, so switching the embedding model or its
backend leaves the stored articles without vectors of the new one: invisible to search and to
comparisons. `embed_missing` runs at startup, before the indexes are opened, and embeds those
reports' passages and those articles' titles with the configured model, a chunk of reports per
transaction, so an interrupted run resumes where it stopped. The other same-event features
(names, places, figures, dates, terms) do not depend on the model and are kept.
"""

from __future__ import annotations

import logging

from sqlalchemy import exists, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, sessionmaker

from core.db.schema import (
    ArticleFeaturesRow,
    ArticleRow,
    PassageRow,
    PassageVectorRow,
    ReportRow,
    ReportVectorRow,
)
from core.startup import StartupProgress
from index.embedder import Embedder
from index.sync import mean_direction, vector_to_bytes

logger = logging.getLogger(__name__)

REPORTS_PER_CHUNK = 32


def embed_missing(
    sessions: sessionmaker[Session],
    embedder: Embedder,
    model_id: int,
    progress: StartupProgress | None = None,
) -> int:
    """Embed every report and title stored without a vector of `model_id`; returns the reports.
    Each report embedded counts as one step done in `progress`."""
    progress = progress or StartupProgress()
    progress.begin("embedding stored articles without a vector")
    reports = 0
    after = 0
    while True:
        with sessions() as session:
            chunk = _reports_without_vectors(session, model_id, after)
        if not chunk:
            return reports
        after = chunk[-1]
        try:
            with sessions.begin() as session:
                embedded = _embed_reports(session, embedder, model_id, chunk)
                _embed_titles(session, embedder, model_id, chunk)
        except IntegrityError:
            # Another process starting on the same store (a worker beside the API) wrote this
            # chunk first; its vectors are as good as ours.
            continue
        reports += embedded
        progress.advance(embedded)
        logger.info("embedded %d stored reports with %s", reports, embedder.name)


def _reports_without_vectors(session: Session, model_id: int, after: int) -> list[int]:
    has_vector = exists().where(
        ReportVectorRow.report_id == ReportRow.id, ReportVectorRow.model_id == model_id
    )
    # Over the size caps: never embedded again (ingest.quarantine).
    quarantined = exists().where(
        ArticleRow.report_id == ReportRow.id, ArticleRow.quarantined.is_(True)
    )
    return list(
        session.scalars(
            select(ReportRow.id)
            .where(ReportRow.id > after, ~has_vector, ~quarantined)
            .order_by(ReportRow.id)
            .limit(REPORTS_PER_CHUNK)
        )
    )


def _embed_reports(
    session: Session, embedder: Embedder, model_id: int, report_ids: list[int]
) -> int:
    rows = session.execute(
        select(PassageRow.id, PassageRow.report_id, PassageRow.text)
        .where(PassageRow.report_id.in_(report_ids))
        .order_by(PassageRow.report_id, PassageRow.idx)
    ).all()
    vectors = embedder.encode([text for _, _, text in rows])
    by_report: dict[int, list[int]] = {}
    for row, (passage_id, report_id, _) in enumerate(rows):
        session.add(
            PassageVectorRow(
                passage_id=passage_id, model_id=model_id, vector=vector_to_bytes(vectors[row])
            )
        )
        by_report.setdefault(report_id, []).append(row)
    for report_id, positions in by_report.items():
        session.add(
            ReportVectorRow(
                report_id=report_id,
                model_id=model_id,
                vector=vector_to_bytes(mean_direction(vectors[positions])),
            )
        )
    return len(by_report)


def _embed_titles(
    session: Session, embedder: Embedder, model_id: int, report_ids: list[int]
) -> None:
    rows = session.execute(
        select(ArticleFeaturesRow, ArticleRow.title)
        .join(ArticleRow, ArticleRow.id == ArticleFeaturesRow.article_id)
        .where(ArticleRow.report_id.in_(report_ids), ArticleFeaturesRow.model_id != model_id)
    ).all()
    titled = [(features, title) for features, title in rows if title.strip()]
    vectors = embedder.encode([title for _, title in titled])
    for features, _ in rows:
        features.model_id = model_id
        features.title_vector = None
    for (features, _), vector in zip(titled, vectors, strict=True):
        features.title_vector = vector_to_bytes(vector)
