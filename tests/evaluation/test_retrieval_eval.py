from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import pytest

from comparison.calibration import SameEventModel
from comparison.entities import RegexEntityExtractor
from comparison.evidence import PoolStats
from evaluation.clustering import bcubed, clustering_metrics
from evaluation.pool import EvalArticle, Pool, build_pool, load_articles
from evaluation.retrieval import evaluate, retrieval_metrics


def _article(number: int, event: str, dataset: str, sibling: str | None = None) -> EvalArticle:
    return EvalArticle(number, f"a{number}", event, dataset, sibling, None, None, "", "")


def _toy_pool(articles: list[EvalArticle]) -> Pool:
    return Pool(
        articles=articles,
        features=[],
        stats=PoolStats(),
        times=np.full(len(articles), np.nan),
        mean_vectors=np.zeros((len(articles), 2), dtype=np.float32),
    )


def test_bcubed_perfect_and_lumped() -> None:
    gold = {1: "a", 2: "a", 3: "b", 4: "b"}
    assert bcubed(gold, gold) == (1.0, 1.0, 1.0)
    lumped = {item: "x" for item in gold}
    precision, recall, f1 = bcubed(lumped, gold)
    assert (precision, recall) == (0.5, 1.0)
    assert f1 == pytest.approx(2 / 3)
    singletons = {item: item for item in gold}
    assert bcubed(singletons, gold)[:2] == (1.0, 0.5)
    assert bcubed(gold, gold, items=[]) == (0.0, 0.0, 0.0)


def test_retrieval_metrics_key_names_and_values() -> None:
    articles = [
        _article(0, "e1", "ECB+", "e2"),
        _article(1, "e1", "ECB+", "e2"),
        _article(2, "e2", "ECB+", "e1"),
        _article(3, "p1", "PAC"),
        _article(4, "p1", "PAC"),
        _article(5, "lonely", "PAC"),
    ]
    ranking = [[2, 1, 3], [0, 2], [1, 0], [4, 0], [0, 1, 2, 5, 3], [0]]
    metrics = retrieval_metrics(_toy_pool(articles), ranking, prefix="x.")
    # ECB+ queries 0, 1; query 2 has no relevant article and is skipped
    assert metrics["x.retrieval.ECB+.recall@1"] == 0.5
    assert metrics["x.retrieval.ECB+.recall@5"] == 1.0
    assert metrics["x.retrieval.ECB+.mrr"] == 0.75
    assert metrics["x.retrieval.ECB+.sibling_confusion"] == 0.5
    assert metrics["x.retrieval.PAC.recall@1"] == 0.5
    assert metrics["x.retrieval.PAC.mrr"] == pytest.approx((1 + 1 / 5) / 2)
    assert "x.retrieval.PAC.sibling_confusion" not in metrics


# Floors: just under what this subset measured (first 10 events per dataset, 2026-11-27;
# NewsWCL50 clustering raised 2026-11-28, when placed articles began to move to their own
# event); CI holds them, and they may only be raised.
FLOORS = {
    "retrieval.BASIL.recall@5": 0.98,
    "retrieval.PAC.recall@1": 0.85,
    "retrieval.PAC.recall@5": 0.98,
    "retrieval.NewsWCL50.recall@5": 0.97,
    "retrieval.ECB+.recall@1": 0.95,
    "retrieval.ECB+.mrr": 0.97,
    "retrieval.AllSides-NeuS.recall@5": 0.87,
    "clustering.BASIL.bcubed_f1": 0.98,
    "clustering.PAC.bcubed_f1": 0.87,
    "clustering.NewsWCL50.bcubed_f1": 0.97,
    "clustering.ECB+.bcubed_f1": 0.90,
    "clustering.AllSides-NeuS.bcubed_f1": 0.80,
}
CEILINGS = {"retrieval.ECB+.sibling_confusion": 0.04}


@pytest.mark.slow
@pytest.mark.data
def test_subset_meets_floors(shared_data: Path, embedder: Any) -> None:
    articles = load_articles(shared_data / "events.dev.jsonl", events_per_dataset=10)
    pool = build_pool(articles, embedder, RegexEntityExtractor())
    model = SameEventModel.load()
    metrics, _, confidences = evaluate(pool, 3.0, model)
    metrics.update(clustering_metrics(pool, 3.0, model))
    for key, floor in FLOORS.items():
        assert metrics[key] >= floor, (key, metrics[key])
    for key, ceiling in CEILINGS.items():
        assert metrics[key] <= ceiling, (key, metrics[key])
    for dataset in ("BASIL", "PAC", "NewsWCL50", "ECB+", "AllSides-NeuS"):
        assert f"baseline.minilm.retrieval.{dataset}.recall@5" in metrics
        assert f"baseline.tfidf.retrieval.{dataset}.mrr" in metrics
        assert f"clustering.{dataset}.bcubed_f1" in metrics
    assert all(((c >= 0) & (c <= 1)).all() for c in confidences)
