"""Opening one table's day shards against the store, which is the truth.

Each published shard is checked against the ids the store holds for its day. A shard that
matches is used as it is; one that lags (a crash after a commit, before a publish) reads only
the vectors it misses and drops ids the store no longer has; one that is missing, damaged or
not what the manifest names is rebuilt from its day's stored vectors alone. Only when nothing
usable is published (no manifest, an unreadable one, another model's) is every vector read, in
one pass. The days changed are left marked in the index, for the writer's next publish.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import date
from pathlib import Path

import numpy as np
from sqlalchemy.orm import Session, sessionmaker

from core.errors import IndexMismatch
from core.startup import StartupProgress
from index.published import ShardManifest, load_shard, read_manifest
from index.shards import ShardedIndex
from index.store_vectors import IdArray, Kind, store_ids_by_day, stream_vectors, vectors_of
from index.vector_index import VectorIndex

logger = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class OpenedShards:
    index: ShardedIndex
    manifest: ShardManifest | None
    """The published manifest the index was loaded from (None when nothing usable was)."""


@dataclass(frozen=True, slots=True)
class _Scope:
    kind: Kind
    directory: Path
    sessions: sessionmaker[Session]
    model_name: str
    dimension: int
    model_id: int


def open_shards(
    kind: Kind,
    directory: Path,
    sessions: sessionmaker[Session],
    *,
    model_name: str,
    dimension: int,
    model_id: int,
    progress: StartupProgress,
) -> OpenedShards:
    """``kind``'s index as published under ``directory``, brought level with the store."""
    scope = _Scope(kind, directory, sessions, model_name, dimension, model_id)
    progress.begin(f"loading the {kind.name} index")
    with sessions() as session:
        store = store_ids_by_day(session, kind, model_id)
    try:
        manifest = read_manifest(directory, model=model_name, dimension=dimension)
    except IndexMismatch as exc:
        logger.warning("rebuilding the %s index from the store: %s", kind.name, exc)
        return OpenedShards(_rebuild_all(scope, store, progress), None)
    if manifest is None:
        if store:
            logger.warning("rebuilding the %s index from the store: none published", kind.name)
        return OpenedShards(_rebuild_all(scope, store, progress), None)
    return OpenedShards(_check_each_day(scope, manifest, store, progress), manifest)


def _rebuild_all(
    scope: _Scope, store: dict[date, IdArray], progress: StartupProgress
) -> ShardedIndex:
    index = ShardedIndex(scope.dimension, model=scope.model_name)
    progress.begin(
        f"rebuilding the {scope.kind.name} index", total=sum(ids.size for ids in store.values())
    )
    for day, ids, vectors in stream_vectors(
        scope.kind, scope.sessions, scope.dimension, scope.model_id
    ):
        index.add(ids, vectors, day)
        progress.advance(len(ids))
    logger.info(
        "rebuilt the %s index: %d vectors in %d days", scope.kind.name, len(index), len(store)
    )
    return index


def _check_each_day(
    scope: _Scope,
    manifest: ShardManifest,
    store: dict[date, IdArray],
    progress: StartupProgress,
) -> ShardedIndex:
    index = ShardedIndex(scope.dimension, model=scope.model_name)
    missing: dict[date, IdArray] = {}
    changed: set[date] = set()
    for day in sorted(store.keys() | manifest.shards.keys()):
        wanted = store.get(day, np.empty(0, dtype=np.int64))
        shard = _load_or_none(scope, manifest, day)
        if shard is None:
            shard = VectorIndex(scope.dimension, model=scope.model_name)
            changed.add(day)
        held = shard.ids()
        extra = np.setdiff1d(held, wanted)
        missing[day] = np.setdiff1d(wanted, held)
        if day in manifest.shards and (extra.size or missing[day].size) and day not in changed:
            logger.warning(
                "the %s shard of %s lags the store: adding %d stored vectors, dropping %d ids "
                "not in the store",
                scope.kind.name,
                day,
                missing[day].size,
                extra.size,
            )
        if extra.size or missing[day].size:
            changed.add(day)
        shard.remove(extra)
        index.set_shard(day, shard if wanted.size else None)
    index.take_changed()
    index.mark_changed(changed)
    _fill(scope, index, {day: ids for day, ids in missing.items() if ids.size}, progress)
    logger.info(
        "loaded the %s index: %d vectors in %d days, %d of them brought level with the store",
        scope.kind.name,
        len(index),
        len(index.days()),
        len(changed),
    )
    return index


def _load_or_none(scope: _Scope, manifest: ShardManifest, day: date) -> VectorIndex | None:
    entry = manifest.shards.get(day)
    if entry is None:
        return None
    try:
        return load_shard(
            scope.directory, day, entry, model=scope.model_name, dimension=scope.dimension
        )
    except IndexMismatch as exc:
        logger.warning(
            "rebuilding the %s shard of %s from the store: %s", scope.kind.name, day, exc
        )
        return None


def _fill(
    scope: _Scope, index: ShardedIndex, missing: dict[date, IdArray], progress: StartupProgress
) -> None:
    if not missing:
        return
    progress.begin(
        f"catching up the {scope.kind.name} index", total=sum(ids.size for ids in missing.values())
    )
    with scope.sessions() as session:
        for day, wanted in missing.items():
            for ids, vectors in vectors_of(
                scope.kind, session, scope.dimension, scope.model_id, wanted
            ):
                index.add(ids, vectors, day)
                progress.advance(len(ids))
