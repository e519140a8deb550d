"""Same-event retrieval cost against archive size and window, on synthetic unit vectors.

    python bench/same_event_scale.py [--articles 1000000] [--days 365] [--dim 384] [--threads 1]

Articles are spread evenly over `days` of publication. Three first stages are timed for one
query (the worst case: no batching), median of `--repeats` queries:
- flat: one exact `IndexFlatIP` over the whole archive, window ignored (what a naive index does);
- flat+selector: the same index restricted to the window's ids (`IDSelectorRange`);
- sharded: one exact `IndexFlatIP` per publication day, only the window's shards searched;
- slice: vectors kept in publication order, the window is one contiguous slice, one matmul.
The second stage (evidence + calibrated model over the top 30) is timed on synthetic features.
Results are printed as a table; the cost of the sharded search grows with the window, not the
archive.
"""

from __future__ import annotations

import argparse
import statistics
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from functools import partial
from typing import Any

import faiss
import numpy as np
import numpy.typing as npt

from comparison.calibration import SameEventModel
from comparison.evidence import ArticleFeatures, PoolStats
from comparison.same_event import FIRST_STAGE_K, rank_candidates

Matrix = npt.NDArray[np.float32]


def unit_vectors(rng: np.random.Generator, n: int, dim: int) -> Matrix:
    vectors = rng.standard_normal((n, dim), dtype=np.float32)
    vectors /= np.linalg.norm(vectors, axis=1, keepdims=True)
    return vectors


def timed(fn: Callable[[int], object], repeats: int) -> float:
    """Median milliseconds of `repeats` calls of fn(i)."""
    times = []
    for i in range(repeats):
        start = time.perf_counter()
        fn(i)
        times.append((time.perf_counter() - start) * 1000)
    return statistics.median(times)


def shards_for(vectors: Matrix, days: int) -> list[Any]:
    per_day = vectors.shape[0] // days
    shards = []
    for day in range(days):
        index = faiss.IndexFlatIP(vectors.shape[1])
        index.add(vectors[day * per_day : (day + 1) * per_day])
        shards.append(index)
    return shards


def sharded_search(shards: list[Any], query: Matrix, day: int, window: int, k: int) -> None:
    hits = []
    for d in range(max(0, day - window), min(len(shards), day + window + 1)):
        scores, ids = shards[d].search(query, k)
        hits.append((scores, ids))
    merged = np.concatenate([h[0] for h in hits], axis=1)
    np.argsort(-merged[0])[:k]


def second_stage_ms(rng: np.random.Generator, dim: int, repeats: int) -> float:
    model = SameEventModel.load()
    words = [f"w{i}" for i in range(5000)]
    names = [f"name {i}" for i in range(2000)]

    def article(i: int) -> ArticleFeatures:
        passages = unit_vectors(rng, 15, dim)
        return ArticleFeatures(
            article_id=i,
            outlet=f"o{i % 50}",
            published_at=datetime(2024, 1, 1, tzinfo=UTC) + timedelta(hours=i),
            vector=passages.mean(axis=0) / np.linalg.norm(passages.mean(axis=0)),
            passage_vectors=passages,
            names=frozenset(rng.choice(names, 20).tolist()),
            places=frozenset(rng.choice(names, 5).tolist()),
            figures=frozenset(str(v) for v in rng.integers(11, 1000, 5)),
            dates=frozenset({"wd:monday", "y:2024"}),
            terms={
                str(w): 1 + int(c)
                for w, c in zip(rng.choice(words, 250), rng.integers(0, 3, 250), strict=True)
            },
        )

    pool = [article(i) for i in range(FIRST_STAGE_K + 1)]
    stats = PoolStats.of(pool)
    return timed(lambda _: rank_candidates(pool[0], pool[1:], stats, model), repeats)


def _search_with(index: Any, queries: Matrix, k: int, params: Any, i: int) -> None:
    index.search(queries[i : i + 1], k, params=params)


def _search_slice(vectors: Matrix, queries: Matrix, lo: int, hi: int, k: int, i: int) -> None:
    scores = vectors[lo:hi] @ queries[i]
    top = np.argpartition(-scores, k)[:k]
    top[np.argsort(-scores[top])]


def _search_shards(
    shards: list[Any], queries: Matrix, day: int, window: int, k: int, i: int
) -> None:
    sharded_search(shards, queries[i : i + 1], day, window, k)


def measure(
    vectors: Matrix, days: int, windows: tuple[int, ...], queries: Matrix, k: int, repeats: int
) -> list[tuple[int, tuple[float, float, float, float]]]:
    """(window, (flat, flat+selector, sharded, day-sorted slice) ms) per window, one size."""
    flat: Any = faiss.IndexFlatIP(vectors.shape[1])
    flat.add(vectors)
    shards = shards_for(vectors, days)
    day_size = vectors.shape[0] // days
    middle = days // 2
    out = []
    for window in windows:
        lo, hi = (middle - window) * day_size, (middle + window + 1) * day_size
        params: Any = faiss.SearchParameters()
        params.sel = faiss.IDSelectorRange(lo, hi)
        flat_ms = timed(lambda i: flat.search(queries[i : i + 1], k), repeats)
        sel_ms = timed(partial(_search_with, flat, queries, k, params), repeats)
        shard_ms = timed(partial(_search_shards, shards, queries, middle, window, k), repeats)
        slice_ms = timed(partial(_search_slice, vectors, queries, lo, hi, k), repeats)
        out.append((window, (flat_ms, sel_ms, shard_ms, slice_ms)))
    return out


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--articles", type=int, default=1_000_000)
    parser.add_argument("--days", type=int, default=365)
    parser.add_argument("--dim", type=int, default=384)
    parser.add_argument("--threads", type=int, default=1)
    parser.add_argument("--repeats", type=int, default=20)
    parser.add_argument("--k", type=int, default=FIRST_STAGE_K)
    args = parser.parse_args()
    faiss.omp_set_num_threads(args.threads)
    rng = np.random.default_rng(0)
    vectors = unit_vectors(rng, args.articles, args.dim)
    per_day = args.articles // args.days
    queries = unit_vectors(rng, args.repeats, args.dim)
    print(
        f"{args.articles:,} articles, {args.days} days ({per_day:,}/day), {args.dim}-d, "
        f"{args.threads} FAISS thread(s), one query at a time, median of {args.repeats}"
    )
    print(
        f"{'archive':>10} {'window':>7} {'flat ms':>9} {'flat+sel ms':>12} {'sharded ms':>11} "
        f"{'slice ms':>9}"
    )
    for fraction in (0.1, 0.25, 0.5, 1.0):
        n = int(args.articles * fraction)
        days = max(7, int(args.days * fraction))
        windows = (1, 3, 7) if fraction == 1.0 else (3,)
        for window, (flat, selected, sharded, sliced) in measure(
            vectors[:n], days, windows, queries, args.k, args.repeats
        ):
            label = f"±{window}d"
            print(
                f"{n:>10,} {label:>7} {flat:>9.2f} {selected:>12.2f} {sharded:>11.2f} "
                f"{sliced:>9.2f}"
            )
    print(
        f"second stage (evidence + model over top {FIRST_STAGE_K}): "
        f"{second_stage_ms(rng, args.dim, args.repeats):.2f} ms"
    )


if __name__ == "__main__":
    main()
