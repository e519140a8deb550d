"""Reading articles out of the store as the engine's `ArticleView`s (vectors included)."""

from __future__ import annotations

from collections.abc import Iterable, Sequence

import numpy as np
from sqlalchemy import Row, select
from sqlalchemy.orm import Session

from comparison.model import ArticleView, PassageView
from core.db.reprints import first_publications, text_root
from core.db.schema import ArticleRow, PassageRow, PassageVectorRow, ReportRow, ReportVectorRow

_PassageColumns = Row[int, int, int, int, int, str, bytes]


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
    reports = {report.id: report for _article, report in rows}
    report_ids = set(reports)
    passages: dict[int, list[_PassageColumns]] = {rid: [] for rid in report_ids}
    # Columns rather than ORM objects: an event holds thousands of passages.
    for passage in session.execute(
        select(
            PassageRow.id,
            PassageRow.report_id,
            PassageRow.idx,
            PassageRow.start,
            PassageRow.end,
            PassageRow.text,
            PassageVectorRow.vector,
        )
        .join(PassageVectorRow, PassageVectorRow.passage_id == PassageRow.id)
        .where(PassageRow.report_id.in_(report_ids), PassageVectorRow.model_id == model_id)
        .order_by(PassageRow.report_id, PassageRow.idx)
    ).all():
        passages[passage.report_id].append(passage)
    first_publisher = first_publications(session, reports)
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


def _view(
    article: ArticleRow,
    report: ReportRow,
    passages: list[_PassageColumns],
    dimension: int,
    first_publisher: dict[int, int],
) -> ArticleView:
    vectors = (
        np.frombuffer(b"".join(p.vector for p in passages), dtype=np.float32).reshape(
            len(passages), dimension
        )
        if passages
        else np.zeros((0, dimension), dtype=np.float32)
    )
    original = first_publisher.get(text_root(report.id, report.near_duplicate_of))
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
            for passage in passages
        ),
        vectors=vectors,
        report_id=report.id,
        wire_copy_of=original if original is not None and original != article.id else None,
    )
