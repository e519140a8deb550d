"""A stand-in for `comparison.event_index.EventIndex` whose matches come from topic labels.

The real `EventAssigner` decides; an article's `names` are its topics, and two articles sharing
one match at 0.99 (0 otherwise). Decisions then depend only on the order articles arrive in, so
a run of several processes can be checked against one process placing them in commit order.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

from comparison.events import Assignment, EventAssigner
from comparison.evidence import ArticleFeatures

MATCH = 0.99


class TopicEvents:
    def __init__(self) -> None:
        self.assigner = EventAssigner()
        self.topics: dict[int, frozenset[str]] = {}

    def _confidence(self, topics: frozenset[str], other: int) -> float:
        return MATCH if topics & self.topics[other] else 0.0

    def add(
        self,
        features: ArticleFeatures,
        *,
        wire_copy_of: int | None = None,
        new_event_id: Callable[[], int] | None = None,
    ) -> tuple[Assignment, list[object]]:
        topics = features.names

        def rescore(article_id: int, others: Sequence[int]) -> dict[int, float]:
            return {o: self._confidence(self.topics[article_id], o) for o in others}

        assignment = self.assigner.assign(
            features.article_id,
            [(other, self._confidence(topics, other)) for other in self.topics],
            outlet=features.outlet,
            wire_copy_of=wire_copy_of,
            rescore=rescore,
            new_event_id=new_event_id,
        )
        self.topics[features.article_id] = topics
        return assignment, []

    def event_of(self, article_id: int) -> int | None:
        return self.assigner.event_of(article_id) if article_id in self.assigner else None

    def restore(self, features: ArticleFeatures, event_id: int, report: int) -> None:
        self.topics[features.article_id] = features.names
        self.assigner.restore(features.article_id, event_id, outlet=features.outlet, report=report)

    def follow_added(self, features: ArticleFeatures, event_id: int, report: int) -> None:
        if features.article_id in self.topics:
            self.assigner.relocate(features.article_id, event_id)
        else:
            self.restore(features, event_id, report)

    def follow_moved(self, article_id: int, event_id: int) -> None:
        self.assigner.relocate(article_id, event_id)

    def follow_merged(self, gone: int, into: int) -> None:
        self.assigner.absorb(gone, into)

    def partition(self) -> set[frozenset[int]]:
        """The events as sets of articles, whatever their ids."""
        groups: dict[int, set[int]] = {}
        for article_id in self.topics:
            groups.setdefault(self.assigner.event_of(article_id), set()).add(article_id)
        return {frozenset(group) for group in groups.values()}
