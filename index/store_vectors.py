"""Reading the store's vectors of one embedding model, with the day each one is sharded by.

A vector's day is its report's: the UTC publication date of the report's first article, or,
when that article has no date (or the report none yet), the UTC date the report was stored,
its ingest day. Both are written once with the report, so a vector never changes day.

Vectors are stored as raw little-endian float32 bytes (`vector_to_bytes`).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

import numpy as np
import numpy.typing as npt
from sqlalchemy import Select, func, select
from sqlalchemy.orm import Session, sessionmaker

from core.db.schema import (
    ArticleRow,
    PassageRow,
    PassageVectorRow,
    ReportRow,
    ReportVectorRow,
)
from index.shards import utc_day

REBUILD_CHUNK = 10_000
# Ids per query when reading only the vectors an index misses (under every backend's limit on
# bound parameters).
CATCH_UP_CHUNK = 1_000

_VECTOR_DTYPE = np.dtype("<f4")

IdArray = npt.NDArray[np.int64]
FloatArray = npt.NDArray[np.float32]


def vector_to_bytes(vector: npt.ArrayLike) -> bytes:
    """The stored form of one vector: float32 ``(d,)`` as ``d * 4`` little-endian bytes."""
    array = np.asarray(vector, dtype=_VECTOR_DTYPE)
    if array.ndim != 1:
        raise ValueError(f"one vector at a time, got shape {array.shape}")
    return array.tobytes()


def bytes_to_vector(data: bytes, dimension: int) -> FloatArray:
    """Inverse of `vector_to_bytes`: float32 ``(dimension,)`` (a read-only view of ``data``)."""
    if len(data) != dimension * _VECTOR_DTYPE.itemsize:
        raise ValueError(f"{len(data)} bytes is not a {dimension}-d float32 vector")
    return np.frombuffer(data, dtype=_VECTOR_DTYPE).astype(np.float32, copy=False)


@dataclass(frozen=True)
class Kind:
    """One indexed table: where its vectors live, which column is the index id, and how a row
    reaches its report."""

    name: str
    table: type[PassageVectorRow] | type[ReportVectorRow]
    id_column: Any
    report_column: Any


PASSAGES = Kind("passages", PassageVectorRow, PassageVectorRow.passage_id, PassageRow.report_id)
REPORTS = Kind("reports", ReportVectorRow, ReportVectorRow.report_id, ReportVectorRow.report_id)


def report_day(published_at: datetime | None, stored_at: datetime) -> date:
    """The shard day of a report first published at ``published_at`` and stored at
    ``stored_at``."""
    return utc_day(published_at or stored_at)


def _with_days(statement: Select[Any], kind: Kind, reports: Sequence[int] | None) -> Select[Any]:
    """``statement`` over ``kind.table`` joined to the columns that give each row its day, for
    the rows of ``reports`` (None: every report)."""
    first_article = select(ArticleRow.report_id, func.min(ArticleRow.id).label("article_id"))
    if reports is not None:
        first_article = first_article.where(ArticleRow.report_id.in_(reports))
    first = first_article.group_by(ArticleRow.report_id).subquery()
    if kind is PASSAGES:
        statement = statement.join(PassageRow, PassageRow.id == PassageVectorRow.passage_id)
    if reports is not None:
        statement = statement.where(kind.report_column.in_(reports))
    return (
        statement.join(ReportRow, ReportRow.id == kind.report_column)
        .outerjoin(first, first.c.report_id == ReportRow.id)
        .outerjoin(ArticleRow, ArticleRow.id == first.c.article_id)
    )


def store_ids_by_day(
    session: Session, kind: Kind, model_id: int, reports: Sequence[int] | None = None
) -> dict[date, IdArray]:
    """The ids the store holds vectors of (this model), by day; only those of ``reports``
    when given."""
    rows = session.execute(
        _with_days(
            select(kind.id_column, ArticleRow.published_at, ReportRow.created_at), kind, reports
        ).where(kind.table.model_id == model_id)
    ).all()
    grouped: defaultdict[date, list[int]] = defaultdict(list)
    for id_, published_at, stored_at in rows:
        grouped[report_day(published_at, stored_at)].append(id_)
    return {day: np.asarray(ids, dtype=np.int64) for day, ids in grouped.items()}


def vectors_of(
    kind: Kind, session: Session, dimension: int, model_id: int, wanted: IdArray
) -> Iterator[tuple[IdArray, FloatArray]]:
    """The model's stored vectors of the ``wanted`` ids, ``CATCH_UP_CHUNK`` at a time."""
    for start in range(0, wanted.size, CATCH_UP_CHUNK):
        chunk = [int(i) for i in wanted[start : start + CATCH_UP_CHUNK]]
        rows = session.execute(
            select(kind.id_column, kind.table.vector).where(
                kind.table.model_id == model_id, kind.id_column.in_(chunk)
            )
        ).all()
        yield as_arrays(rows, dimension)


def stream_vectors(
    kind: Kind, sessions: sessionmaker[Session], dimension: int, model_id: int
) -> Iterator[tuple[date, IdArray, FloatArray]]:
    """Every stored vector of the model, in id order, ``REBUILD_CHUNK`` rows read at a time and
    yielded grouped by day."""
    statement = (
        _with_days(
            select(
                kind.id_column, kind.table.vector, ArticleRow.published_at, ReportRow.created_at
            ),
            kind,
            None,
        )
        .where(kind.table.model_id == model_id)
        .order_by(kind.id_column)
        .execution_options(yield_per=REBUILD_CHUNK)
    )
    with sessions() as session:
        for chunk in session.execute(statement).partitions():
            by_day: defaultdict[date, list[Sequence[Any]]] = defaultdict(list)
            for row in chunk:
                by_day[report_day(row[2], row[3])].append(row)
            for day, rows in by_day.items():
                ids, vectors = as_arrays(rows, dimension)
                yield day, ids, vectors


def as_arrays(rows: Sequence[Sequence[Any]], dimension: int) -> tuple[IdArray, FloatArray]:
    """Rows starting (id, vector bytes) as ids int64 ``(n,)`` and vectors float32
    ``(n, dimension)``."""
    ids = np.fromiter((row[0] for row in rows), dtype=np.int64, count=len(rows))
    vectors = np.empty((len(rows), dimension), dtype=np.float32)
    for i, row in enumerate(rows):
        vectors[i] = bytes_to_vector(row[1], dimension)
    return ids, vectors
