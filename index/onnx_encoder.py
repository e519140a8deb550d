"""A sentence-transformers model as int8 ONNX, run with onnxruntime and `tokenizers` alone.

The model's transformer is exported once (torch's TorchScript-based ONNX exporter) and its
weights quantised to int8 per output channel (onnxruntime's dynamic quantisation), then kept in
a cache directory under a name that carries the weights' digest, so a changed model is rebuilt
and an unchanged one is loaded in a fraction of a second. Before a built file is kept, its
vectors are checked against the original model's on probe sentences.

Mean pooling and L2 normalisation are done in numpy, as the packaged model's own pooling and
normalisation modules do; only models pooled that way are accepted. On two AVX2 cores this runs
all-MiniLM-L6-v2 1.3-1.9x as fast as torch, with vectors at cosine >= 0.98 to torch's
(`bench/embedding_throughput.py`).
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import tempfile
import threading
import warnings
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt

from index.inputs import text_list

BACKEND_SUFFIX = "+onnx-int8"
logger = logging.getLogger(__name__)
ONNX_OPSET = 17
# Vectors of the int8 model against the original's, per probe sentence: below this the build
# is refused. Per-channel quantisation of all-MiniLM-L6-v2 measures >= 0.97 on MRPC sentences.
MIN_PROBE_COSINE = 0.95
PROBES = (
    "Officials said 800 people were to be evacuated from the area on Sunday.",
    "The ministry denied that any soldiers had crossed the border.",
    "Shares of the company fell 4.5% after the announcement, according to analysts.",
    "Rescuers pulled survivors from the rubble overnight.",
)
_INPUTS = ("input_ids", "attention_mask", "token_type_ids")


def _digest(model_dir: Path) -> str:
    hasher = hashlib.sha256()
    for name in ("config.json", "model.safetensors", "pytorch_model.bin", "tokenizer.json"):
        path = model_dir / name
        if path.is_file():
            with path.open("rb") as handle:
                for block in iter(lambda: handle.read(1 << 20), b""):
                    hasher.update(block)
    return hasher.hexdigest()[:16]


def _check_pooling(model_dir: Path) -> None:
    modules_file = model_dir / "modules.json"
    if not modules_file.is_file():
        raise ValueError(f"{model_dir}: not a sentence-transformers model (no modules.json)")
    modules = json.loads(modules_file.read_text(encoding="utf-8"))
    kinds = [module["type"].rsplit(".", 1)[-1] for module in modules]
    if kinds != ["Transformer", "Pooling", "Normalize"]:
        raise ValueError(f"{model_dir}: only Transformer → Pooling → Normalize models are exported")
    pooling = json.loads((model_dir / modules[1]["path"] / "config.json").read_text("utf-8"))
    modes = {key for key, value in pooling.items() if key.startswith("pooling_mode_") and value}
    if modes != {"pooling_mode_mean_tokens"}:
        raise ValueError(f"{model_dir}: only mean-pooled models are exported")


def model_path(model_dir: Path, cache_dir: Path) -> Path:
    """Where the int8 ONNX file of the model in `model_dir` is kept: named by its weights."""
    return cache_dir / f"{model_dir.name}-{_digest(model_dir)}.int8.onnx"


def model_file(model_dir: Path, cache_dir: Path) -> Path:
    """The int8 ONNX file of the model in `model_dir`, building it into `cache_dir` if absent."""
    target = model_path(model_dir, cache_dir)
    if not target.is_file():
        _check_pooling(model_dir)
        try:
            cache_dir.mkdir(parents=True, exist_ok=True)
            export_int8(model_dir, target)
        except OSError as error:
            raise OSError(
                f"cannot build the int8 model into {cache_dir} ({error}); point "
                "PARALLAX_MODEL_CACHE_DIR at a writable directory, or run `parallax "
                "prepare-model` where it is writable"
            ) from error
    return target


def load_onnx_embedder(
    model_dir: Path, cache_dir: Path, *, name: str, threads: int
) -> OnnxEmbedder:
    """The model as int8 ONNX, built if absent and rebuilt once if the kept file will not load
    (a truncated or damaged file must not stop the service)."""
    target = model_file(model_dir, cache_dir)
    try:
        return OnnxEmbedder(model_dir, target, name=name, threads=threads)
    except Exception as error:  # onnxruntime raises its own classes for unreadable models
        logger.warning("rebuilding the unreadable model file %s: %s", target, error)
        target.unlink(missing_ok=True)
        rebuilt = model_file(model_dir, cache_dir)
        return OnnxEmbedder(model_dir, rebuilt, name=name, threads=threads)


def export_int8(model_dir: Path, target: Path) -> None:
    """Export the sentence-transformers model in `model_dir` to int8 ONNX at `target`, kept only
    if its vectors agree with the model's own on the probe sentences."""
    import torch
    import transformers
    from onnxruntime.quantization import QuantType, quantize_dynamic
    from sentence_transformers import SentenceTransformer

    os.environ["HF_HUB_OFFLINE"] = "1"
    transformers.utils.logging.disable_progress_bar()  # type: ignore[no-untyped-call]
    original = SentenceTransformer(str(model_dir), device="cpu", local_files_only=True)
    module: Any = original[0]
    transformer = module.auto_model.eval()

    class _Hidden(torch.nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.model = transformer

        def forward(self, ids: Any, mask: Any, types: Any) -> Any:
            return self.model(input_ids=ids, attention_mask=mask, token_type_ids=types)[0]

    sample = original.tokenizer(list(PROBES[:2]), padding=True, return_tensors="pt")
    axes = {name: {0: "batch", 1: "tokens"} for name in (*_INPUTS, "hidden")}
    with tempfile.TemporaryDirectory(dir=target.parent) as work:
        exported = Path(work) / "model.onnx"
        quantised = Path(work) / "model.int8.onnx"
        # The TorchScript exporter warns that it is legacy and traces Python conditionals; the
        # export is checked against the original model below, which is what matters.
        with torch.no_grad(), warnings.catch_warnings():
            warnings.simplefilter("ignore")
            torch.onnx.export(
                _Hidden(),
                tuple(sample[name] for name in _INPUTS),
                str(exported),
                input_names=list(_INPUTS),
                output_names=["hidden"],
                dynamic_axes=axes,
                opset_version=ONNX_OPSET,
                dynamo=False,
            )
        # The quantiser logs a suggestion to pre-process the graph on the root logger; the
        # probe check below is what decides whether the result is kept.
        root = logging.getLogger()
        level = root.level
        root.setLevel(logging.ERROR)
        try:
            quantize_dynamic(exported, quantised, weight_type=QuantType.QInt8, per_channel=True)
        finally:
            root.setLevel(level)
        expected = original.encode(list(PROBES), normalize_embeddings=True)
        got = OnnxEmbedder(model_dir, quantised, name="probe", threads=1).encode(PROBES)
        agreement = float(np.min(np.sum(expected * got, axis=1)))
        if agreement < MIN_PROBE_COSINE:
            raise RuntimeError(
                f"the int8 export of {model_dir} agrees with the original only to cosine "
                f"{agreement:.3f} (< {MIN_PROBE_COSINE})"
            )
        os.replace(quantised, target)


class OnnxEmbedder:
    """Mean-pooled, L2-normalised sentence vectors from an ONNX transformer (see module doc).

    Each text is run alone. Dynamic quantisation scales a call's activations by their range
    over the whole input, so in a batch a sentence's vector would depend on its neighbours
    (cosine ~0.985 to the same sentence run alone): alone, a vector depends only on its text,
    and no padding is computed. One sentence is too small a job to split across cores, so
    ``threads`` single-threaded runs go side by side instead (1.2-1.4x the throughput of one
    two-threaded run on two cores, and the same vectors). ``encode`` is serialised by a lock,
    as the torch embedder's is: one call already uses ``threads`` cores.
    """

    def __init__(
        self,
        model_dir: Path,
        onnx_file: Path,
        *,
        name: str,
        threads: int = 2,
        max_tokens: int | None = None,
    ) -> None:
        import onnxruntime
        from tokenizers import Tokenizer

        if threads < 1:
            raise ValueError("threads must be at least 1")
        options = onnxruntime.SessionOptions()
        options.intra_op_num_threads = 1
        options.inter_op_num_threads = 1
        self._session = onnxruntime.InferenceSession(
            str(onnx_file), options, providers=["CPUExecutionProvider"]
        )
        self._tokenizer = Tokenizer.from_file(str(model_dir / "tokenizer.json"))
        self._tokenizer.enable_truncation(max_length=max_tokens or _max_tokens(model_dir))
        self._tokenizer.no_padding()
        self._dimension = int(self._session.get_outputs()[0].shape[-1])
        self._name = name
        self._lock = threading.Lock()
        self._runs = ThreadPoolExecutor(threads, thread_name_prefix="onnx-embedder")

    @property
    def name(self) -> str:
        return self._name

    @property
    def dimension(self) -> int:
        return self._dimension

    def encode(self, texts: Sequence[str]) -> npt.NDArray[np.float32]:
        """float32 ``(len(texts), dimension)``, rows L2-normalised; blocking, CPU-bound."""
        items = text_list(texts)
        out = np.zeros((len(items), self._dimension), dtype=np.float32)
        with self._lock:
            encodings = self._tokenizer.encode_batch(items)
            for row, vector in enumerate(self._runs.map(self._pooled, encodings)):
                out[row] = vector
        return out

    def _pooled(self, encoding: Any) -> npt.NDArray[np.float32]:
        inputs = {
            "input_ids": np.asarray([encoding.ids], dtype=np.int64),
            "attention_mask": np.asarray([encoding.attention_mask], dtype=np.int64),
            "token_type_ids": np.asarray([encoding.type_ids], dtype=np.int64),
        }
        hidden = np.asarray(self._session.run(None, inputs)[0][0], dtype=np.float32)
        pooled = hidden.mean(axis=0)
        unit: npt.NDArray[np.float32] = pooled / max(float(np.linalg.norm(pooled)), 1e-12)
        return unit


def _max_tokens(model_dir: Path) -> int:
    config = model_dir / "sentence_bert_config.json"
    if config.is_file():
        settings = json.loads(config.read_text(encoding="utf-8"))
        return int(settings.get("max_seq_length", 256))
    return 256
