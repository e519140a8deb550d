"""Event clustering quality: the events Parallax forms incrementally vs the true events.

Articles arrive in publication order (undated ones last, in file order); each is matched against
the articles already placed (same first stage and model as retrieval) and handed to
`comparison.events.EventAssigner`. `clustering.<dataset>.bcubed_f1` is B-cubed F1 over that
dataset's articles, where a predicted event's precision counts every member, whatever its dataset.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Hashable, Mapping, Sequence
from typing import TypeVar

import numpy as np

from comparison.calibration import SameEventModel
from comparison.events import (
    JOIN_THRESHOLD,
    MERGE_THRESHOLD,
    EventAssigner,
    MemberScorer,
    find_wire_original,
)
from comparison.evidence import ArticleFeatures
from comparison.same_event import FIRST_STAGE_K, confidences, rank_candidates, window_mask
from evaluation.pool import DATASETS, Pool

__all__ = ["bcubed", "clustering_metrics", "form_events"]

Item = TypeVar("Item", bound=Hashable)


def bcubed(
    predicted: Mapping[Item, Hashable],
    gold: Mapping[Item, Hashable],
    items: Sequence[Item] | None = None,
) -> tuple[float, float, float]:
    """B-cubed (precision, recall, F1) averaged over `items` (default: every gold item)."""
    members_pred: dict[Hashable, set[Item]] = defaultdict(set)
    members_gold: dict[Hashable, set[Item]] = defaultdict(set)
    for item, cluster in predicted.items():
        members_pred[cluster].add(item)
    for item, cluster in gold.items():
        members_gold[cluster].add(item)
    chosen = list(items) if items is not None else list(gold)
    if not chosen:
        return 0.0, 0.0, 0.0
    precision = recall = 0.0
    for item in chosen:
        pred = members_pred[predicted[item]]
        true = members_gold[gold[item]]
        overlap = len(pred & true)
        precision += overlap / len(pred)
        recall += overlap / len(true)
    precision /= len(chosen)
    recall /= len(chosen)
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    return precision, recall, f1


def form_events(
    pool: Pool,
    window_days: float,
    model: SameEventModel,
    *,
    join_threshold: float = JOIN_THRESHOLD,
    merge_threshold: float = MERGE_THRESHOLD,
    k: int = FIRST_STAGE_K,
) -> EventAssigner:
    """Assign every pool article to an event, one at a time in arrival order."""
    order = sorted(
        range(len(pool.articles)),
        key=lambda i: (np.isnan(pool.times[i]), np.nan_to_num(pool.times[i]), i),
    )
    vectors = np.stack([f.vector for f in pool.features])
    placed = np.zeros(len(order), dtype=np.bool_)
    assigner = EventAssigner(
        join_threshold=join_threshold, merge_threshold=merge_threshold, window_days=window_days
    )
    for q in order:
        query = pool.features[q]
        scores = vectors @ query.vector
        allowed = placed & window_mask(query.published_at, pool.times, window_days)
        scores[~allowed] = -np.inf
        top = [int(i) for i in np.argsort(-scores)[:k] if np.isfinite(scores[i])]
        matches = rank_candidates(query, [pool.features[i] for i in top], pool.stats, model)
        assigner.assign(
            q,
            [(m.article_id, m.same_event_confidence) for m in matches],
            outlet=query.outlet,
            published_at=query.published_at,
            wire_copy_of=find_wire_original([(m.article_id, m.evidence) for m in matches]),
            score=_scorer(pool, query, model),
            rescore=lambda article, others: confidences(
                pool.features[article], [pool.features[i] for i in others], pool.stats, model
            ),
        )
        placed[q] = True
    return assigner


def _scorer(pool: Pool, query: ArticleFeatures, model: SameEventModel) -> MemberScorer:
    def score(ids: Sequence[int]) -> dict[int, float]:
        return confidences(query, [pool.features[i] for i in ids], pool.stats, model)

    return score


def clustering_metrics(
    pool: Pool,
    window_days: float,
    model: SameEventModel,
    *,
    join_threshold: float = JOIN_THRESHOLD,
    merge_threshold: float = MERGE_THRESHOLD,
) -> dict[str, float]:
    """`clustering.<dataset>.bcubed_f1` (plus precision and recall) per dataset."""
    assigner = form_events(
        pool, window_days, model, join_threshold=join_threshold, merge_threshold=merge_threshold
    )
    predicted = {a.number: assigner.event_of(a.number) for a in pool.articles}
    gold = {a.number: a.event_id for a in pool.articles}
    out: dict[str, float] = {}
    for dataset in DATASETS:
        items = [a.number for a in pool.articles if a.dataset == dataset]
        if not items:
            continue
        precision, recall, f1 = bcubed(predicted, gold, items)
        out[f"clustering.{dataset}.bcubed_f1"] = round(f1, 4)
        out[f"clustering.{dataset}.bcubed_precision"] = round(precision, 4)
        out[f"clustering.{dataset}.bcubed_recall"] = round(recall, 4)
    return out
