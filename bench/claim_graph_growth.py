"""What keeping claim graphs current saves when an event grows, on a real store.

    python bench/claim_graph_growth.py --store /tmp/parallax-http-bench [--events 30]

For events of at least `--min-articles` stored articles (their first 25, as coverage is capped),
times the claim graph of the whole event two ways: rebuilt from scratch (`align_event`), and
extended from the graph of the event without its newest article (`ClaimGraph.extended`, what the
API's event workspaces do when an event gains an article). Both are checked to give the same
claims. Word-stem caches are cleared before each timing, so neither profits from the other. The
store is one `bench/http_load.py` prepares (the dev corpus ingested); one BLAS thread, as the
service runs.
"""

from __future__ import annotations

import argparse
import statistics
import time
from pathlib import Path

from sqlalchemy import func, select
from threadpoolctl import threadpool_limits  # type: ignore[import-untyped,unused-ignore]

from comparison.alignment import ClaimGraph, align_event
from comparison.model import ArticleView
from comparison.store_views import load_articles
from comparison.text import content_stems
from core.config import Settings
from core.db.engine import open_store
from core.db.schema import ArticleRow, EmbeddingModelRow

MAX_COVERAGE_PLUS_ONE = 25


def _timed(build: ClaimGraph | None, views: list[ArticleView]) -> tuple[float, ClaimGraph]:
    content_stems.cache_clear()
    start = time.perf_counter()
    graph = build.extended(views) if build is not None else align_event(views)
    graph.claims()
    return (time.perf_counter() - start) * 1000, graph


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--store", type=Path, required=True)
    parser.add_argument("--events", type=int, default=30)
    parser.add_argument("--min-articles", type=int, default=6)
    args = parser.parse_args()
    threadpool_limits(1)
    _, sessions = open_store(Settings(data_dir=args.store))
    rebuilt, extended, sizes = [], [], []
    with sessions() as session:
        model = session.scalars(select(EmbeddingModelRow)).first()
        if model is None:
            raise SystemExit(f"no embeddings in {args.store}: prepare it with bench/http_load.py")
        events = session.execute(
            select(ArticleRow.event_id)
            .where(ArticleRow.event_id.is_not(None))
            .group_by(ArticleRow.event_id)
            .having(func.count() >= args.min_articles)
            .order_by(ArticleRow.event_id)
            .limit(args.events)
        ).scalars()
        for event_id in list(events):
            ids = session.scalars(
                select(ArticleRow.id).where(ArticleRow.event_id == event_id).order_by(ArticleRow.id)
            ).all()[:MAX_COVERAGE_PLUS_ONE]
            views = load_articles(session, ids, model_id=model.id, dimension=model.dimension)
            kept = align_event(views[:-1])
            kept.claims()
            full_ms, full = _timed(None, views)
            grown_ms, grown = _timed(kept, views)
            if [c.members for c in full.claims()] != [c.members for c in grown.claims()]:
                raise SystemExit(f"event {event_id}: extended and rebuilt claims differ")
            rebuilt.append(full_ms)
            extended.append(grown_ms)
            sizes.append(len(views))
    if not sizes:
        raise SystemExit("no event is large enough")
    print(
        f"{len(sizes)} events, median {statistics.median(sizes):.0f} articles: claim graph "
        f"rebuilt median {statistics.median(rebuilt):.1f} ms, extended by the newest article "
        f"median {statistics.median(extended):.1f} ms "
        f"(ratio {statistics.median(rebuilt) / statistics.median(extended):.1f})"
    )


if __name__ == "__main__":
    main()
