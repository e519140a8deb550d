"""Keeping the FAISS indexes in step with the store, which is the truth, and with each other.

`IndexSet.open` loads the passage and report indexes of one embedding model, each sharded by
publication day (`index.shards`) and published under ``settings.index_dir`` (`index.published`),
and checks every day against the store (`index.open_shards`): only the days that lag or do not
match are caught up or rebuilt. After that, writers call `IndexSet.add` once their store
transaction has committed, and `IndexSet.save` from time to time, which publishes the days
changed since (a crash in between only costs catching those days up at the next start).
Reports other processes store come in through `IndexSet.add_stored`, which the change log's
follower calls, and their published shards through `IndexSet.refresh`.

One process publishes a directory at a time: the one holding its `PublishLock`. Every other
process sharing it (a read-only replica, or a second writer while the first lives) only loads
it, swapping in each newer version of a day on `refresh` and keeping what it added itself.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Collection
from datetime import date
from pathlib import Path

import faiss
import numpy as np
import numpy.typing as npt
from sqlalchemy import Engine, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, sessionmaker

from core.config import Settings
from core.db.engine import make_sessionmaker
from core.db.schema import EmbeddingModelRow
from core.errors import IndexMismatch
from core.startup import StartupProgress
from index.open_shards import open_shards
from index.publish_lock import PublishLock
from index.published import ShardManifest, load_shard, manifest_stamp, publish, read_manifest
from index.shards import ShardedIndex
from index.store_vectors import (
    PASSAGES,
    REPORTS,
    Kind,
    bytes_to_vector,
    store_ids_by_day,
    vector_to_bytes,
    vectors_of,
)

__all__ = [
    "IndexSet",
    "bytes_to_vector",
    "get_or_create_model",
    "mean_direction",
    "vector_to_bytes",
]

logger = logging.getLogger(__name__)


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


class IndexSet:
    """The passage index (ids = ``passages.id``) and the report index (ids = ``reports.id``)
    of one embedding model, with the store they are derived from and the directory they are
    published in."""

    def __init__(
        self,
        *,
        directory: Path,
        sessions: sessionmaker[Session],
        model_name: str,
        dimension: int,
        model_id: int,
        passages: ShardedIndex,
        reports: ShardedIndex,
        published: dict[str, ShardManifest | None],
        lock: PublishLock | None,
    ) -> None:
        self.directory = directory
        self.model_name = model_name
        self.dimension = dimension
        self.model_id = model_id
        self.passages = passages
        self.reports = reports
        self._sessions = sessions
        self._published = published
        self._lock = lock
        self._stamps: dict[str, tuple[int, int, int] | None] = {}
        # One save or refresh at a time in this process: a publish reads what the last wrote.
        self._busy = threading.Lock()

    @classmethod
    def open(
        cls,
        settings: Settings,
        engine_or_sessionmaker: Engine | sessionmaker[Session],
        model_name: str,
        dimension: int,
        progress: StartupProgress | None = None,
    ) -> IndexSet:
        """Load both indexes from ``settings.index_dir``, bring each day level with the store
        (reporting each step to ``progress``), and publish the days that changed unless the
        process is read-only (``settings.index_read_only``) or another one publishes.

        Also sets FAISS's thread count from ``settings.faiss_threads`` (process-wide). Call it at
        startup, before any writer runs: rows committed meanwhile reach the indexes through the
        change log. Rebuilding every day reads every vector of the model (about 1.5 KB each at
        384-d) in chunks of `index.store_vectors.REBUILD_CHUNK`.
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
        opened = {
            kind.name: open_shards(
                kind,
                directory / kind.name,
                sessions,
                model_name=model_name,
                dimension=dimension,
                model_id=model_id,
                progress=progress,
            )
            for kind in (PASSAGES, REPORTS)
        }
        indexes = cls(
            directory=directory,
            sessions=sessions,
            model_name=model_name,
            dimension=dimension,
            model_id=model_id,
            passages=opened[PASSAGES.name].index,
            reports=opened[REPORTS.name].index,
            published={name: each.manifest for name, each in opened.items()},
            lock=None if settings.index_read_only else PublishLock(directory),
        )
        indexes.save()
        return indexes

    @property
    def publishes(self) -> bool:
        """Whether this process holds the directory's lock (it is the one that publishes)."""
        return self._lock is not None and self._lock.held

    def _kinds(self) -> tuple[tuple[Kind, ShardedIndex], ...]:
        return ((PASSAGES, self.passages), (REPORTS, self.reports))

    def add(
        self,
        passage_ids: npt.ArrayLike,
        passage_vectors: npt.ArrayLike,
        report_ids: npt.ArrayLike,
        report_vectors: npt.ArrayLike,
        day: date,
    ) -> None:
        """Index vectors of reports of ``day`` the store has committed: ids int64 ``(n,)``,
        vectors float32 ``(n, d)``."""
        self.passages.add(passage_ids, passage_vectors, day)
        self.reports.add(report_ids, report_vectors, day)

    def add_stored(self, session: Session, report_ids: Collection[int]) -> int:
        """Index the stored vectors of ``report_ids`` and of their passages that neither index
        holds yet (reports another process stored); returns how many vectors were added.

        Vectors already held are not read again, so adding the same reports twice changes
        nothing. A report stored without vectors of this model adds nothing.
        """
        reports = sorted(set(report_ids))
        if not reports:
            return 0
        added = 0
        for kind, index in self._kinds():
            for day, ids in store_ids_by_day(session, kind, self.model_id, reports).items():
                for found, vectors in vectors_of(
                    kind, session, self.dimension, self.model_id, index.missing(ids, day)
                ):
                    index.add(found, vectors, day)
                    added += found.size
        return added

    def save(self) -> bool:
        """Publish the days changed since the last publish, if this process is the publisher
        (it becomes one when no other process holds the lock); whether it is."""
        if self._lock is None:
            return False
        with self._busy:
            return self._save()

    def _save(self) -> bool:
        assert self._lock is not None
        if not self._lock.held:
            if not self._lock.try_acquire():
                return False
            # Another publisher may have published days since this process loaded them.
            self._refresh()
        for kind, index in self._kinds():
            directory = self.directory / kind.name
            days = index.take_changed()
            try:
                current = read_manifest(directory, model=self.model_name, dimension=self.dimension)
            except IndexMismatch:
                current = None
            if current is None:
                days |= set(index.days())
            elif not days:
                continue
            try:
                self._published[kind.name] = publish(directory, index, days, current)
            except BaseException:
                index.mark_changed(days)
                raise
        return True

    def refresh(self) -> int:
        """Swap in the day shards another process published since this one last looked;
        returns how many were swapped. The publisher's own memory is the newest: it skips.

        A shard that cannot be loaded (deleted by two publishes during the load, or damaged) is
        logged and left for the next call, with the days after it.
        """
        if self.publishes:
            return 0
        with self._busy:
            return self._refresh()

    def _refresh(self) -> int:
        swapped = 0
        for kind, index in self._kinds():
            directory = self.directory / kind.name
            stamp = manifest_stamp(directory)
            if stamp is None or stamp == self._stamps.get(kind.name):
                continue
            # A manifest that fails is not read again until it is replaced.
            self._stamps[kind.name] = stamp
            try:
                swapped += self._swap_in_newer(kind, index, directory)
            except IndexMismatch as exc:
                logger.warning("keeping the %s shards loaded: %s", kind.name, exc)
        return swapped

    def _swap_in_newer(self, kind: Kind, index: ShardedIndex, directory: Path) -> int:
        known = self._published.get(kind.name)
        manifest = read_manifest(directory, model=self.model_name, dimension=self.dimension)
        if manifest is None or (known is not None and known.generation == manifest.generation):
            return 0
        swapped = 0
        for day, entry in sorted(manifest.shards.items()):
            if known is None or known.shards.get(day) != entry:
                shard = load_shard(
                    directory, day, entry, model=self.model_name, dimension=self.dimension
                )
                index.swap_in(day, shard)
                swapped += 1
        self._published[kind.name] = manifest
        return swapped

    def close(self) -> None:
        """Give up publishing (another writer may take over)."""
        if self._lock is not None:
            self._lock.release()

    def verify(self) -> bool:
        """Whether each index holds exactly the ids the store has vectors for (this model), each
        in its day's shard."""
        with self._sessions() as session:
            for kind, index in self._kinds():
                store = store_ids_by_day(session, kind, self.model_id)
                held = {day: np.sort(ids) for day, ids in index.ids_by_day().items() if ids.size}
                if held.keys() != store.keys() or any(
                    not np.array_equal(held[day], np.sort(ids)) for day, ids in store.items()
                ):
                    return False
        return True
