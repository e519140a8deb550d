from __future__ import annotations

import json
import os
from pathlib import Path

import numpy as np
import pytest

from core.config import Settings
from index.embedder import (
    PACKAGED_MODEL_NAME,
    Embedder,
    SentenceTransformerEmbedder,
    load_embedder,
)
from tests.doubles import HashingEmbedder

PARAPHRASES = [
    (
        "Israel evacuated hundreds of White Helmets rescuers from Syria to Jordan.",
        "Hundreds of Syrian civil-defence volunteers were taken out of Syria by Israel "
        "and brought to Jordan.",
    ),
    (
        "The company said its quarterly profit rose 12 percent.",
        "Quarterly earnings at the firm climbed by 12%, the company reported.",
    ),
    (
        "The senator resigned on Friday after weeks of pressure.",
        "After weeks under pressure, the senator stepped down on Friday.",
    ),
]
UNRELATED = [
    "Heavy rain is expected across the region over the weekend.",
    "The recipe calls for two cups of flour and a pinch of salt.",
    "The museum reopened its dinosaur hall after renovations.",
]


def _unit_rows(vectors: np.ndarray) -> bool:
    return bool(np.allclose(np.linalg.norm(vectors, axis=1), 1.0, atol=1e-5))


@pytest.mark.slow
def test_packaged_model_identity(torch_embedder: SentenceTransformerEmbedder) -> None:
    embedder = torch_embedder
    assert isinstance(embedder, SentenceTransformerEmbedder)
    assert embedder.name == PACKAGED_MODEL_NAME
    assert embedder.dimension == 384
    assert os.environ["HF_HUB_OFFLINE"] == "1"
    assert os.environ["TRANSFORMERS_OFFLINE"] == "1"


@pytest.mark.slow
def test_encode_is_float32_normalised(embedder: Embedder) -> None:
    texts = ["A short sentence.", "", "Another, rather longer sentence about news " * 5]
    vectors = embedder.encode(texts)
    assert vectors.dtype == np.float32
    assert vectors.shape == (3, 384)
    assert vectors.flags.c_contiguous
    assert _unit_rows(vectors)


@pytest.mark.slow
def test_encode_empty_input(embedder: Embedder) -> None:
    vectors = embedder.encode([])
    assert vectors.shape == (0, 384)
    assert vectors.dtype == np.float32


@pytest.mark.slow
def test_encode_is_deterministic_across_batches(embedder: Embedder) -> None:
    texts = [a for a, _ in PARAPHRASES] + UNRELATED
    together = embedder.encode(texts)
    alone = np.vstack([embedder.encode([text]) for text in texts])
    np.testing.assert_allclose(together, alone, atol=1e-5)


@pytest.mark.slow
def test_paraphrases_score_higher_than_unrelated(embedder: Embedder) -> None:
    left = embedder.encode([a for a, _ in PARAPHRASES])
    right = embedder.encode([b for _, b in PARAPHRASES])
    other = embedder.encode(UNRELATED)
    paraphrase = np.sum(left * right, axis=1)
    unrelated = left @ other.T
    assert paraphrase.min() > 0.6
    assert unrelated.max() < 0.3
    # Each sentence's own paraphrase beats every other candidate.
    assert (np.argmax(left @ right.T, axis=1) == np.arange(len(PARAPHRASES))).all()


@pytest.mark.slow
@pytest.mark.data
def test_mrpc_paraphrases_are_closer_on_average(embedder: Embedder, shared_data: Path) -> None:
    pairs = []
    with (shared_data / "pairs.dev.jsonl").open(encoding="utf-8") as handle:
        for line in handle:
            pairs.append(json.loads(line))
            if len(pairs) == 80:
                break
    a = embedder.encode([p["a"] for p in pairs])
    b = embedder.encode([p["b"] for p in pairs])
    cosine = np.sum(a * b, axis=1)
    labels = np.array([p["label"] for p in pairs]) == 1
    assert labels.any()
    assert (~labels).any()
    assert cosine[labels].mean() > cosine[~labels].mean() + 0.05


def test_single_string_is_refused() -> None:
    with pytest.raises(TypeError):
        HashingEmbedder(16).encode("not a list")


def test_unknown_model_directory_is_refused(tmp_path: Path) -> None:
    settings = Settings(data_dir=tmp_path, embedding_model=str(tmp_path / "no-such-model"))
    with pytest.raises(FileNotFoundError, match="no-such-model"):
        load_embedder(settings)


def test_hashing_test_double() -> None:
    double = HashingEmbedder(64)
    assert double.name.startswith("test-double/")
    texts = ["the cat sat on the mat", "the cat sat on a mat", "stock prices", ""]
    vectors = double.encode(texts)
    assert vectors.shape == (4, 64)
    assert vectors.dtype == np.float32
    assert _unit_rows(vectors)
    np.testing.assert_array_equal(vectors, HashingEmbedder(64).encode(texts))
    assert vectors[0] @ vectors[1] > vectors[0] @ vectors[2]
    assert double.encode([]).shape == (0, 64)
