"""`parallax eval`: every quality metric of the system on a file in the shared event format.

Retrieval and clustering (same-event coverage), alignment (ECB+ and MRPC), planted divergences
(on the engine, and as edited reprints through the served path), and the BASIL/PAC bias
measures, each with its baseline, and, on the dev file, the judged set's figures (precision
as a desk editor reads the answers), as one flat JSON object.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

from index.embedder import Embedder

Metrics = dict[str, float]


# The dev file the judged set's events come from (its offsets index that file's articles).
JUDGED_FROM = "events.dev.jsonl"


def same_event_metrics(
    events: Path, embedder: Embedder, cache: Path | None, *, window_days: float = 3.0
) -> Metrics:
    from comparison.calibration import SameEventModel
    from comparison.entities import load_entity_extractor
    from evaluation.clustering import clustering_metrics
    from evaluation.pool import DEFAULT_CACHE, build_pool
    from evaluation.pool import load_articles as load_event_articles
    from evaluation.retrieval import candidate_pairs, evaluate

    pool = build_pool(
        load_event_articles(events, events_per_dataset=None, datasets=None),
        embedder,
        load_entity_extractor("regex"),
        cache or DEFAULT_CACHE,
    )
    model = SameEventModel.load()
    metrics, _, _ = evaluate(pool, window_days, model, candidate_pairs(pool, window_days))
    return metrics | clustering_metrics(pool, window_days, model)


def alignment_metrics(events: Path, pairs: Path, embedder: Embedder, cache: Path | None) -> Metrics:
    from evaluation.alignment import (
        CachedEncoder,
        ecb_metrics,
        load_ecb_events,
        load_pairs,
        mrpc_metrics,
    )

    encode = CachedEncoder(embedder.encode, embedder.name, cache)
    metrics = mrpc_metrics(load_pairs(pairs), encode)
    metrics |= ecb_metrics(
        load_ecb_events(events),
        encode,
        cosine_threshold=metrics["baseline.cosine.alignment.MRPC.threshold"],
    )
    return metrics


def divergence_metrics(events: Path, embedder: Embedder, cache: Path | None) -> Metrics:
    from evaluation import bias, planted

    metrics, _outcomes = planted.run(events, embedder, cache_dir=cache)
    return metrics | bias.run(events, embedder, cache_dir=cache)


def judged_metrics(events: Path, embedder: Embedder, cache: Path | None) -> Metrics:
    """The judged set's figures (`evaluation.judged`), each event answered by a one-sided gate
    fitted without it, as `python -m evaluation.one_sided_fit --judged` gives them."""
    from comparison.pair_cover import shipped_cover
    from core.config import Settings
    from evaluation.one_sided_fit import judged_out_of_fold, rows

    found = rows(events.parent, embedder, cache)
    return judged_out_of_fold(events.parent, embedder, found, cache, shipped_cover(Settings()))


def served_metrics(events: Path, embedder: Embedder) -> Metrics:
    from evaluation import served

    metrics, _outcomes = served.run(events, embedder, articles=40, seed=13)
    return metrics


def run_suite(
    events: Path,
    pairs: Path | None,
    embedder: Embedder,
    *,
    cache: Path | None = None,
    progress: Callable[[str], Any] = lambda _stage: None,
) -> Metrics:
    progress("same-event retrieval and clustering")
    metrics = same_event_metrics(events, embedder, cache)
    if pairs is not None:
        progress("alignment")
        metrics |= alignment_metrics(events, pairs, embedder, cache)
    progress("divergences")
    metrics |= divergence_metrics(events, embedder, cache)
    if events.name == JUDGED_FROM:
        progress("divergences judged by an editor")
        metrics |= judged_metrics(events, embedder, cache)
    progress("edited reprints through the served path")
    metrics |= served_metrics(events, embedder)
    return dict(sorted(metrics.items()))
