"""The alignment model shipped in `models/aligner`: the file is the one its manifest describes,
it loads offline from the repository alone, and a damaged copy is refused."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import numpy as np
import pytest

from core.config import Settings
from index.embedder import ALIGNER_MODEL, ALIGNER_MODEL_NAME, load_embedder
from index.onnx_encoder import BACKEND_SUFFIX, OnnxEmbedder
from index.shipped import MANIFEST, ONNX_FILE, file_sha256, is_shipped, read_shipped
from models import ALIGNER_DIR


def test_the_shipped_model_matches_its_manifest() -> None:
    manifest = json.loads((ALIGNER_DIR / MANIFEST).read_text(encoding="utf-8"))
    onnx_file = ALIGNER_DIR / ONNX_FILE
    assert file_sha256(onnx_file) == manifest["sha256"]
    assert onnx_file.stat().st_size == manifest["bytes"]
    assert onnx_file.stat().st_size <= 30 * 1024 * 1024
    for key in ("base_model", "data", "hyperparameters", "metrics", "command"):
        assert manifest[key], key
    assert (ALIGNER_DIR / "tokenizer.json").is_file()


@pytest.mark.slow
def test_the_shipped_model_loads_offline_and_separates_claims(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    settings = Settings(embedding_model=ALIGNER_MODEL, model_cache_dir=tmp_path, torch_threads=2)
    embedder = load_embedder(settings)
    assert isinstance(embedder, OnnxEmbedder)
    sha = json.loads((ALIGNER_DIR / MANIFEST).read_text(encoding="utf-8"))["sha256"]
    assert embedder.name == f"{ALIGNER_MODEL_NAME}@{sha[:12]}{BACKEND_SUFFIX}"
    # Nothing is built into the cache: the graph is loaded as shipped.
    assert not any(tmp_path.iterdir())
    vectors = embedder.encode(
        [
            "Police arrested a man on Tuesday in connection with the shooting at the mall.",
            "A suspect in the mall shooting was taken into custody by police on Tuesday.",
            "Police said the mall would reopen on Friday after the shooting.",
        ]
    )
    assert vectors.shape == (3, 384)
    assert np.allclose(np.linalg.norm(vectors, axis=1), 1.0, atol=1e-5)
    assert vectors[0] @ vectors[1] > vectors[0] @ vectors[2]


def test_a_damaged_model_file_is_refused(tmp_path: Path) -> None:
    copy = tmp_path / "aligner"
    shutil.copytree(ALIGNER_DIR, copy, ignore=shutil.ignore_patterns("__pycache__"))
    data = bytearray((copy / ONNX_FILE).read_bytes())
    data[len(data) // 2] ^= 0xFF
    (copy / ONNX_FILE).write_bytes(bytes(data))
    assert is_shipped(copy)
    with pytest.raises(ValueError, match="does not match its manifest"):
        read_shipped(copy, label="copy").load(threads=1)


def test_the_shipped_model_runs_only_as_onnx() -> None:
    with pytest.raises(ValueError, match="int8 ONNX only"):
        load_embedder(Settings(embedding_model=ALIGNER_MODEL, embedding_backend="torch"))
