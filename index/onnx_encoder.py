"""A sentence-transformers model as int8 ONNX, run with onnxruntime and `tokenizers` alone.

The model's transformer is exported once (torch's TorchScript-based ONNX exporter) and its
weights quantised to int8 per output channel (onnxruntime's dynamic quantisation), then kept in
a cache directory with the tokenizer and settings it runs with, and the digest of the weights it
was made from: a changed model is rebuilt and an unchanged one is loaded in a fraction of a
second. Before an export is kept, its vectors are checked against the original model's on probe
sentences. Building needs torch and sentence-transformers (the `model` extra); running an export
needs neither, nor the model's own package, so an image can ship the export alone.

Mean pooling and L2 normalisation are done in numpy, as the packaged model's own pooling and
normalisation modules do; only models pooled that way are accepted. On two AVX2 cores this runs
all-MiniLM-L6-v2 1.3-1.9x as fast as torch, with vectors at cosine >= 0.98 to torch's
(`bench/embedding_throughput.py`).
"""

from __future__ import annotations

import contextlib
import functools
import hashlib
import json
import logging
import os
import re
import shutil
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
ONNX_FILE = "model.int8.onnx"
# Beside the graph in an export: the weights' digest it was built from.
EXPORT_RECORD = "export.json"
# What `OnnxEmbedder` reads besides the graph, copied from the model into its export.
RUNTIME_FILES = ("tokenizer.json", "sentence_bert_config.json")
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
# onnxruntime's exact u8 x s8 kernel is documented for AVX-512 VNNI; a CPU with only the
# 256-bit AVX-VNNI is treated as saturating (exact products, some speed lost).
_VNNI = re.compile(r"\bavx512_vnni\b")


def int8_session_options(threads: int) -> Any:
    """onnxruntime settings for an int8 model that give the same vectors on every x86-64 CPU.

    Without AVX-512 VNNI, onnxruntime's default u8 x s8 products saturate at 16 bits, so an AVX2
    machine's vectors differed from a VNNI machine's and the judged figures with them (all items
    0.412 right on one, 0.402 on the other, with the same code and judged set). There it is asked
    for exact u8 x u8 products, at 0.95 of the default's speed on an AVX2 machine. Where VNNI is
    present the default products are exact already, and the exact ones would give the same
    vectors at 0.6 of the speed."""
    import onnxruntime

    options = onnxruntime.SessionOptions()
    options.intra_op_num_threads = threads
    options.inter_op_num_threads = 1
    if int8_products_saturate():
        options.add_session_config_entry("session.x64quantprecision", "1")
    return options


@functools.lru_cache(maxsize=1)
def int8_products_saturate() -> bool:
    """Whether onnxruntime's default int8 products may saturate on this machine's CPU."""
    try:
        cpuinfo = Path("/proc/cpuinfo").read_text(encoding="utf-8", errors="replace")
    except OSError:
        return saturating_cpu(None)
    return saturating_cpu(cpuinfo)


def saturating_cpu(cpuinfo: str | None) -> bool:
    """An x86-64 CPU without AVX-512 VNNI, or one whose flags cannot be read (`cpuinfo` None);
    on other CPUs the setting this decides does nothing."""
    return cpuinfo is None or _VNNI.search(cpuinfo) is None


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


def model_extra_error(purpose: str, error: ImportError) -> ImportError:
    """The error for `purpose` run where the `model` extra is not installed."""
    return ImportError(
        f"{purpose} needs torch and sentence-transformers, which the service does not install: "
        f"pip install 'parallax[model]' ({error})"
    )


def export_path(name: str, cache_dir: Path) -> Path:
    """The directory the int8 export of the model named `name` is kept in."""
    return cache_dir / re.sub(r"[^A-Za-z0-9.-]+", "_", name)


def _current(export: Path, digest: str | None) -> bool:
    """Whether `export` is complete and, if `digest` is given, built from those weights."""
    record = export / EXPORT_RECORD
    if not (record.is_file() and (export / ONNX_FILE).is_file()):
        return False
    return digest is None or json.loads(record.read_text("utf-8")).get("digest") == digest


def exported_model(model_dir: Path | None, cache_dir: Path, *, name: str) -> Path:
    """The export of the model in `model_dir` (its int8 graph, tokenizer and settings: all that
    `OnnxEmbedder` loads), built into `cache_dir` if absent or made from other weights.

    Without `model_dir` (the model's package is not installed, as in the image) the export must
    be there already: `parallax prepare-model` builds it where the `model` extra is installed.
    """
    target = export_path(name, cache_dir)
    if model_dir is None:
        if not _current(target, None):
            raise FileNotFoundError(
                f"no int8 export of {name} in {cache_dir}: run `parallax prepare-model` where "
                "parallax[model] is installed, with PARALLAX_MODEL_CACHE_DIR set to this directory"
            )
        return target
    digest = _digest(model_dir)
    if not _current(target, digest):
        _check_pooling(model_dir)
        try:
            cache_dir.mkdir(parents=True, exist_ok=True)
            _build(model_dir, target, digest)
        except OSError as error:
            raise OSError(
                f"cannot build the int8 model into {cache_dir} ({error}); point "
                "PARALLAX_MODEL_CACHE_DIR at a writable directory, or run `parallax "
                "prepare-model` where it is writable"
            ) from error
    return target


def _build(model_dir: Path, target: Path, digest: str) -> None:
    with tempfile.TemporaryDirectory(dir=target.parent, prefix=".build-") as work:
        built = Path(work) / "export"
        built.mkdir()
        export_int8(model_dir, built / ONNX_FILE)
        for name in RUNTIME_FILES:
            if (model_dir / name).is_file():
                shutil.copyfile(model_dir / name, built / name)
        record = {"source": model_dir.name, "digest": digest}
        (built / EXPORT_RECORD).write_text(json.dumps(record, indent=2) + "\n", "utf-8")
        # One rename puts the export in place, so a reader sees the old one or the new one; the
        # one it replaces goes with the work directory.
        with contextlib.suppress(FileNotFoundError):
            target.rename(Path(work) / "replaced")
        try:
            built.rename(target)
        except OSError:
            # Another process put its build of the same weights in place first: it serves.
            if not _current(target, digest):
                raise


def load_onnx_embedder(
    model_dir: Path | None, cache_dir: Path, *, name: str, threads: int
) -> OnnxEmbedder:
    """The model as int8 ONNX, built if absent and rebuilt once if the kept file will not load
    (a truncated or damaged file must not stop the service while the model is at hand to
    rebuild it from)."""
    export = exported_model(model_dir, cache_dir, name=name)
    try:
        return OnnxEmbedder(export, export / ONNX_FILE, name=name, threads=threads)
    except Exception as error:  # onnxruntime raises its own classes for unreadable models
        if model_dir is None:
            raise
        logger.warning("rebuilding the unreadable model file %s: %s", export / ONNX_FILE, error)
        (export / ONNX_FILE).unlink(missing_ok=True)
        rebuilt = exported_model(model_dir, cache_dir, name=name)
        return OnnxEmbedder(rebuilt, rebuilt / ONNX_FILE, name=name, threads=threads)


def export_int8(model_dir: Path, target: Path) -> None:
    """Export the sentence-transformers model in `model_dir` to int8 ONNX at `target`, kept only
    if its vectors agree with the model's own on the probe sentences."""
    try:
        import torch
        import transformers
        from onnxruntime.quantization import QuantType, quantize_dynamic
        from sentence_transformers import SentenceTransformer
    except ImportError as error:
        raise model_extra_error("building the int8 model", error) from error

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
        self._session = onnxruntime.InferenceSession(
            str(onnx_file), int8_session_options(1), providers=["CPUExecutionProvider"]
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
