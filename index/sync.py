"""Keeping the FAISS indexes in step with the store, which is the truth.

`IndexSet.open` loads the saved passage and report indexes and checks them against the store's
vectors for one embedding model. An index that lags the store (a crash after a commit, before a
save) catches up: only the vectors it misses are read and added, and ids the store no longer has
are dropped. An index that is missing, made by another model or unreadable is rebuilt from the
store. Either way it is saved. After that, writers
call `IndexSet.add` once their store transaction has committed, and `IndexSet.save` from time to
time (a crash in between only costs a rebuild at the next start). Reports other processes store
come in through `IndexSet.add_stored`, which the change log's follower calls.

Vectors are stored as raw little-endian float32 bytes (`vector_to_bytes`).
"""

from __future__ import annotations

import logging
from collections.abc import Collection, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import faiss
import numpy as np
import numpy.typing as npt
from sqlalchemy import Engine, Row, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, sessionmaker

from core.config import Settings
from core.db.engine import make_sessionmaker
from core.db.schema import EmbeddingModelRow, PassageRow, PassageVectorRow, ReportVectorRow
from core.errors import IndexMismatch
from core.startup import StartupProgress
from index.vector_index import VectorIndex

logger = logging.getLogger(__name__)

REBUILD_CHUNK = 10_000
# Ids per query when reading only the vectors an index misses (under every backend's limit on
# bound parameters).
CATCH_UP_CHUNK = 1_000

_VECTOR_DTYPE = np.dtype("<f4")


def vector_to_bytes(vector: npt.ArrayLike) -> bytes:
    """The stored form of one vector: float32 ``(d,)`` as ``d * 4`` little-endian bytes."""
    array = np.asarray(vector, dtype=_VECTOR_DTYPE)
    if array.ndim != 1:
        raise ValueError(f"one vector at a time, got shape {array.shape}")
    return array.tobytes()


def bytes_to_vector(data: bytes, dimension: int) -> npt.NDArray[np.float32]:
    """Inverse of `vector_to_bytes`: float32 ``(dimension,)`` (a read-only view of ``data``)."""
    if len(data) != dimension * _VECTOR_DTYPE.itemsize:
        raise ValueError(f"{len(data)} bytes is not a {dimension}-d float32 vector")
    return np.frombuffer(data, dtype=_VECTOR_DTYPE).astype(np.float32, copy=False)


def mean_direction(vectors: npt.NDArray[np.float32]) -> npt.NDArray[np.float32]:
    """An article's vector: the normalised mean of its passage vectors, shape (d,)."""
    mean: npt.NDArray[np.float32] = vectors.mean(axis=0, dtype=np.float32)
    norm = float(np.linalg.norm(mean))
    return mean / np.float32(norm) if norm > 0 else mean


def get_or_create_model(session: Session, name: str, dimension: int) -> int:
    """The id of the ``embedding_models`` row for ``name``, creating it if needed.

    Flushes but does not commit. Raises `IndexMismatch` if ``name`` is stored with another
    dimension: vectors of one model cannot change size.
    """
    row = session.scalars(select(EmbeddingModelRow).where(EmbeddingModelRow.name == name)).first()
    if row is None:
        try:
            with session.begin_nested():
                row = EmbeddingModelRow(name=name, dimension=dimension)
                session.add(row)
        except IntegrityError:
            # Another process created it between our select and insert.
            row = session.scalars(
                select(EmbeddingModelRow).where(EmbeddingModelRow.name == name)
            ).one()
    if row.dimension != dimension:
        raise IndexMismatch(
            f"embedding model {name!r} is stored as {row.dimension}-d, not {dimension}-d",
            model=name,
        )
    return row.id


@dataclass(frozen=True)
class _Kind:
    """One indexed table: where its vectors live and which column is the index id."""

    name: str
    table: type[PassageVectorRow] | type[ReportVectorRow]
    id_column: Any


_PASSAGES = _Kind("passages", PassageVectorRow, PassageVectorRow.passage_id)
_REPORTS = _Kind("reports", ReportVectorRow, ReportVectorRow.report_id)


class IndexSet:
    """The passage index (ids = ``passages.id``) and the report index (ids = ``reports.id``)
    of one embedding model, with the store they are derived from."""

    def __init__(
        self,
        *,
        directory: Path,
        sessions: sessionmaker[Session],
        model_name: str,
        dimension: int,
        model_id: int,
        passages: VectorIndex,
        reports: VectorIndex,
    ) -> None:
        self.directory = directory
        self.model_name = model_name
        self.dimension = dimension
        self.model_id = model_id
        self.passages = passages
        self.reports = reports
        self._sessions = sessions

    @classmethod
    def open(
        cls,
        settings: Settings,
        engine_or_sessionmaker: Engine | sessionmaker[Session],
        model_name: str,
        dimension: int,
        progress: StartupProgress | None = None,
    ) -> IndexSet:
        """Load both indexes from ``settings.index_dir``; catch up or rebuild any that disagrees
        with the store, reporting each step to ``progress``.

        Also sets FAISS's thread count from ``settings.faiss_threads`` (process-wide). Call it at
        startup, before any writer runs: rows committed while a rebuild streams may be missed
        until the next open. A rebuild reads every vector of the model (about 1.5 KB each at
        384-d) in chunks of `REBUILD_CHUNK`.
        """
        faiss.omp_set_num_threads(settings.faiss_threads)
        sessions = (
            engine_or_sessionmaker
            if isinstance(engine_or_sessionmaker, sessionmaker)
            else make_sessionmaker(engine_or_sessionmaker)
        )
        with sessions.begin() as session:
            model_id = get_or_create_model(session, model_name, dimension)
        directory = settings.index_dir
        progress = progress or StartupProgress()
        indexes = {
            kind.name: _open_one(
                kind, directory / kind.name, sessions, model_name, dimension, model_id, progress
            )
            for kind in (_PASSAGES, _REPORTS)
        }
        return cls(
            directory=directory,
            sessions=sessions,
            model_name=model_name,
            dimension=dimension,
            model_id=model_id,
            passages=indexes[_PASSAGES.name],
            reports=indexes[_REPORTS.name],
        )

    def add(
        self,
        passage_ids: npt.ArrayLike,
        passage_vectors: npt.ArrayLike,
        report_ids: npt.ArrayLike,
        report_vectors: npt.ArrayLike,
    ) -> None:
        """Index vectors the store has committed: ids int64 ``(n,)``, vectors float32 ``(n, d)``."""
        self.passages.add(passage_ids, passage_vectors)
        self.reports.add(report_ids, report_vectors)

    def add_stored(self, session: Session, report_ids: Collection[int]) -> int:
        """Index the stored vectors of ``report_ids`` and of their passages that neither index
        holds yet (reports another process stored); returns how many vectors were added.

        Vectors already held are not read again, so adding the same reports twice changes
        nothing. A report stored without vectors of this model adds nothing.
        """
        reports = np.asarray(sorted(set(report_ids)), dtype=np.int64)
        if not reports.size:
            return 0
        passages = _store_ids(
            session,
            _PASSAGES,
            self.model_id,
            PassageVectorRow.passage_id.in_(
                select(PassageRow.id).where(PassageRow.report_id.in_(reports.tolist()))
            ),
        )
        added = 0
        for kind, index, ids in (
            (_PASSAGES, self.passages, passages),
            (_REPORTS, self.reports, reports),
        ):
            for found, vectors in _vectors_of(
                kind, session, self.dimension, self.model_id, index.missing(ids)
            ):
                index.add(found, vectors)
                added += found.size
        return added

    def save(self) -> None:
        """Save both indexes atomically under ``directory``."""
        self.passages.save(self.directory / _PASSAGES.name)
        self.reports.save(self.directory / _REPORTS.name)

    def verify(self) -> bool:
        """Whether each index holds exactly the ids the store has vectors for (this model)."""
        with self._sessions() as session:
            return all(
                _same_ids(index.ids(), _store_ids(session, kind, self.model_id))
                for kind, index in ((_PASSAGES, self.passages), (_REPORTS, self.reports))
            )


def _store_ids(session: Session, kind: _Kind, model_id: int, *where: Any) -> npt.NDArray[np.int64]:
    ids = session.scalars(
        select(kind.id_column).where(kind.table.model_id == model_id, *where)
    ).all()
    return np.asarray(ids, dtype=np.int64)


def _same_ids(a: npt.NDArray[np.int64], b: npt.NDArray[np.int64]) -> bool:
    return a.size == b.size and bool(np.array_equal(np.sort(a), np.sort(b)))


def _open_one(
    kind: _Kind,
    directory: Path,
    sessions: sessionmaker[Session],
    model_name: str,
    dimension: int,
    model_id: int,
    progress: StartupProgress,
) -> VectorIndex:
    progress.begin(f"loading the {kind.name} index")
    with sessions() as session:
        store = _store_ids(session, kind, model_id)
    if not directory.exists() and store.size == 0:
        index = VectorIndex(dimension, model=model_name)
        index.save(directory)
        logger.info("created an empty %s index for %s", kind.name, model_name)
        return index
    try:
        index = VectorIndex.load(directory, model=model_name, dimension=dimension)
    except IndexMismatch as exc:
        logger.warning("rebuilding the %s index from the store: %s", kind.name, exc)
        index = _rebuild(kind, sessions, model_name, dimension, model_id, store.size, progress)
        index.save(directory)
        logger.info("rebuilt %s index: %d vectors of %s", kind.name, len(index), model_name)
        return index
    held = index.ids()
    if _same_ids(held, store):
        logger.info("loaded %s index: %d vectors of %s", kind.name, len(held), model_name)
        return index
    missing = np.setdiff1d(store, held)
    extra = np.setdiff1d(held, store)
    logger.warning(
        "the %s index lags the store: adding %d stored vectors, dropping %d ids not in the store",
        kind.name,
        missing.size,
        extra.size,
    )
    index.remove(extra)
    progress.begin(f"catching up the {kind.name} index", total=int(missing.size))
    with sessions() as session:
        for ids, vectors in _vectors_of(kind, session, dimension, model_id, missing):
            index.add(ids, vectors)
            progress.advance(len(ids))
    index.save(directory)
    return index


def _rebuild(
    kind: _Kind,
    sessions: sessionmaker[Session],
    model_name: str,
    dimension: int,
    model_id: int,
    count: int,
    progress: StartupProgress,
) -> VectorIndex:
    progress.begin(f"rebuilding the {kind.name} index", total=count)
    index = VectorIndex(dimension, model=model_name)
    for ids, vectors in _stream_vectors(kind, sessions, dimension, model_id):
        index.add(ids, vectors)
        progress.advance(len(ids))
    return index


def _vectors_of(
    kind: _Kind,
    session: Session,
    dimension: int,
    model_id: int,
    wanted: npt.NDArray[np.int64],
) -> Iterator[tuple[npt.NDArray[np.int64], npt.NDArray[np.float32]]]:
    """The model's stored vectors of the ``wanted`` ids, ``CATCH_UP_CHUNK`` at a time."""
    for start in range(0, wanted.size, CATCH_UP_CHUNK):
        chunk = [int(i) for i in wanted[start : start + CATCH_UP_CHUNK]]
        rows = session.execute(
            select(kind.id_column, kind.table.vector).where(
                kind.table.model_id == model_id, kind.id_column.in_(chunk)
            )
        ).all()
        yield _as_arrays(rows, dimension)


def _stream_vectors(
    kind: _Kind, sessions: sessionmaker[Session], dimension: int, model_id: int
) -> Iterator[tuple[npt.NDArray[np.int64], npt.NDArray[np.float32]]]:
    """The model's stored vectors in id order, ``REBUILD_CHUNK`` rows at a time."""
    statement = (
        select(kind.id_column, kind.table.vector)
        .where(kind.table.model_id == model_id)
        .order_by(kind.id_column)
        .execution_options(yield_per=REBUILD_CHUNK)
    )
    with sessions() as session:
        for chunk in session.execute(statement).partitions():
            yield _as_arrays(chunk, dimension)


def _as_arrays(
    rows: Sequence[Row[int, bytes]], dimension: int
) -> tuple[npt.NDArray[np.int64], npt.NDArray[np.float32]]:
    """Rows of (id, vector bytes) as ids int64 ``(n,)`` and vectors float32 ``(n, dimension)``."""
    ids = np.fromiter((row[0] for row in rows), dtype=np.int64, count=len(rows))
    vectors = np.empty((len(rows), dimension), dtype=np.float32)
    for i, row in enumerate(rows):
        vectors[i] = bytes_to_vector(row[1], dimension)
    return ids, vectors
