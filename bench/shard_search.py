"""Day shards against one flat index: search and publish cost, in one run.

    python bench/shard_search.py [--days 30 120 365] [--per-day 1000] [--dim 384] [--window 3]

For each archive of `--days` days, builds the same random unit vectors twice, as one
`VectorIndex` and as a `ShardedIndex` with `--per-day` vectors a day, and times single queries
(k=30, what the same-event first stage asks; median of `--repeats`):

- flat, window as a selector: the flat index restricted to the ids of the ±`--window` days
  (what the same-event search did before the shards);
- shards, window: only those days' shards, the same ids as a selector (what it does now);
- flat and shards over the whole archive (the reprint check), merged top-k across shards.

Each pair returns the same ids (checked on every query). Then it publishes the shards to a
temporary directory once whole and once with one day changed (what a writer's periodic publish
writes). One table row per archive size. Random vectors are fine for timing exact search: the
work does not depend on them.
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
import time
from collections.abc import Callable
from datetime import date, timedelta
from pathlib import Path

import faiss
import numpy as np
import numpy.typing as npt

from index.published import publish
from index.shards import ShardedIndex
from index.vector_index import VectorIndex

K = 30


def median_ms(run: Callable[[int], object], repeats: int) -> float:
    times = []
    for i in range(repeats):
        start = time.perf_counter()
        run(i)
        times.append((time.perf_counter() - start) * 1000)
    return statistics.median(times)


def build(
    days: list[date], per_day: int, dim: int
) -> tuple[VectorIndex, ShardedIndex, dict[date, npt.NDArray[np.int64]]]:
    rng = np.random.default_rng(0)
    flat = VectorIndex(dim, model="bench/random")
    sharded = ShardedIndex(dim, model="bench/random")
    ids_of = {}
    for n, day in enumerate(days):
        ids = np.arange(n * per_day, (n + 1) * per_day, dtype=np.int64)
        vectors = rng.standard_normal((per_day, dim), dtype=np.float32)
        flat.add(ids, vectors)
        sharded.add(ids, vectors, day)
        ids_of[day] = ids
    return flat, sharded, ids_of


def measure(days: list[date], per_day: int, dim: int, window: int, repeats: int) -> None:
    flat, sharded, ids_of = build(days, per_day, dim)
    queries = np.random.default_rng(1).standard_normal((repeats, dim), dtype=np.float32)
    middle = len(days) // 2
    window_days = days[middle - window : middle + window + 1]
    allowed = np.concatenate([ids_of[day] for day in window_days])

    for i in range(repeats):
        query = queries[i : i + 1]
        windowed = (
            flat.search(query, K, allowed=allowed),
            sharded.within(window_days).search(query, K, allowed=allowed),
        )
        whole = (flat.search(query, K), sharded.search(query, K))
        for a, b in (windowed, whole):
            if not np.array_equal(a[1], b[1]):
                raise SystemExit("the sharded search returned other ids than the flat index")

    def flat_window(i: int) -> object:
        return flat.search(queries[i : i + 1], K, allowed=allowed)

    def shard_window(i: int) -> object:
        return sharded.within(window_days).search(queries[i : i + 1], K, allowed=allowed)

    def flat_whole(i: int) -> object:
        return flat.search(queries[i : i + 1], K)

    def shard_whole(i: int) -> object:
        return sharded.search(queries[i : i + 1], K)

    ms = [median_ms(run, repeats) for run in (flat_window, shard_window, flat_whole, shard_whole)]
    with tempfile.TemporaryDirectory() as directory:
        target = Path(directory)
        start = time.perf_counter()
        first = publish(target, sharded, set(days), None)
        every_day = time.perf_counter() - start
        sharded.add([len(days) * per_day], np.ones((1, dim), dtype=np.float32), days[-1])
        start = time.perf_counter()
        publish(target, sharded, {days[-1]}, first)
        one_day = time.perf_counter() - start
    print(
        f"{len(days) * per_day:>9,} {len(days):>5} {ms[0]:>10.2f} {ms[1]:>10.2f} "
        f"{ms[0] / ms[1]:>7.1f} {ms[2]:>10.2f} {ms[3]:>10.2f} {ms[3] / ms[2]:>7.2f} "
        f"{every_day:>9.2f} {one_day * 1000:>9.1f}"
    )


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--days", type=int, nargs="+", default=[30, 120, 365])
    parser.add_argument("--per-day", type=int, default=1000)
    parser.add_argument("--dim", type=int, default=384)
    parser.add_argument("--window", type=int, default=3)
    parser.add_argument("--repeats", type=int, default=30)
    args = parser.parse_args()
    faiss.omp_set_num_threads(1)
    print(
        f"{args.per_day:,} vectors ({args.dim}-d) a day; one query at a time, k={K}, "
        f"1 FAISS thread, median of {args.repeats}; window ±{args.window} days"
    )
    print(
        f"{'vectors':>9} {'days':>5} {'flat win':>10} {'shard win':>10} {'ratio':>7} "
        f"{'flat all':>10} {'shard all':>10} {'ratio':>7} {'pub all s':>9} {'pub 1 ms':>9}"
    )
    for count in args.days:
        days = [date(2026, 1, 1) + timedelta(days=n) for n in range(count)]
        measure(days, args.per_day, args.dim, args.window, args.repeats)
    print("ms a query. win: the window (flat: its ids as a selector; shard: its days' shards,")
    print("same selector), ratio flat / shard. all: the whole archive, ratio shard / flat.")
    print("pub: publishing every day (s), then one changed day (ms).")


if __name__ == "__main__":
    main()
