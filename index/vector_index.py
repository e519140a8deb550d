"""An exact cosine index with stable ids, atomic saves and a manifest checked on load.

Layout of a saved index directory::

    index.faiss      faiss.write_index of IndexIDMap2(IndexFlatIP(d))
    manifest.json    {"model", "dimension", "count", "ids_sha256", "index_bytes", ...}

Each file is written to a temporary file in the same directory and moved into place with
``os.replace``, so a reader sees the old file or the new one, never half of one. The index file
is replaced before the manifest; if a crash falls between the two, the manifest's count and id
checksum no longer match the index and `VectorIndex.load` raises `IndexMismatch` (the caller
rebuilds from the store, which is the truth).
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import tempfile
import threading
from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import faiss
import numpy as np
import numpy.typing as npt

from core.errors import IndexMismatch

INDEX_FILE = "index.faiss"
MANIFEST_FILE = "manifest.json"
MANIFEST_FORMAT = 1

FloatArray = npt.NDArray[np.float32]
IdArray = npt.NDArray[np.int64]


class _ReadWriteLock:
    """Many readers or one writer; a waiting writer holds back new readers. Not reentrant."""

    def __init__(self) -> None:
        self._cond = threading.Condition(threading.Lock())
        self._readers = 0
        self._writer = False
        self._writers_waiting = 0

    @contextlib.contextmanager
    def read(self) -> Iterator[None]:
        with self._cond:
            while self._writer or self._writers_waiting:
                self._cond.wait()
            self._readers += 1
        try:
            yield
        finally:
            with self._cond:
                self._readers -= 1
                if not self._readers:
                    self._cond.notify_all()

    @contextlib.contextmanager
    def write(self) -> Iterator[None]:
        with self._cond:
            self._writers_waiting += 1
            try:
                while self._writer or self._readers:
                    self._cond.wait()
            finally:
                self._writers_waiting -= 1
            self._writer = True
        try:
            yield
        finally:
            with self._cond:
                self._writer = False
                self._cond.notify_all()


class IdSelection:
    """A set of ids searches are restricted to, built once for several searches (faiss
    ``IDSelectorBatch``: building it costs about as much as an exact search of a few thousand
    vectors)."""

    def __init__(self, ids: npt.ArrayLike) -> None:
        self.ids = _as_ids(ids)
        self.selector: Any = faiss.IDSelectorBatch(self.ids)


def ids_checksum(ids: npt.ArrayLike) -> str:
    """sha256 of the sorted id set as little-endian int64: equal sets give equal checksums."""
    ordered = np.sort(np.asarray(ids, dtype=np.int64).ravel())
    return hashlib.sha256(ordered.astype("<i8").tobytes()).hexdigest()


def _as_ids(ids: npt.ArrayLike) -> IdArray:
    array = np.asarray(ids)
    if array.ndim != 1:
        raise ValueError(f"ids must be one-dimensional, got shape {array.shape}")
    if array.size and not np.issubdtype(array.dtype, np.integer):
        raise ValueError(f"ids must be integers, got {array.dtype}")
    return np.ascontiguousarray(array, dtype=np.int64)


def _normalised(vectors: npt.ArrayLike, dimension: int, what: str) -> FloatArray:
    """A float32 C-contiguous copy of ``vectors`` (n, dimension) with unit rows."""
    array = np.array(vectors, dtype=np.float32, order="C", copy=True)
    if array.ndim != 2 or array.shape[1] != dimension:
        raise ValueError(f"{what} must have shape (n, {dimension}), got {array.shape}")
    if not np.isfinite(array).all():
        raise ValueError(f"{what} contain NaN or infinite values")
    if array.shape[0] and (np.linalg.norm(array, axis=1) == 0).any():
        raise ValueError(f"{what} contain a zero vector, which has no direction")
    faiss.normalize_L2(array)
    return array


def write_atomically(path: Path, write: Callable[[Path], object]) -> int:
    """Run ``write(temp_path)``, fsync it, then move it over ``path``; no temp file survives.

    Returns the size of the file written, in bytes.
    """
    fd, temp_name = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    os.close(fd)
    temp = Path(temp_name)
    try:
        write(temp)
        with temp.open("rb+") as handle:
            os.fsync(handle.fileno())
            size = os.fstat(handle.fileno()).st_size
        os.replace(temp, path)
    finally:
        temp.unlink(missing_ok=True)
    _fsync_directory(path.parent)
    return size


def _fsync_directory(directory: Path) -> None:
    # Makes the rename itself durable on POSIX; directories cannot be opened on Windows.
    if os.name != "posix":
        return
    fd = os.open(directory, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


class VectorIndex:
    """Exact inner-product search over unit vectors keyed by stable int64 ids.

    Wraps ``faiss.IndexIDMap2(faiss.IndexFlatIP(dimension))``. Vectors are normalised on the way
    in, so scores are cosine similarities in [-1, 1]. One writer at a time (`add`, `remove`);
    searches run concurrently with each other and wait for a write in progress; `save` copies
    the index and writes the copy, so it holds up neither.

    Cost (MODELS.md, 384-d, 2 cores): ~4 ms per query over 200,000 vectors in batches of 1,000,
    ~1.5 KB of RAM per vector; each write that touches existing ids rebuilds IndexIDMap2's
    reverse map, which is linear in the index size.
    """

    def __init__(self, dimension: int, *, model: str) -> None:
        if dimension < 1:
            raise ValueError("dimension must be positive")
        self._dimension = dimension
        self._model = model
        self._index: Any = faiss.IndexIDMap2(faiss.IndexFlatIP(dimension))
        self._lock = _ReadWriteLock()
        self._save_lock = threading.Lock()

    @property
    def dimension(self) -> int:
        return self._dimension

    @property
    def model(self) -> str:
        return self._model

    def __len__(self) -> int:
        with self._lock.read():
            return int(self._index.ntotal)

    def __repr__(self) -> str:
        return f"VectorIndex(model={self._model!r}, dimension={self._dimension}, count={len(self)})"

    def _present(self, ids: IdArray) -> npt.NDArray[np.bool_]:
        """Which of ``ids`` are stored; call with a lock held (the view aliases faiss memory)."""
        count = int(self._index.id_map.size())
        if not count or not ids.size:
            return np.zeros(ids.shape, dtype=bool)
        stored = faiss.rev_swig_ptr(self._index.id_map.data(), count)
        return np.isin(ids, stored)

    def add(self, ids: npt.ArrayLike, vectors: npt.ArrayLike) -> None:
        """Store ``vectors`` under ``ids``, replacing any vector already stored under one of them.

        ids: int64 ``(n,)``, unique within the call. vectors: float32 ``(n, dimension)``, any
        non-zero length (rows are normalised here).
        """
        id_array = _as_ids(ids)
        array = _normalised(vectors, self._dimension, "vectors")
        if id_array.shape[0] != array.shape[0]:
            raise ValueError(f"{id_array.shape[0]} ids for {array.shape[0]} vectors")
        if np.unique(id_array).size != id_array.size:
            raise ValueError("ids must be unique within one add()")
        if not id_array.size:
            return
        with self._lock.write():
            if self._present(id_array).any():
                self._index.remove_ids(faiss.IDSelectorBatch(id_array))
            self._index.add_with_ids(array, id_array)

    def remove(self, ids: npt.ArrayLike) -> int:
        """Drop the vectors stored under ``ids`` (int64 ``(n,)``); unknown ids are ignored.

        Returns how many vectors were removed.
        """
        id_array = _as_ids(ids)
        with self._lock.write():
            if not self._present(id_array).any():
                return 0
            return int(self._index.remove_ids(faiss.IDSelectorBatch(id_array)))

    def missing(self, ids: npt.ArrayLike) -> IdArray:
        """Those of ``ids`` (int64 ``(n,)``) that are not stored, in the order given."""
        id_array = _as_ids(ids)
        with self._lock.read():
            return id_array[~self._present(id_array)]

    def ids(self) -> IdArray:
        """A copy of the stored ids, int64 ``(len(self),)``, in storage order."""
        with self._lock.read():
            return self._ids_unlocked()

    def _ids_unlocked(self) -> IdArray:
        return np.asarray(faiss.vector_to_array(self._index.id_map), dtype=np.int64)

    def reconstruct(self, id_: int) -> FloatArray:
        """The stored (unit) vector of ``id_``, float32 ``(dimension,)``; KeyError if absent."""
        with self._lock.read():
            if not self._present(np.array([id_], dtype=np.int64))[0]:
                raise KeyError(id_)
            return np.asarray(self._index.reconstruct(int(id_)), dtype=np.float32)

    def reconstruct_many(self, ids: npt.ArrayLike) -> FloatArray:
        """The stored (unit) vectors of ``ids`` (int64 ``(n,)``), float32 ``(n, dimension)``;
        KeyError if one is absent."""
        id_array = _as_ids(ids)
        with self._lock.read():
            absent = id_array[~self._present(id_array)]
            if absent.size:
                raise KeyError(int(absent[0]))
            if not id_array.size:
                return np.empty((0, self._dimension), dtype=np.float32)
            return np.asarray(self._index.reconstruct_batch(id_array), dtype=np.float32)

    def search(
        self,
        queries: npt.ArrayLike,
        k: int,
        *,
        allowed: npt.ArrayLike | IdSelection | None = None,
    ) -> tuple[FloatArray, IdArray]:
        """The ``k`` nearest stored vectors to each query, best first.

        queries: float32 ``(m, dimension)`` (normalised here). allowed: int64 ``(a,)`` restricting
        the candidates to these ids (faiss ``IDSelectorBatch``), the same as an `IdSelection`,
        or None for all.
        Returns scores float32 ``(m, k)`` (cosine) and ids int64 ``(m, k)``; where fewer than
        ``k`` candidates exist, the row is padded with id -1 and score -inf.

        With ``allowed`` every stored vector is still visited (a membership test each), but only
        the allowed ones are scored; for a few hundred ids out of millions, score them directly.
        """
        if k < 1:
            raise ValueError("k must be at least 1")
        array = _normalised(queries, self._dimension, "queries")
        m = array.shape[0]
        scores: FloatArray
        labels: IdArray
        if allowed is not None:
            # The parameters hold a bare pointer: keep the selection referenced during the search.
            selection = allowed if isinstance(allowed, IdSelection) else IdSelection(allowed)
            if not selection.ids.size or not m:
                return _padded(m, k)
            params = faiss.SearchParameters()
            params.sel = selection.selector
        elif not m:
            return _padded(m, k)
        else:
            params = None
        with self._lock.read():
            scores, labels = self._index.search(array, k, params=params)
        scores = np.asarray(scores, dtype=np.float32)
        labels = np.asarray(labels, dtype=np.int64)
        scores[labels < 0] = -np.inf
        return scores, labels

    def save(self, directory: str | os.PathLike[str]) -> dict[str, Any]:
        """Write ``index.faiss`` then ``manifest.json`` into ``directory``, each atomically;
        returns the manifest written.

        The index is copied under the read lock and written without it, so neither searches nor
        writers wait for the disk; the copy briefly doubles the index's memory.
        """
        target = Path(directory)
        target.mkdir(parents=True, exist_ok=True)
        with self._save_lock:
            with self._lock.read():
                snapshot: Any = faiss.clone_index(self._index)
            ids = np.asarray(faiss.vector_to_array(snapshot.id_map), dtype=np.int64)
            size = write_atomically(
                target / INDEX_FILE, lambda path: faiss.write_index(snapshot, str(path))
            )
            manifest = {
                "format": MANIFEST_FORMAT,
                "model": self._model,
                "dimension": self._dimension,
                "count": int(ids.size),
                "ids_sha256": ids_checksum(ids),
                "index_bytes": size,
                "created_at": datetime.now(UTC).isoformat(),
                "faiss_version": faiss.__version__,
            }
            payload = json.dumps(manifest, indent=2, sort_keys=True).encode("utf-8")
            write_atomically(target / MANIFEST_FILE, lambda path: path.write_bytes(payload))
            return manifest

    @classmethod
    def load(cls, directory: str | os.PathLike[str], *, model: str, dimension: int) -> VectorIndex:
        """Read an index saved by `save`, checking it against the caller's model and dimension.

        Raises `IndexMismatch` when a file is missing or unreadable, the manifest names another
        model or dimension, or the index does not hold what its manifest describes.
        """
        source = Path(directory)
        manifest = _read_manifest(source / MANIFEST_FILE)
        if manifest.get("model") != model or manifest.get("dimension") != dimension:
            raise IndexMismatch(
                f"index at {source} was made by {manifest.get('model')!r} "
                f"({manifest.get('dimension')}-d), not {model!r} ({dimension}-d)",
                path=str(source),
            )
        index_path = source / INDEX_FILE
        try:
            size = index_path.stat().st_size
            raw = faiss.read_index(str(index_path))
        except (OSError, RuntimeError) as exc:
            raise IndexMismatch(f"cannot read {index_path}: {exc}", path=str(source)) from exc
        if (
            not isinstance(raw, faiss.IndexIDMap2)
            or raw.d != dimension
            or raw.metric_type != faiss.METRIC_INNER_PRODUCT
        ):
            raise IndexMismatch(
                f"{index_path} is not an inner-product IndexIDMap2 over {dimension}-d vectors",
                path=str(source),
            )
        loaded = cls(dimension, model=model)
        loaded._index = raw
        ids = loaded._ids_unlocked()
        if (
            size != manifest.get("index_bytes")
            or ids.size != manifest.get("count")
            or int(raw.ntotal) != ids.size
            or ids_checksum(ids) != manifest.get("ids_sha256")
        ):
            raise IndexMismatch(
                f"{index_path} does not hold what its manifest describes", path=str(source)
            )
        return loaded


def _read_manifest(path: Path) -> dict[str, Any]:
    try:
        manifest = json.loads(path.read_bytes())
    except (OSError, ValueError) as exc:
        raise IndexMismatch(f"cannot read {path}: {exc}", path=str(path.parent)) from exc
    if not isinstance(manifest, dict) or manifest.get("format") != MANIFEST_FORMAT:
        raise IndexMismatch(
            f"{path} is not a format-{MANIFEST_FORMAT} manifest", path=str(path.parent)
        )
    return manifest


def _padded(m: int, k: int) -> tuple[FloatArray, IdArray]:
    return np.full((m, k), -np.inf, dtype=np.float32), np.full((m, k), -1, dtype=np.int64)
