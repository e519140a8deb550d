from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import UTC, date, datetime, timedelta, timezone
from pathlib import Path

import numpy as np
import pytest
from sqlalchemy.orm import Session, sessionmaker

import index.open_shards as open_shards_module
import index.published as published_module
from core.config import Settings
from index.published import (
    SHARDS_MANIFEST,
    ShardManifest,
    load_published,
    read_manifest,
    shard_path,
)
from index.store_vectors import PASSAGES, store_ids_by_day
from index.sync import IndexSet, get_or_create_model
from index.vector_index import INDEX_FILE
from tests.index._stored import DIM, EMBEDDER, MODEL, StoreReports

FIRST, SECOND, THIRD = date(2026, 11, 1), date(2026, 11, 2), date(2026, 11, 3)


def noon(day: date) -> datetime:
    return datetime(day.year, day.month, day.day, 12, tzinfo=UTC)


def manifest(settings: Settings, kind: str = "passages") -> ShardManifest:
    found = read_manifest(settings.index_dir / kind, model=MODEL, dimension=DIM)
    assert found is not None
    return found


def published(settings: Settings, kind: str = "passages") -> set[int]:
    index = load_published(settings.index_dir / kind, model=MODEL, dimension=DIM)
    return set(index.ids().tolist())


def indexes_model_id(sessions: sessionmaker[Session]) -> int:
    with sessions.begin() as session:
        return get_or_create_model(session, MODEL, DIM)


def texts(name: str) -> list[str]:
    return [f"{name} passage {p} about {name} things number {p}" for p in range(3)]


@pytest.fixture
def opened(
    settings: Settings, sessions: sessionmaker[Session]
) -> Iterator[Callable[[Settings], IndexSet]]:
    """Opens index sets on the test's store, closing each at the end."""
    sets: list[IndexSet] = []

    def open_set(with_settings: Settings = settings) -> IndexSet:
        sets.append(IndexSet.open(with_settings, sessions, MODEL, DIM))
        return sets[-1]

    yield open_set
    for each in sets:
        each.close()


def test_each_report_is_sharded_by_its_first_articles_utc_day(
    settings: Settings,
    store_report: StoreReports,
    opened: Callable[..., IndexSet],
) -> None:
    first, _ = store_report(texts("first"), published_at=noon(FIRST))
    # 23:30 at UTC-5 is the next day in UTC.
    late = datetime(2026, 11, 1, 23, 30, tzinfo=timezone(timedelta(hours=-5)))
    second, _ = store_report(texts("second"), published_at=late)
    undated, _ = store_report(texts("undated"), article=True)
    bare, _ = store_report(texts("without an article"))
    indexes = opened()
    today = datetime.now(UTC).date()
    reports = manifest(settings, "reports")
    assert set(reports.shards) == {FIRST, SECOND, today}
    by_day = {day: set(ids.tolist()) for day, ids in indexes.reports.ids_by_day().items()}
    assert by_day == {FIRST: {first}, SECOND: {second}, today: {undated, bare}}
    assert {day: entry.count for day, entry in reports.shards.items()} == {
        FIRST: 1,
        SECOND: 1,
        today: 2,
    }
    assert set(manifest(settings).shards) == {FIRST, SECOND, today}
    assert indexes.verify()
    assert published(settings) == set(indexes.passages.ids().tolist())


def test_a_crash_before_the_manifest_is_replaced_leaves_the_old_set_readable(
    settings: Settings,
    sessions: sessionmaker[Session],
    store_report: StoreReports,
    opened: Callable[..., IndexSet],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    store_report(texts("kept"), published_at=noon(FIRST))
    indexes = opened()
    before, before_ids = manifest(settings), published(settings)
    report, passages = store_report(texts("late"), published_at=noon(SECOND))
    with sessions() as session:
        indexes.add_stored(session, [report])
    write = published_module.write_atomically

    def crash_at_the_manifest(path: Path, payload: Callable[[Path], object]) -> int:
        if path.name == SHARDS_MANIFEST:
            raise OSError("the process died here")
        return write(path, payload)

    monkeypatch.setattr(published_module, "write_atomically", crash_at_the_manifest)
    with pytest.raises(OSError, match="died"):
        indexes.save()
    # The new day's shard is on disk, but no manifest names it: readers see the old set.
    assert shard_path(settings.index_dir / "passages", SECOND, before.generation + 1).is_dir()
    assert manifest(settings) == before
    assert published(settings) == before_ids

    monkeypatch.setattr(published_module, "write_atomically", write)
    assert indexes.save()
    assert published(settings) == before_ids | set(passages)
    assert manifest(settings).generation == before.generation + 1


def test_a_reader_swaps_in_what_the_writer_publishes_and_keeps_its_own(
    settings: Settings,
    make_settings: Callable[..., Settings],
    sessions: sessionmaker[Session],
    store_report: StoreReports,
    opened: Callable[..., IndexSet],
) -> None:
    store_report(texts("before"), published_at=noon(FIRST))
    writer = opened()
    reader = opened(make_settings(index_read_only=True))
    assert writer.publishes
    assert not reader.publishes
    shard_before = reader.passages.shard(FIRST)
    assert shard_before is not None

    report, passages = store_report(texts("published"), published_at=noon(FIRST))
    followed, followed_passages = store_report(texts("followed"), published_at=noon(FIRST))
    with sessions() as session:
        writer.add_stored(session, [report])
        # The reader learns of this one through the change log, before any publish has it.
        reader.add_stored(session, [followed])
    assert reader.refresh() == 0
    assert writer.save()
    assert reader.refresh() == 2
    assert reader.refresh() == 0

    held = set(reader.passages.ids().tolist())
    assert set(passages) <= held
    assert set(followed_passages) <= held
    assert reader.passages.shard(FIRST) is not shard_before
    assert set(passages).isdisjoint(shard_before.ids().tolist())
    _, found = reader.passages.search(EMBEDDER.encode([texts("published")[1]]), 1)
    assert int(found[0, 0]) == passages[1]
    assert not reader.save()
    assert not set(followed_passages) & published(settings)


def test_of_two_writers_one_publishes_until_it_closes(
    settings: Settings,
    sessions: sessionmaker[Session],
    store_report: StoreReports,
    opened: Callable[..., IndexSet],
) -> None:
    store_report(texts("first"), published_at=noon(FIRST))
    first = opened()
    second = opened()
    assert first.publishes
    assert not second.publishes
    report, passages = store_report(texts("second's"), published_at=noon(SECOND))
    with sessions() as session:
        second.add_stored(session, [report])
    assert not second.save()
    assert not set(passages) & published(settings)

    first.close()
    assert second.save()
    assert second.publishes
    assert set(passages) <= published(settings)


def test_reopening_rebuilds_only_the_damaged_day_and_catches_up_the_lagging_one(
    settings: Settings,
    sessions: sessionmaker[Session],
    store_report: StoreReports,
    opened: Callable[..., IndexSet],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    for day in (FIRST, SECOND, THIRD):
        for n in range(2):
            store_report(texts(f"{day} {n}"), published_at=noon(day))
    opened().close()
    before = manifest(settings)
    damaged = shard_path(settings.index_dir / "passages", SECOND, before.shards[SECOND].generation)
    (damaged / INDEX_FILE).write_bytes(b"\x00garbage" * 100)
    _, late = store_report(texts("late"), published_at=noon(THIRD))
    with sessions() as session:
        second_day = set(
            store_ids_by_day(session, PASSAGES, indexes_model_id(sessions))[SECOND].tolist()
        )

    def refuse(*_args: object) -> None:
        raise AssertionError("every stored vector was read again")

    read: list[int] = []
    vectors_of = open_shards_module.vectors_of

    def spy(
        kind: object, session: object, dimension: int, model_id: int, wanted: np.ndarray
    ) -> object:
        if kind is PASSAGES:
            read.extend(wanted.tolist())
        return vectors_of(kind, session, dimension, model_id, wanted)  # type: ignore[arg-type]

    monkeypatch.setattr(open_shards_module, "stream_vectors", refuse)
    monkeypatch.setattr(open_shards_module, "vectors_of", spy)
    indexes = opened()
    assert sorted(read) == sorted(second_day | set(late))
    assert indexes.verify()
    after = manifest(settings)
    assert after.shards[FIRST] == before.shards[FIRST]
    assert after.shards[SECOND].generation == after.shards[THIRD].generation > before.generation
    assert published(settings) == set(indexes.passages.ids().tolist())
