"""Day shards on disk: published by one writer, loaded by any number of readers.

Layout of a published directory (one per indexed table: ``passages``, ``reports``)::

    shards.json                  {"format", "model", "dimension", "generation",
                                  "shards": {"2026-12-01": {"generation", "count", "ids_sha256"}}}
    days/2026-12-01/g000007/     one `VectorIndex` as `VectorIndex.save` writes it

A shard version is written once, into a directory named by the generation that publishes it,
and never changed; only then is ``shards.json`` replaced (temp file, fsync, ``os.replace``). A
reader therefore sees the old set or the new one whole: a crash between the two leaves an
unreferenced directory, which the next publish overwrites or deletes. After each publish the
versions named by neither the new manifest nor the one before are deleted, so a reader that
read the previous manifest just before still finds its files; one slower than two publishes
fails its load and tries again at its next poll.
"""

from __future__ import annotations

import json
import shutil
from collections.abc import Collection
from dataclasses import dataclass
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

from core.errors import IndexMismatch
from index.shards import Day, ShardedIndex
from index.vector_index import VectorIndex, ids_checksum, write_atomically

SHARDS_MANIFEST = "shards.json"
SHARDS_FORMAT = 1
DAYS_DIR = "days"


@dataclass(frozen=True, slots=True)
class ShardEntry:
    """One published shard version: what its directory must hold."""

    generation: int
    count: int
    ids_sha256: str


@dataclass(frozen=True, slots=True)
class ShardManifest:
    model: str
    dimension: int
    generation: int
    shards: dict[date, ShardEntry]


def shard_path(directory: Path, day: date, generation: int) -> Path:
    return directory / DAYS_DIR / day.isoformat() / f"g{generation:06d}"


def manifest_stamp(directory: Path) -> tuple[int, int, int] | None:
    """What changes whenever the manifest is replaced (inode, mtime, size), or None when there
    is none: a poll that finds the same stamp need not parse it again."""
    try:
        stat = (directory / SHARDS_MANIFEST).stat()
    except FileNotFoundError:
        return None
    return stat.st_ino, stat.st_mtime_ns, stat.st_size


def read_manifest(directory: Path, *, model: str, dimension: int) -> ShardManifest | None:
    """The published manifest, or None when nothing was published yet.

    Raises `IndexMismatch` when it is unreadable or describes another model or dimension.
    """
    path = directory / SHARDS_MANIFEST
    try:
        raw = json.loads(path.read_bytes())
    except FileNotFoundError:
        return None
    except (OSError, ValueError) as exc:
        raise IndexMismatch(f"cannot read {path}: {exc}", path=str(directory)) from exc
    try:
        manifest = ShardManifest(
            model=raw["model"],
            dimension=raw["dimension"],
            generation=int(raw["generation"]),
            shards={
                date.fromisoformat(day): ShardEntry(
                    int(entry["generation"]), int(entry["count"]), str(entry["ids_sha256"])
                )
                for day, entry in raw["shards"].items()
            },
        )
    except (KeyError, TypeError, ValueError, AttributeError) as exc:
        raise IndexMismatch(f"{path} is not a shard manifest: {exc}", path=str(directory)) from exc
    if raw.get("format") != SHARDS_FORMAT:
        raise IndexMismatch(f"{path} is not a format-{SHARDS_FORMAT} manifest", path=str(path))
    if manifest.model != model or manifest.dimension != dimension:
        raise IndexMismatch(
            f"shards at {directory} were made by {manifest.model!r} ({manifest.dimension}-d), "
            f"not {model!r} ({dimension}-d)",
            path=str(directory),
        )
    return manifest


def load_shard(
    directory: Path, day: date, entry: ShardEntry, *, model: str, dimension: int
) -> VectorIndex:
    """The published version of ``day``'s shard; `IndexMismatch` when it is missing, damaged
    or not the version the manifest names."""
    path = shard_path(directory, day, entry.generation)
    shard = VectorIndex.load(path, model=model, dimension=dimension)
    if len(shard) != entry.count or ids_checksum(shard.ids()) != entry.ids_sha256:
        raise IndexMismatch(f"{path} is not the shard its manifest names", path=str(path))
    return shard


def load_published(directory: Path, *, model: str, dimension: int) -> ShardedIndex:
    """Every shard the manifest names, as one index; `IndexMismatch` when nothing is published
    or a shard cannot be loaded."""
    manifest = read_manifest(directory, model=model, dimension=dimension)
    if manifest is None:
        raise IndexMismatch(f"nothing is published at {directory}", path=str(directory))
    index = ShardedIndex(dimension, model=model)
    for day, entry in manifest.shards.items():
        index.set_shard(day, load_shard(directory, day, entry, model=model, dimension=dimension))
    index.take_changed()
    return index


def publish(
    directory: Path, index: ShardedIndex, days: Collection[Day], previous: ShardManifest | None
) -> ShardManifest:
    """Write a new version of each of ``days``' shards, then the manifest naming them with the
    unchanged ones of ``previous`` (what is published now), then delete what no reader needs.

    The caller holds the directory's `PublishLock`: one publisher at a time.
    """
    generation = (previous.generation if previous is not None else 0) + 1
    shards = dict(previous.shards) if previous is not None else {}
    for day in days:
        if day is None:
            raise ValueError("only dated shards are published")
        shard = index.shard(day)
        if shard is None or not len(shard):
            shards.pop(day, None)
            continue
        written = shard.save(shard_path(directory, day, generation))
        shards[day] = ShardEntry(generation, int(written["count"]), str(written["ids_sha256"]))
    manifest = ShardManifest(index.model, index.dimension, generation, shards)
    directory.mkdir(parents=True, exist_ok=True)
    payload = json.dumps(_as_json(manifest), indent=2, sort_keys=True).encode("utf-8")
    write_atomically(directory / SHARDS_MANIFEST, lambda path: path.write_bytes(payload))
    _delete_unreferenced(directory, manifest, previous)
    return manifest


def _as_json(manifest: ShardManifest) -> dict[str, Any]:
    return {
        "format": SHARDS_FORMAT,
        "model": manifest.model,
        "dimension": manifest.dimension,
        "generation": manifest.generation,
        "published_at": datetime.now(UTC).isoformat(),
        "shards": {
            day.isoformat(): {
                "generation": entry.generation,
                "count": entry.count,
                "ids_sha256": entry.ids_sha256,
            }
            for day, entry in sorted(manifest.shards.items())
        },
    }


def _delete_unreferenced(
    directory: Path, manifest: ShardManifest, previous: ShardManifest | None
) -> None:
    kept = {
        shard_path(directory, day, entry.generation)
        for published in (manifest, previous)
        if published is not None
        for day, entry in published.shards.items()
    }
    days_dir = directory / DAYS_DIR
    if not days_dir.is_dir():
        return
    for day_dir in days_dir.iterdir():
        for version in day_dir.iterdir():
            if version not in kept:
                shutil.rmtree(version, ignore_errors=True)
        if not any(day_dir.iterdir()):
            day_dir.rmdir()
