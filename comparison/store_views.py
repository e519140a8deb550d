"""Reading articles out of the store as the engine's `ArticleView`s (vectors included)."""

from __future__ import annotations

from collections.abc import Iterable, Sequence

import numpy as np
from sqlalchemy import select
from sqlalchemy.orm import Session

from comparison.model import ArticleView, PassageView
from core.db.schema import ArticleRow, PassageRow, PassageVectorRow, ReportRow, ReportVectorRow


def load_articles(
    session: Session, article_ids: Iterable[int], *, model_id: int, dimension: int
) -> list[ArticleView]:
    """The articles with their passages and passage vectors, in the order of `article_ids`."""
    ids = list(dict.fromkeys(article_ids))
    if not ids:
        return []
    rows = session.execute(
        select(ArticleRow, ReportRow)
        .join(ReportRow, ReportRow.id == ArticleRow.report_id)
        .where(ArticleRow.id.in_(ids))
    ).all()
    report_ids = {report.id for _article, report in rows}
    passages: dict[int, list[tuple[PassageRow, bytes]]] = {rid: [] for rid in report_ids}
    for passage, vector in session.execute(
        select(PassageRow, PassageVectorRow.vector)
        .join(PassageVectorRow, PassageVectorRow.passage_id == PassageRow.id)
        .where(PassageRow.report_id.in_(report_ids), PassageVectorRow.model_id == model_id)
        .order_by(PassageRow.report_id, PassageRow.idx)
    ).all():
        passages[passage.report_id].append((passage, vector))
    first_publisher = _first_publishers(session, report_ids)
    views = {
        article.id: _view(article, report, passages[report.id], dimension, first_publisher)
        for article, report in rows
    }
    return [views[article_id] for article_id in ids if article_id in views]


def report_vectors(
    session: Session, report_ids: Sequence[int], *, model_id: int, dimension: int
) -> dict[int, np.ndarray]:
    """Article-level vectors by report id: float32 `(dimension,)` each."""
    rows = session.execute(
        select(ReportVectorRow.report_id, ReportVectorRow.vector).where(
            ReportVectorRow.report_id.in_(report_ids), ReportVectorRow.model_id == model_id
        )
    ).all()
    return {
        report_id: np.frombuffer(vector, dtype=np.float32, count=dimension)
        for report_id, vector in rows
    }


def _first_publishers(session: Session, report_ids: set[int]) -> dict[int, int]:
    """For each report, the article that published it first (the original of any reprint)."""
    firsts: dict[int, int] = {}
    for article_id, report_id, near in session.execute(
        select(ArticleRow.id, ArticleRow.report_id, ReportRow.near_duplicate_of)
        .join(ReportRow, ReportRow.id == ArticleRow.report_id)
        .where(
            ArticleRow.report_id.in_(report_ids)
            | ReportRow.near_duplicate_of.in_(report_ids)
            | ArticleRow.report_id.in_(
                select(ReportRow.near_duplicate_of).where(ReportRow.id.in_(report_ids))
            )
        )
        .order_by(ArticleRow.published_at.is_(None), ArticleRow.published_at, ArticleRow.id)
    ).all():
        root = near or report_id
        firsts.setdefault(root, article_id)
    return firsts


def _view(
    article: ArticleRow,
    report: ReportRow,
    passages: list[tuple[PassageRow, bytes]],
    dimension: int,
    first_publisher: dict[int, int],
) -> ArticleView:
    vectors = (
        np.stack(
            [np.frombuffer(vector, dtype=np.float32, count=dimension) for _, vector in passages]
        )
        if passages
        else np.zeros((0, dimension), dtype=np.float32)
    )
    original = first_publisher.get(report.near_duplicate_of or report.id)
    return ArticleView(
        article_id=article.id,
        outlet=article.outlet_name or article.site_name or "",
        url=article.url,
        title=article.title,
        text=report.text,
        published_at=article.published_at,
        passages=tuple(
            PassageView(
                passage_id=passage.id,
                article_id=article.id,
                index=passage.idx,
                start=passage.start,
                end=passage.end,
                text=passage.text,
            )
            for passage, _ in passages
        ),
        vectors=vectors,
        report_id=report.id,
        wire_copy_of=original if original is not None and original != article.id else None,
    )
