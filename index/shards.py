"""One exact cosine index per publication day, searched as if it were one.

A `ShardedIndex` keeps a `VectorIndex` per day (`Day`: a UTC date, or None for vectors without
one). A search names the days it may touch, or touches them all, and merges each shard's top k
into the top k of their union: the same ids and scores one flat index over the same vectors
returns (ties in score aside, whose order FAISS leaves open too).

Shards are swapped whole (`swap_in`, a newer published version) without stopping searches: a
search reads the shard map once, so one in flight finishes on the versions it started with.
"""

from __future__ import annotations

import threading
from collections.abc import Collection, Iterable, Mapping
from datetime import UTC, date, datetime

import numpy as np
import numpy.typing as npt

from index.vector_index import FloatArray, IdArray, IdSelection, VectorIndex

Day = date | None


def utc_day(moment: datetime) -> date:
    """The UTC calendar day of ``moment`` (a naive one is read as local time, as
    ``datetime.timestamp`` reads it)."""
    return moment.astimezone(UTC).date()


def days_between(first: date, last: date) -> list[date]:
    """Every day from ``first`` to ``last``, both included."""
    return [date.fromordinal(n) for n in range(first.toordinal(), last.toordinal() + 1)]


def merge_top_k(
    results: Iterable[tuple[FloatArray, IdArray]], m: int, k: int
) -> tuple[FloatArray, IdArray]:
    """The best ``k`` of several searches' results, each scores float32 ``(m, k_i)`` and ids
    int64 ``(m, k_i)`` for the same ``m`` queries; padded with -inf and id -1 as FAISS pads."""
    parts = list(results)
    scores = np.full((m, k), -np.inf, dtype=np.float32)
    ids = np.full((m, k), -1, dtype=np.int64)
    if not parts or not m:
        return scores, ids
    all_scores = np.concatenate([p[0] for p in parts], axis=1)
    all_ids = np.concatenate([p[1] for p in parts], axis=1)
    order = np.argsort(-all_scores, axis=1, kind="stable")[:, :k]
    width = order.shape[1]
    scores[:, :width] = np.take_along_axis(all_scores, order, axis=1)
    ids[:, :width] = np.take_along_axis(all_ids, order, axis=1)
    ids[scores == -np.inf] = -1
    return scores, ids


class ShardedIndex:
    """Exact inner-product search over unit vectors keyed by stable int64 ids, split by day.

    An id lives in one shard: callers give each id the same day every time (its report's day).
    Writes (`add`, `remove`, `swap_in`) take one lock among themselves; searches take none of
    it, only each shard's own read lock.
    """

    def __init__(self, dimension: int, *, model: str) -> None:
        self.dimension = dimension
        self.model = model
        self._shards: dict[Day, VectorIndex] = {}
        self._write_lock = threading.Lock()
        self._changed: set[Day] = set()

    def __len__(self) -> int:
        return sum(len(shard) for shard in self._shards.values())

    def days(self) -> list[Day]:
        """The days holding a shard (empty ones included until removed)."""
        return list(self._shards)

    def shard(self, day: Day) -> VectorIndex | None:
        return self._shards.get(day)

    def add(self, ids: npt.ArrayLike, vectors: npt.ArrayLike, day: Day) -> None:
        """Store ``vectors`` (float32 ``(n, d)``) under ``ids`` (int64 ``(n,)``) in ``day``'s
        shard, replacing any vector already stored there under one of them."""
        with self._write_lock:
            shard = self._shards.get(day)
            if shard is None:
                shard = VectorIndex(self.dimension, model=self.model)
                self._shards = {**self._shards, day: shard}
            shard.add(ids, vectors)
            self._changed.add(day)

    def remove(self, ids: npt.ArrayLike, day: Day) -> int:
        """Drop ``ids`` from ``day``'s shard; returns how many were removed."""
        with self._write_lock:
            shard = self._shards.get(day)
            removed = 0 if shard is None else shard.remove(ids)
            if removed:
                self._changed.add(day)
            return removed

    def set_shard(self, day: Day, shard: VectorIndex | None) -> None:
        """Make ``shard`` the day's index as it is (a rebuild or a load), or drop the day."""
        with self._write_lock:
            shards = dict(self._shards)
            if shard is None:
                shards.pop(day, None)
            else:
                shards[day] = shard
            self._shards = shards
            self._changed.add(day)

    def swap_in(self, day: Day, newer: VectorIndex) -> int:
        """Replace ``day``'s shard by ``newer`` (another process's published version), first
        adding to it what the current shard holds and it lacks (vectors this process added since
        that version was written), so a swap never loses a vector. Returns how many it copied.
        """
        with self._write_lock:
            current = self._shards.get(day)
            copied = 0
            if current is not None:
                lacking = newer.missing(current.ids())
                if lacking.size:
                    newer.add(lacking, current.reconstruct_many(lacking))
                    copied = int(lacking.size)
            self._shards = {**self._shards, day: newer}
            return copied

    def take_changed(self) -> set[Day]:
        """The days written to since the last call, forgotten now (the caller publishes them)."""
        with self._write_lock:
            changed, self._changed = self._changed, set()
            return changed

    def mark_changed(self, days: Collection[Day]) -> None:
        """Days a caller took but failed to publish: they are taken again next time."""
        with self._write_lock:
            self._changed |= set(days)

    def ids(self) -> IdArray:
        """Every stored id, int64 ``(len(self),)``."""
        parts = [shard.ids() for shard in self._shards.values()]
        return np.concatenate(parts) if parts else np.empty(0, dtype=np.int64)

    def ids_by_day(self) -> Mapping[Day, IdArray]:
        return {day: shard.ids() for day, shard in self._shards.items()}

    def missing(self, ids: npt.ArrayLike, day: Day) -> IdArray:
        """Those of ``ids`` (int64 ``(n,)``) that ``day``'s shard does not store, in order."""
        shard = self._shards.get(day)
        return np.asarray(ids, dtype=np.int64) if shard is None else shard.missing(ids)

    def search(
        self,
        queries: npt.ArrayLike,
        k: int,
        *,
        allowed: npt.ArrayLike | IdSelection | None = None,
        days: Iterable[Day] | None = None,
    ) -> tuple[FloatArray, IdArray]:
        """The ``k`` nearest stored vectors to each query, best first, as `VectorIndex.search`
        returns them; ``days`` limits the search to those days' shards (None: every shard)."""
        if k < 1:
            raise ValueError("k must be at least 1")
        array = np.asarray(queries, dtype=np.float32)
        if array.ndim != 2 or array.shape[1] != self.dimension:
            raise ValueError(f"queries must have shape (m, {self.dimension}), got {array.shape}")
        shards = self._shards
        chosen = (
            list(shards.values())
            if days is None
            else [shards[day] for day in dict.fromkeys(days) if day in shards]
        )
        if allowed is not None and not isinstance(allowed, IdSelection):
            allowed = IdSelection(allowed)
        return merge_top_k(
            (shard.search(array, k, allowed=allowed) for shard in chosen if len(shard)),
            array.shape[0],
            k,
        )

    def within(self, days: Iterable[Day]) -> DaysView:
        """The same index restricted to ``days``, for a caller that searches any index."""
        return DaysView(self, list(days))


class DaysView:
    """A `ShardedIndex` seen through some of its days: ``search`` as `VectorIndex.search`."""

    def __init__(self, index: ShardedIndex, days: list[Day]) -> None:
        self._index = index
        self._days = days

    def search(
        self, queries: npt.ArrayLike, k: int, *, allowed: npt.ArrayLike | IdSelection | None = None
    ) -> tuple[FloatArray, IdArray]:
        return self._index.search(queries, k, allowed=allowed, days=self._days)
