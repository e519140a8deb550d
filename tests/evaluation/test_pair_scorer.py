"""The cross-encoder tried for the second reading: trained, exported, and read the same way."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from evaluation.aligner_data import LabelledPair, packaged_base
from evaluation.train_pair_scorer import (
    Hyperparameters,
    PairScorer,
    export_int8,
    pair_tokenizer,
    train,
)
from index.onnx_encoder import ONNX_FILE

SAME = ("The judge freed her on Tuesday.", "She was released by the judge on Tuesday.")
OTHER = ("Stocks fell sharply in early trading.", "The mayor opened a new library.")


@pytest.mark.slow
def test_the_int8_export_scores_as_the_trained_model_in_either_order(tmp_path: Path) -> None:
    import torch

    pairs = [LabelledPair(*SAME, 1.0, "test"), LabelledPair(*OTHER, 0.0, "test")] * 16
    base = packaged_base(1)
    model = train(base, pairs, Hyperparameters(batch_size=8))
    export_int8(model, base / "tokenizer.json", tmp_path / ONNX_FILE)
    scorer = PairScorer(tmp_path)
    tokenizer = pair_tokenizer(base / "tokenizer.json")
    encoded = tokenizer.encode_batch([SAME, SAME[::-1], OTHER, OTHER[::-1]])
    with torch.no_grad():
        logits = model(
            torch.tensor([e.ids for e in encoded]),
            torch.tensor([e.attention_mask for e in encoded]),
            torch.tensor([e.type_ids for e in encoded]),
        ).numpy()
    expected = 1.0 / (1.0 + np.exp(-(logits[0::2] + logits[1::2]) / 2.0))
    got = scorer.score([SAME, OTHER])
    assert got == pytest.approx(expected, abs=0.05)
    assert scorer.score([SAME[::-1], OTHER[::-1]]) == pytest.approx(got, abs=1e-6)
    assert got[0] > got[1]
