"""The archive's same-event state in memory: article features, their vectors, pool statistics
and the events they form. DB-free; `ingest.events` persists what it decides.

Memory grows with the archive (each article's passage vectors are kept for the evidence), which
suits the embedded default; a scale-out deployment would load features per window instead.
"""

from __future__ import annotations

import math
import threading
from collections.abc import Callable, Sequence
from datetime import datetime, timedelta

import numpy as np

from comparison.calibration import SameEventModel
from comparison.events import SECONDS_PER_DAY, Assignment, EventAssigner, EventSummary
from comparison.evidence import ArticleFeatures, PoolStats
from comparison.evidence_memo import EvidenceMemo
from comparison.same_event import (
    NearestSearch,
    SameEventMatch,
    confidences,
    eligible,
    find_same_event,
    rank_evidence,
)
from index.shards import ShardedIndex, days_between, utc_day

# Pairs whose evidence is kept (~1 KB each, so ~40 MB): about the candidates of the last
# thousand articles ingested, which is where comparisons are asked for.
EVIDENCE_MEMO_SIZE = 40_000


class EventIndex:
    def __init__(
        self,
        *,
        dimension: int,
        model_name: str,
        window_days: float,
        same_event: SameEventModel | None = None,
        evidence_memo_size: int = EVIDENCE_MEMO_SIZE,
    ) -> None:
        self._window = window_days * SECONDS_PER_DAY
        self._model = same_event or SameEventModel.load()
        self._features: dict[int, ArticleFeatures] = {}
        self._times: dict[int, float] = {}
        self._vectors = ShardedIndex(dimension, model=model_name)
        self._stats = PoolStats()
        self._assigner = EventAssigner(window_days=window_days)
        self._memo = EvidenceMemo(evidence_memo_size)
        self._lock = threading.RLock()

    def __contains__(self, article_id: object) -> bool:
        return article_id in self._features

    def _remember(self, features: ArticleFeatures) -> None:
        self._features[features.article_id] = features
        self._times[features.article_id] = _timestamp(features.published_at)
        self._vectors.add(
            np.asarray([features.article_id], dtype=np.int64),
            features.vector[None],
            None if features.published_at is None else utc_day(features.published_at),
        )
        self._stats.add(features)

    def restore(self, features: ArticleFeatures, event_id: int, report: int) -> None:
        """Load a stored article with the event it already belongs to."""
        with self._lock:
            self._remember(features)
            self._assigner.restore(
                features.article_id,
                event_id,
                outlet=features.outlet,
                published_at=features.published_at,
                report=report,
            )

    def follow_added(self, features: ArticleFeatures, event_id: int, report: int) -> None:
        """An article another process placed; moved there instead when already loaded (a
        change the store held when this index was restored)."""
        with self._lock:
            if features.article_id in self._features:
                self._assigner.relocate(features.article_id, event_id)
                return
            self.restore(features, event_id, report)

    def follow_moved(self, article_id: int, event_id: int) -> None:
        with self._lock:
            if article_id in self._assigner:
                self._assigner.relocate(article_id, event_id)

    def follow_merged(self, gone: int, into: int) -> None:
        with self._lock:
            self._assigner.absorb(gone, into)

    def attach(self, features: ArticleFeatures) -> int | None:
        """Keep an unverified article (a page a caller sent) for scoring its own comparison: it
        is never a candidate for other articles, never counted in the pool statistics, and never
        a member of an event. Returns the event of its best match that reaches the join
        threshold, which its comparison reads coverage from, or None."""
        with self._lock:
            found = self.matches(features)
            self._features[features.article_id] = features
            for match in found:
                if match.same_event_confidence < self._assigner.join_threshold:
                    break
                if match.article_id in self._assigner:
                    return self._assigner.event_of(match.article_id)
            return None

    def _window_ids(self, published_at: datetime | None) -> np.ndarray:
        ids = np.fromiter(self._times, dtype=np.int64, count=len(self._times))
        if published_at is None:
            return ids
        times = np.fromiter(self._times.values(), dtype=np.float64, count=len(self._times))
        gap = np.abs(times - published_at.timestamp())
        with np.errstate(invalid="ignore"):
            return ids[np.isnan(gap) | (gap <= self._window)]

    def _window_shards(self, published_at: datetime | None) -> NearestSearch:
        """The article vectors a search in the window of ``published_at`` may find: its days'
        shards and the undated one (all of them for an undated article)."""
        if published_at is None:
            return self._vectors
        window = timedelta(seconds=self._window)
        days = days_between(utc_day(published_at - window), utc_day(published_at + window))
        return self._vectors.within([*days, None])

    def matches(self, features: ArticleFeatures) -> list[SameEventMatch]:
        """Other outlets' articles of the same event, best first, with calibrated confidence."""
        with self._lock:
            allowed = self._window_ids(features.published_at)
            allowed = allowed[allowed != features.article_id]
            if allowed.size == 0:
                return []
            return find_same_event(
                features,
                self._window_shards(features.published_at),
                lambda ids: [self._features[i] for i in ids],
                self._stats,
                self._model,
                allowed_ids=allowed,
            )

    def score(self, features: ArticleFeatures, article_ids: Sequence[int]) -> list[SameEventMatch]:
        """Calibrated same-event confidence of the given articles against `features`."""
        with self._lock:
            candidates = [self._features[i] for i in article_ids if i in self._features]
            kept = eligible(features, candidates)
            evidence = [self._memo.evidence(features, c, self._stats) for c in kept]
            return rank_evidence(kept, evidence, self._model)

    def add(
        self,
        features: ArticleFeatures,
        *,
        wire_copy_of: int | None = None,
        new_event_id: Callable[[], int] | None = None,
    ) -> tuple[Assignment, list[SameEventMatch]]:
        """Place a new article into an event (joining, starting or merging events); a new
        event takes the id `new_event_id` issues."""
        with self._lock:
            found = self.matches(features)
            assignment = self._assigner.assign(
                features.article_id,
                [(match.article_id, match.same_event_confidence) for match in found],
                outlet=features.outlet,
                published_at=features.published_at,
                wire_copy_of=wire_copy_of,
                score=lambda ids: confidences(
                    features, [self._features[i] for i in ids], self._stats, self._model
                ),
                rescore=self._rescore,
                new_event_id=new_event_id,
            )
            self._remember(features)
            for match in found:
                self._memo.remember(features.article_id, match.article_id, match.evidence)
            return assignment, found

    def _rescore(self, article_id: int, others: Sequence[int]) -> dict[int, float]:
        known = [self._features[i] for i in others if i in self._features]
        return confidences(self._features[article_id], known, self._stats, self._model)

    def event_of(self, article_id: int) -> int | None:
        with self._lock:
            return self._assigner.event_of(article_id) if article_id in self._assigner else None

    def summary(self, event_id: int) -> EventSummary:
        with self._lock:
            return self._assigner.summary(event_id)

    def features(self, article_id: int) -> ArticleFeatures | None:
        return self._features.get(article_id)


def _timestamp(value: datetime | None) -> float:
    return value.timestamp() if value is not None else math.nan
