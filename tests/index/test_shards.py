from __future__ import annotations

from datetime import UTC, date, datetime, timedelta, timezone

import numpy as np
import pytest

from index.shards import ShardedIndex, days_between, utc_day
from index.vector_index import VectorIndex

DIM = 16
DAYS = [date(2026, 11, 1) + timedelta(days=n) for n in range(10)]
PER_DAY = 40


def unit(rng: np.random.Generator, n: int) -> np.ndarray:
    vectors = rng.standard_normal((n, DIM)).astype(np.float32)
    return vectors / np.linalg.norm(vectors, axis=1, keepdims=True)


@pytest.fixture
def both() -> tuple[ShardedIndex, VectorIndex, dict[date, np.ndarray], np.ndarray]:
    """The same vectors, sharded by day and in one flat index; the ids of each day; queries."""
    rng = np.random.default_rng(7)
    sharded = ShardedIndex(DIM, model="test")
    flat = VectorIndex(DIM, model="test")
    by_day = {}
    for n, day in enumerate(DAYS):
        ids = np.arange(n * 1000, n * 1000 + PER_DAY, dtype=np.int64)
        vectors = unit(rng, PER_DAY)
        sharded.add(ids, vectors, day)
        flat.add(ids, vectors)
        by_day[day] = ids
    return sharded, flat, by_day, unit(rng, 25)


def assert_same(a: tuple[np.ndarray, np.ndarray], b: tuple[np.ndarray, np.ndarray]) -> None:
    np.testing.assert_array_equal(a[1], b[1])
    np.testing.assert_allclose(a[0], b[0], rtol=1e-6, atol=1e-6)


@pytest.mark.parametrize("k", [1, 10, 31, 500])
def test_a_whole_archive_search_equals_the_flat_index(
    both: tuple[ShardedIndex, VectorIndex, dict[date, np.ndarray], np.ndarray], k: int
) -> None:
    sharded, flat, _, queries = both
    assert len(sharded) == len(flat) == len(DAYS) * PER_DAY
    assert_same(sharded.search(queries, k), flat.search(queries, k))


@pytest.mark.parametrize("k", [5, 31, 200])
def test_a_window_search_touches_its_days_and_equals_the_flat_index_over_them(
    both: tuple[ShardedIndex, VectorIndex, dict[date, np.ndarray], np.ndarray], k: int
) -> None:
    sharded, flat, by_day, queries = both
    window = days_between(DAYS[3], DAYS[5])
    in_window = np.concatenate([by_day[day] for day in window])
    expected = flat.search(queries, k, allowed=in_window)
    assert_same(sharded.search(queries, k, days=window), expected)
    assert_same(sharded.within(window).search(queries, k), expected)
    # The window's ids as a selector too, the way the same-event search passes them.
    rng = np.random.default_rng(1)
    allowed = rng.choice(in_window, size=50, replace=False)
    assert_same(
        sharded.within(window).search(queries, k, allowed=allowed),
        flat.search(queries, k, allowed=allowed),
    )


def test_days_outside_the_window_are_not_searched(
    both: tuple[ShardedIndex, VectorIndex, dict[date, np.ndarray], np.ndarray],
) -> None:
    sharded, _, by_day, queries = both
    _, ids = sharded.search(queries, 100, days=[DAYS[0], date(2020, 1, 1)])
    assert set(ids[ids >= 0].tolist()) <= set(by_day[DAYS[0]].tolist())
    _, none = sharded.search(queries, 3, days=[])
    assert (none == -1).all()


def test_swapping_in_a_newer_shard_keeps_what_this_process_added() -> None:
    rng = np.random.default_rng(3)
    day = DAYS[0]
    index = ShardedIndex(DIM, model="test")
    vectors = unit(rng, 3)
    index.add([1, 2], vectors[:2], day)
    old = index.shard(day)
    assert old is not None
    newer = VectorIndex(DIM, model="test")
    newer.add([1, 3], vectors[[0, 2]])
    assert index.swap_in(day, newer) == 1
    assert sorted(index.ids().tolist()) == [1, 2, 3]
    assert index.shard(day) is newer
    # A search that started on the old shard reads it unchanged.
    assert sorted(old.ids().tolist()) == [1, 2]
    np.testing.assert_allclose(newer.reconstruct(2), vectors[1], atol=1e-6)


def test_utc_day_reads_the_moment_in_utc() -> None:
    late = datetime(2026, 12, 1, 23, 30, tzinfo=timezone(timedelta(hours=-5)))
    assert utc_day(late) == date(2026, 12, 2)
    assert utc_day(datetime(2026, 12, 1, 0, 0, tzinfo=UTC)) == date(2026, 12, 1)
    assert days_between(date(2026, 12, 30), date(2027, 1, 1)) == [
        date(2026, 12, 30),
        date(2026, 12, 31),
        date(2027, 1, 1),
    ]
