"""Evidence of recently compared article pairs, kept for the comparisons that follow."""

from __future__ import annotations

from collections import OrderedDict

from comparison.evidence import ArticleFeatures, Evidence, PoolStats, compare

__all__ = ["EvidenceMemo"]


class EvidenceMemo:
    """`comparison.evidence.compare` with the newest `size` pairs kept.

    Evidence is symmetric and an article's features never change, so the pairs scored when an
    article arrives are not scored again each time its event is compared. A kept pair keeps the
    pool statistics of when it was scored; they drift slowly as the archive grows. Not
    thread-safe: the owner serialises calls.
    """

    def __init__(self, size: int) -> None:
        self._size = size
        self._pairs: OrderedDict[tuple[int, int], Evidence] = OrderedDict()

    def __len__(self) -> int:
        return len(self._pairs)

    def evidence(self, a: ArticleFeatures, b: ArticleFeatures, stats: PoolStats) -> Evidence:
        key = _key(a.article_id, b.article_id)
        found = self._pairs.get(key)
        if found is not None:
            self._pairs.move_to_end(key)
            return found
        found = compare(a, b, stats)
        self.remember(a.article_id, b.article_id, found)
        return found

    def remember(self, a: int, b: int, evidence: Evidence) -> None:
        if self._size == 0:
            return
        key = _key(a, b)
        self._pairs[key] = evidence
        self._pairs.move_to_end(key)
        while len(self._pairs) > self._size:
            self._pairs.popitem(last=False)


def _key(a: int, b: int) -> tuple[int, int]:
    return (a, b) if a <= b else (b, a)
