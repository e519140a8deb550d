"""Same-event retrieval metrics on a file in the format of events.dev.jsonl.

    python -m evaluation.retrieval --events ../shared/data/events.dev.jsonl --json
    python -m evaluation.retrieval --events ... --fit      # refit comparison/same_event_model.json

Every article is a query over the whole pool (itself excluded); the relevant results are the
other articles of its event. Per source dataset: `retrieval.<ds>.recall@1`, `recall@5` (relevant
found in the top k over min(k, relevant), so 1.0 is reachable), `mrr` (first relevant), and for
ECB+ `sibling_confusion` (share of queries whose top result is from the sibling event). Parallax
and both baselines (`baseline.minilm.*`: mean-pooled MiniLM passage vectors; `baseline.tfidf.*`)
see the same ±window date filter, applied only where both articles have a date. The service
only ever returns other outlets' articles (coverage is other outlets' reporting):
`other_outlets.retrieval.*` scores Parallax's ranking with the query's own outlet left out, and
event formation (`--clustering`) never joins an article to its own outlet's on same-event
evidence, as the service does not.

Embeddings are cached on disk keyed by model name and text (`--cache`, default under the
system temp dir, never the repository), so reruns take seconds.
"""

from __future__ import annotations

import json
import sys
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt

from comparison.calibration import (
    DEFAULT_MODEL_PATH,
    SameEventModel,
    cross_validated_reliability,
    expected_calibration_error,
    fit_model,
    reliability_table,
)
from comparison.entities import load_entity_extractor
from comparison.evidence import FEATURE_NAMES
from comparison.same_event import (
    FIRST_STAGE_K,
    evidence_matrix,
    guarded_confidence,
    window_mask,
)
from core.config import Settings
from evaluation._data import command
from evaluation.clustering import clustering_metrics
from evaluation.pool import DATASETS, DEFAULT_CACHE, Pool, build_pool, load_articles
from index.embedder import load_embedder

__all__ = [
    "baseline_rankings",
    "candidate_pairs",
    "main",
    "parallax_rankings",
    "retrieval_metrics",
]

Ranking = list[list[int]]


def _rank_by(scores: npt.NDArray[np.float64], pool: Pool, window_days: float) -> Ranking:
    """Rank every other article per query by score (n, n), window-filtered."""
    ranking: Ranking = []
    for q, article in enumerate(pool.articles):
        row = scores[q].copy()
        row[~window_mask(article.published_at, pool.times, window_days)] = -np.inf
        row[q] = -np.inf
        order = np.argsort(-row, kind="stable")
        ranking.append([int(i) for i in order if np.isfinite(row[i])])
    return ranking


def baseline_rankings(pool: Pool, window_days: float) -> dict[str, Ranking]:
    """Mean-pooled MiniLM cosine and TF-IDF cosine, both with the date window."""
    from sklearn.feature_extraction.text import TfidfVectorizer

    tfidf = TfidfVectorizer(sublinear_tf=True, stop_words="english", min_df=1)
    matrix = tfidf.fit_transform([f"{a.title}\n{a.text}" for a in pool.articles])
    tfidf_scores = np.asarray((matrix @ matrix.T).todense(), dtype=np.float64)
    minilm = (pool.mean_vectors @ pool.mean_vectors.T).astype(np.float64)
    return {
        "minilm": _rank_by(minilm, pool, window_days),
        "tfidf": _rank_by(tfidf_scores, pool, window_days),
    }


def candidate_pairs(
    pool: Pool, window_days: float, k: int = FIRST_STAGE_K
) -> tuple[Ranking, list[npt.NDArray[np.float64]]]:
    """First stage per query: top-k article-vector cosine in the window, and their evidence.

    Returns the candidates per query (pool indices, cosine order) and the evidence features,
    float64 (k_q, f) per query.
    """
    vectors = np.stack([f.vector for f in pool.features])
    first = _rank_by((vectors @ vectors.T).astype(np.float64), pool, window_days)
    candidates = [row[:k] for row in first]
    features = [
        evidence_matrix(pool.features[q], [pool.features[c] for c in row], pool.stats)[1]
        for q, row in enumerate(candidates)
    ]
    return first, features


def parallax_rankings(
    first: Ranking,
    features: Sequence[npt.NDArray[np.float64]],
    confidence: Callable[[npt.NDArray[np.float64]], npt.NDArray[np.float64]],
    k: int = FIRST_STAGE_K,
) -> tuple[Ranking, list[npt.NDArray[np.float64]]]:
    """Top-k reranked by confidence (ties by cosine order), the rest in cosine order."""
    ranking: Ranking = []
    confidences: list[npt.NDArray[np.float64]] = []
    for row, x in zip(first, features, strict=True):
        head = row[:k]
        conf = confidence(x) if len(head) else np.zeros(0)
        order = np.argsort(-conf, kind="stable")
        ranking.append([head[i] for i in order] + row[k:])
        confidences.append(conf[order])
    return ranking, confidences


def _other_outlets(pool: Pool, ranking: Ranking) -> Ranking:
    """Each query's ranking without its own outlet's articles, as the service ranks them."""
    outlets = [a.outlet for a in pool.articles]
    return [
        [i for i in row if not (outlets[q] and outlets[i] == outlets[q])]
        for q, row in enumerate(ranking)
    ]


def retrieval_metrics(pool: Pool, ranking: Ranking, prefix: str = "") -> dict[str, float]:
    """Recall@1, Recall@5, MRR per dataset, and ECB+ sibling confusion."""
    events = [a.event_id for a in pool.articles]
    sums: dict[str, list[float]] = {}
    for q, article in enumerate(pool.articles):
        relevant = {i for i, e in enumerate(events) if e == article.event_id and i != q}
        if not relevant:
            continue
        row = ranking[q]
        found = [i for i, r in enumerate(row) if r in relevant]
        mrr = 1.0 / (found[0] + 1) if found else 0.0
        values = [
            sum(1 for i in found if i < 1) / min(1, len(relevant)),
            sum(1 for i in found if i < 5) / min(5, len(relevant)),
            mrr,
        ]
        if article.dataset == "ECB+":
            values.append(float(bool(row) and events[row[0]] == article.sibling_event_id))
        bucket = sums.setdefault(article.dataset, [0.0] * (len(values) + 1))
        for i, value in enumerate(values):
            bucket[i] += value
        bucket[-1] += 1
    out: dict[str, float] = {}
    for dataset in DATASETS:
        if dataset not in sums:
            continue
        *totals, count = sums[dataset]
        names = ["recall@1", "recall@5", "mrr", "sibling_confusion"]
        for name, total in zip(names, totals, strict=False):
            out[f"{prefix}retrieval.{dataset}.{name}"] = round(total / count, 4)
    return out


def _labels(pool: Pool, first: Ranking, k: int) -> tuple[npt.NDArray[np.int_], list[str]]:
    labels: list[int] = []
    groups: list[str] = []
    for q, row in enumerate(first):
        event = pool.articles[q].event_id
        labels.extend(int(pool.articles[c].event_id == event) for c in row[:k])
        groups.extend([event] * len(row[:k]))
    return np.asarray(labels, dtype=np.int_), groups


def fit_and_report(
    pool: Pool, first: Ranking, features: Sequence[npt.NDArray[np.float64]], path: Path
) -> dict[str, Any]:
    """Refit the shipped model on all pairs; report held-out (by event) calibration."""
    x = np.concatenate(list(features))
    y, groups = _labels(pool, first, FIRST_STAGE_K)
    conf, labels = cross_validated_reliability(x, y, groups, FEATURE_NAMES)
    model = fit_model(
        x, y, groups, FEATURE_NAMES, meta={"pairs": len(y), "positives": int(y.sum())}
    )
    path.write_text(model.to_json() + "\n", encoding="utf-8")
    table = reliability_table(conf, labels)
    return {
        "calibration.heldout_ece": round(expected_calibration_error(conf, labels), 4),
        "calibration.pairs": len(y),
        "calibration.reliability": [
            [
                round(b.low, 1),
                round(b.high, 1),
                b.count,
                round(b.mean_confidence, 3),
                round(b.observed, 3),
            ]
            for b in table
        ],
        "coef": dict(zip(FEATURE_NAMES, (round(c, 3) for c in model.coef), strict=True)),
    }


def evaluate(
    pool: Pool,
    window_days: float,
    model: SameEventModel,
    candidates: tuple[Ranking, list[npt.NDArray[np.float64]]] | None = None,
) -> tuple[dict[str, float], Ranking, list[npt.NDArray[np.float64]]]:
    """Parallax and baseline retrieval metrics; also the rankings and their confidences.

    candidates: a precomputed `candidate_pairs(pool, window_days)`, to avoid computing it twice.
    """
    first, features = candidates or candidate_pairs(pool, window_days)
    ranking, confidences = parallax_rankings(
        first, features, lambda x: guarded_confidence(model, x)
    )
    metrics = retrieval_metrics(pool, ranking)
    metrics.update(retrieval_metrics(pool, _other_outlets(pool, ranking), prefix="other_outlets."))
    for name, base in baseline_rankings(pool, window_days).items():
        metrics.update(retrieval_metrics(pool, base, prefix=f"baseline.{name}."))
    return metrics, ranking, confidences


def main(argv: Sequence[str] | None = None) -> int:
    parser = command("evaluation.retrieval", __doc__, data=False)
    parser.add_argument("--events", type=Path, required=True)
    parser.add_argument("--window-days", type=float, default=3.0)
    parser.add_argument("--events-per-dataset", type=int, default=None)
    parser.add_argument("--datasets", nargs="*", choices=DATASETS, default=None)
    parser.add_argument("--entities", choices=["regex", "spacy", "auto"], default="regex")
    parser.add_argument("--cache", type=Path, default=DEFAULT_CACHE)
    parser.add_argument("--fit", action="store_true", help="refit the shipped model first")
    parser.add_argument("--clustering", action="store_true", help="also B-cubed clustering")
    args = parser.parse_args(argv)
    if not args.events.exists():
        print(f"events file not found: {args.events}", file=sys.stderr)
        return 2
    started = time.perf_counter()
    articles = load_articles(
        args.events, events_per_dataset=args.events_per_dataset, datasets=args.datasets
    )
    pool = build_pool(
        articles, load_embedder(Settings()), load_entity_extractor(args.entities), args.cache
    )
    report: dict[str, Any] = {}
    candidates = candidate_pairs(pool, args.window_days)
    if args.fit:
        report.update(fit_and_report(pool, *candidates, DEFAULT_MODEL_PATH))
    metrics, _, _ = evaluate(pool, args.window_days, SameEventModel.load(), candidates)
    report.update(metrics)
    if args.clustering:
        report.update(clustering_metrics(pool, args.window_days, SameEventModel.load()))
    report["seconds"] = round(time.perf_counter() - started, 1)
    if args.json:
        print(json.dumps(report, sort_keys=True))
    else:
        for key, value in sorted(report.items()):
            print(f"{key:55} {value}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
