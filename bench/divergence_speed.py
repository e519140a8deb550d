"""Cost of one article's divergences on real events: `compare_article` alone.

    python bench/divergence_speed.py [--data ../shared/data] [--events 40] [--runs 3]

Each of the first `--events` BASIL dev events is segmented, embedded (cached) and aligned once,
as a running service keeps its claim graph; then every article of the event is compared with
the rest, `--runs` times, with the per-text caches cleared before each run so every run pays
for reading its passages. Prints the median and p95 per comparison in milliseconds, without and
with the second reading of unique claims (`comparison.pair_cover`, as the service runs it, its
kept vectors empty at the start of each run), and their ratio. Run it against two versions of
the engine in one session and compare the ratio: this machine's speed varies from hour to hour.
"""

from __future__ import annotations

import argparse
import gc
import statistics
import sys
import time
from pathlib import Path

from comparison.alignment import align_event
from comparison.divergences import compare_article
from comparison.pair_cover import shipped_cover
from evaluation.planted import PassageVectors, article_view, load_events


def _clear_caches() -> None:
    for module in list(sys.modules.values()):
        name = getattr(module, "__name__", "")
        if not name.startswith("comparison."):
            continue
        for value in vars(module).values():
            clear = getattr(value, "cache_clear", None)
            if callable(clear):
                clear()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, default=Path("../shared/data"))
    parser.add_argument("--events", type=int, default=40)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--cache", type=Path, default=None, help="embedding cache")
    args = parser.parse_args()
    events_path = args.data / "events.dev.jsonl"
    if not events_path.exists():
        print(f"data not found: {events_path}", file=sys.stderr)
        return 2
    from core.config import Settings
    from index.embedder import load_embedder

    vectors = PassageVectors(load_embedder(Settings()), args.cache)
    chosen = [e for e in load_events(events_path) if e["source_dataset"] == "BASIL"]
    prepared = []
    for event in chosen[: args.events]:
        views = [
            article_view(i + 1, str(a.get("outlet") or i), str(a["text"]), vectors)
            for i, a in enumerate(event["articles"])
        ]
        prepared.append((views, align_event(views)))
    medians = {}
    for label in ("without", "with"):
        timings: list[float] = []
        for _ in range(args.runs):
            _clear_caches()
            # Loaded afresh each run: the vectors it keeps start empty, as in a new process.
            cover = shipped_cover(Settings()) if label == "with" else None
            gc.collect()
            for views, graph in prepared:
                for focus in views:
                    start = time.perf_counter()
                    compare_article(focus, views, graph, cover=cover)
                    timings.append((time.perf_counter() - start) * 1000)
        timings.sort()
        p95 = timings[int(0.95 * (len(timings) - 1))]
        medians[label] = statistics.median(timings)
        print(
            f"{label:7s} the unique-claim reading: comparisons {len(timings)}  "
            f"median {medians[label]:.2f} ms  p95 {p95:.2f} ms"
        )
    print(f"median ratio with / without: {medians['with'] / medians['without']:.2f}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
