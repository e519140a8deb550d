"""An article's same-event features as the store keeps them, and back."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import numpy.typing as npt
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from comparison.evidence import ArticleFeatures, article_vector
from core.db.schema import ArticleFeaturesRow, ArticleRow, PassageRow, PassageVectorRow


def passage_vectors(
    session: Session, report_id: int, model_id: int, dimension: int
) -> npt.NDArray[np.float32]:
    """float32 `(passages, dimension)`, in passage order."""
    blobs: Sequence[bytes] = session.scalars(
        select(PassageVectorRow.vector)
        .join(PassageRow, PassageRow.id == PassageVectorRow.passage_id)
        .where(PassageRow.report_id == report_id, PassageVectorRow.model_id == model_id)
        .order_by(PassageRow.idx)
    ).all()
    if not blobs:
        return np.zeros((0, dimension), dtype=np.float32)
    return np.stack([np.frombuffer(blob, dtype=np.float32, count=dimension) for blob in blobs])


def features_row(features: ArticleFeatures, model_id: int) -> ArticleFeaturesRow:
    title = features.title_vector
    return ArticleFeaturesRow(
        article_id=features.article_id,
        model_id=model_id,
        title_vector=None if title is None else np.asarray(title, dtype=np.float32).tobytes(),
        names=sorted(features.names),
        places=sorted(features.places),
        figures=sorted(features.figures),
        dates=sorted(features.dates),
        terms=dict(features.terms),
    )


def features_from_row(
    article: ArticleRow,
    row: ArticleFeaturesRow,
    vectors: npt.NDArray[np.float32],
    dimension: int,
) -> ArticleFeatures:
    title = (
        None
        if row.title_vector is None
        else np.frombuffer(row.title_vector, dtype=np.float32, count=dimension)
    )
    return ArticleFeatures(
        article_id=article.id,
        outlet=article.outlet_name or None,
        published_at=article.published_at,
        vector=article_vector(vectors, title),
        passage_vectors=vectors,
        names=frozenset(row.names),
        places=frozenset(row.places),
        figures=frozenset(row.figures),
        dates=frozenset(row.dates),
        terms=dict(row.terms),
        title_vector=title,
    )


def stored_features(
    session: Session, article_id: int, model_id: int, dimension: int
) -> tuple[ArticleFeatures, int] | None:
    """A placed article's features and its report's first publication (which groups reprints),
    or None when its features are not stored."""
    found = session.execute(
        select(ArticleRow, ArticleFeaturesRow)
        .join(ArticleFeaturesRow, ArticleFeaturesRow.article_id == ArticleRow.id)
        .where(ArticleRow.id == article_id)
    ).one_or_none()
    if found is None:
        return None
    article, row = found
    first = session.scalar(
        select(func.min(ArticleRow.id)).where(
            ArticleRow.report_id == article.report_id, ArticleRow.quarantined.is_(False)
        )
    )
    vectors = passage_vectors(session, article.report_id, model_id, dimension)
    return features_from_row(article, row, vectors, dimension), int(first or article.id)
