from __future__ import annotations

import logging
from datetime import UTC, datetime

import numpy as np
import pytest
from sqlalchemy import Engine, delete, func, select
from sqlalchemy.orm import Session, sessionmaker

import index.open_shards as open_shards_module
import index.store_vectors as store_vectors_module
from core.config import Settings
from core.db.engine import make_sessionmaker
from core.db.schema import (
    EmbeddingModelRow,
    PassageRow,
    ReportVectorRow,
)
from core.errors import IndexMismatch
from core.startup import StartupProgress, StartupStep
from index.published import SHARDS_MANIFEST, load_published, publish
from index.shards import ShardedIndex
from index.sync import IndexSet, bytes_to_vector, get_or_create_model, vector_to_bytes
from tests.index._stored import DIM, EMBEDDER, MODEL, StoreReports

Store = StoreReports


def fill(store: Store, reports: int = 3) -> None:
    for r in range(reports):
        store([f"report {r} passage {p} about topic {r * 7 + p}" for p in range(4)])


def published_ids(settings: Settings, kind: str, model: str = MODEL, dim: int = DIM) -> set[int]:
    """Every id the published shards of ``kind`` hold, read as another process would."""
    published = load_published(settings.index_dir / kind, model=model, dimension=dim)
    return set(published.ids().tolist())


def rebuilt(caplog: pytest.LogCaptureFixture) -> list[str]:
    return [r.getMessage() for r in caplog.records if "rebuilding" in r.getMessage()]


def test_vector_codec_roundtrip() -> None:
    vector = EMBEDDER.encode(["some words"])[0]
    data = vector_to_bytes(vector)
    assert data == np.asarray(vector, dtype=np.float32).tobytes()
    assert len(data) == DIM * 4
    np.testing.assert_array_equal(bytes_to_vector(data, DIM), vector)
    assert bytes_to_vector(data, DIM).dtype == np.float32
    with pytest.raises(ValueError, match="not a"):
        bytes_to_vector(data[:-4], DIM)
    with pytest.raises(ValueError, match="one vector"):
        vector_to_bytes(np.zeros((2, DIM)))


def test_get_or_create_model(sessions: sessionmaker[Session]) -> None:
    with sessions.begin() as session:
        first = get_or_create_model(session, MODEL, DIM)
        assert get_or_create_model(session, MODEL, DIM) == first
        other = get_or_create_model(session, "another", 8)
        assert other != first
    with sessions.begin() as session:
        assert get_or_create_model(session, MODEL, DIM) == first
        with pytest.raises(IndexMismatch, match="stored as"):
            get_or_create_model(session, MODEL, DIM + 1)
    with sessions() as session:
        assert session.scalar(select(func.count()).select_from(EmbeddingModelRow)) == 2


def test_rebuilds_when_the_index_dir_is_empty(
    settings: Settings,
    engine: Engine,
    store_report: Store,
    caplog: pytest.LogCaptureFixture,
) -> None:
    fill(store_report)
    store_report(["vectors of another model are not indexed"], "other-model")
    caplog.set_level(logging.INFO, logger="index")
    indexes = IndexSet.open(settings, engine, MODEL, DIM)
    assert len(rebuilt(caplog)) == 2
    assert len(indexes.passages) == 12
    assert len(indexes.reports) == 3
    assert indexes.verify()
    for kind in ("passages", "reports"):
        assert (settings.index_dir / kind / SHARDS_MANIFEST).is_file()

    query = EMBEDDER.encode(["report 1 passage 2 about topic 9"])
    _, found = indexes.passages.search(query, 1)
    with make_sessionmaker(engine)() as session:
        text = session.scalar(select(PassageRow.text).where(PassageRow.id == int(found[0, 0])))
    assert text == "report 1 passage 2 about topic 9"

    caplog.clear()
    again = IndexSet.open(settings, engine, MODEL, DIM)
    assert rebuilt(caplog) == []
    assert again.verify()
    np.testing.assert_array_equal(np.sort(again.passages.ids()), np.sort(indexes.passages.ids()))


def test_rebuilds_an_empty_store(settings: Settings, engine: Engine) -> None:
    indexes = IndexSet.open(settings, engine, MODEL, DIM)
    assert len(indexes.passages) == 0
    assert len(indexes.reports) == 0
    assert indexes.verify()
    assert IndexSet.open(settings, engine, MODEL, DIM).verify()


def test_rebuilds_when_the_manifest_disagrees(
    settings: Settings,
    engine: Engine,
    store_report: Store,
    caplog: pytest.LogCaptureFixture,
) -> None:
    fill(store_report)
    stale = ShardedIndex(DIM * 2, model="an-older-model")
    day = datetime.now(UTC).date()
    stale.add([1, 2], np.eye(2, DIM * 2, dtype=np.float32), day)
    publish(settings.index_dir / "passages", stale, {day}, None)
    caplog.set_level(logging.INFO, logger="index")
    indexes = IndexSet.open(settings, engine, MODEL, DIM)
    messages = rebuilt(caplog)
    assert any("passages" in m and "an-older-model" in m for m in messages)
    assert indexes.verify()
    assert len(indexes.passages) == 12
    assert len(published_ids(settings, "passages")) == 12


def caught_up(caplog: pytest.LogCaptureFixture) -> list[str]:
    return [r.getMessage() for r in caplog.records if "lags the store" in r.getMessage()]


def refuse_full_rebuilds(monkeypatch: pytest.MonkeyPatch) -> None:
    def refuse(*_args: object) -> None:
        raise AssertionError("the index was rebuilt from every stored vector")

    monkeypatch.setattr(open_shards_module, "stream_vectors", refuse)


def test_an_index_lagging_the_store_adds_only_what_it_misses(
    settings: Settings,
    sessions: sessionmaker[Session],
    store_report: Store,
    caplog: pytest.LogCaptureFixture,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    fill(store_report, reports=2)
    IndexSet.open(settings, sessions, MODEL, DIM).close()
    report_id, passage_ids = store_report(["committed after the save", "and never indexed"])
    read: list[list[int]] = []
    vectors_of = open_shards_module.vectors_of

    def spy(
        kind: object, sessions: object, dimension: int, model_id: int, wanted: np.ndarray
    ) -> object:
        read.append(sorted(wanted.tolist()))
        return vectors_of(kind, sessions, dimension, model_id, wanted)  # type: ignore[arg-type]

    monkeypatch.setattr(open_shards_module, "vectors_of", spy)
    refuse_full_rebuilds(monkeypatch)
    caplog.set_level(logging.INFO, logger="index")
    caplog.clear()
    indexes = IndexSet.open(settings, sessions, MODEL, DIM)
    assert read == [sorted(passage_ids), [report_id]]
    assert rebuilt(caplog) == []
    assert "adding 2 stored vectors, dropping 0" in caught_up(caplog)[0]
    assert indexes.verify()
    assert len(indexes.passages) == 10
    assert set(passage_ids) <= published_ids(settings, "passages")


def test_an_index_holding_ids_the_store_lost_drops_them(
    settings: Settings,
    sessions: sessionmaker[Session],
    store_report: Store,
    caplog: pytest.LogCaptureFixture,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    fill(store_report, reports=2)
    gone, _ = store_report(["a report that will be deleted"])
    IndexSet.open(settings, sessions, MODEL, DIM).close()
    with sessions.begin() as session:
        session.execute(delete(ReportVectorRow).where(ReportVectorRow.report_id == gone))
    refuse_full_rebuilds(monkeypatch)
    caplog.set_level(logging.INFO, logger="index")
    caplog.clear()
    indexes = IndexSet.open(settings, sessions, MODEL, DIM)
    assert ["adding 0 stored vectors, dropping 1" in m for m in caught_up(caplog)] == [True]
    assert gone not in indexes.reports.ids()
    assert indexes.verify()


def test_startup_progress_counts_the_vectors_caught_up(
    settings: Settings, sessions: sessionmaker[Session], store_report: Store
) -> None:
    fill(store_report, reports=1)
    IndexSet.open(settings, sessions, MODEL, DIM).close()
    store_report(["one more", "two more", "three more"])
    seen: list[StartupStep] = []

    class Recording(StartupProgress):
        def advance(self, count: int = 1) -> None:
            super().advance(count)
            seen.append(self.step)

    IndexSet.open(settings, sessions, MODEL, DIM, Recording())
    assert seen == [
        StartupStep("catching up the passages index", 3, 3),
        StartupStep("catching up the reports index", 1, 1),
    ]


def test_add_after_commit_keeps_verify_true(
    settings: Settings,
    sessions: sessionmaker[Session],
    store_report: Store,
    caplog: pytest.LogCaptureFixture,
) -> None:
    fill(store_report, reports=1)
    indexes = IndexSet.open(settings, sessions, MODEL, DIM)
    texts = ["a later report", "with two passages"]
    report_id, passage_ids = store_report(texts)
    assert not indexes.verify()

    vectors = EMBEDDER.encode(texts)
    with sessions() as session:
        stored = session.scalars(
            select(ReportVectorRow.vector).where(ReportVectorRow.report_id == report_id)
        ).one()
    indexes.add(
        passage_ids,
        vectors,
        [report_id],
        bytes_to_vector(stored, DIM)[np.newaxis, :],
        datetime.now(UTC).date(),
    )
    assert indexes.verify()
    indexes.save()

    caplog.set_level(logging.INFO, logger="index")
    caplog.clear()
    assert IndexSet.open(settings, sessions, MODEL, DIM).verify()
    assert rebuilt(caplog) == []


def test_rebuild_streams_in_chunks(
    settings: Settings,
    engine: Engine,
    store_report: Store,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(store_vectors_module, "REBUILD_CHUNK", 5)
    fill(store_report, reports=4)
    indexes = IndexSet.open(settings, engine, MODEL, DIM)
    assert len(indexes.passages) == 16
    assert indexes.verify()
