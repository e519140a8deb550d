"""The store behaves the same on SQLite (the embedded default) and PostgreSQL (scale-out).

Every test runs once per backend through the `store_*` fixtures of `tests/core/conftest.py`.
"""

from __future__ import annotations

import subprocess
import sys
import threading
from collections.abc import Callable
from dataclasses import replace
from datetime import UTC, datetime, timedelta, timezone

import numpy as np
import numpy.typing as npt
import pytest
from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Engine, select, text, update
from sqlalchemy.exc import IntegrityError, StatementError
from sqlalchemy.orm import Session, sessionmaker

from comparison.events import Assignment
from core.config import Settings
from core.db.changes import (
    ARTICLE_ADDED,
    ARTICLE_MOVED,
    EVENT_CREATED,
    changes_after,
)
from core.db.engine import alembic_config, make_engine, make_sessionmaker, migrate, open_store
from core.db.schema import (
    ArticleRow,
    Base,
    BatchRow,
    EmbeddingModelRow,
    EventRow,
    FailureRow,
    JobRow,
    PassageRow,
    PassageVectorRow,
    ReportRow,
    ReportVectorRow,
)
from core.errors import FetchTimeout
from core.models import PassageSpan
from ingest.dedupe import content_hash, simhash
from ingest.events import new_event, persist_assignment
from ingest.jobs import DONE, FAILED, HOST, QUEUED, RUNNING, JobQueue
from ingest.persist import (
    NewArticle,
    NewReport,
    StoredReport,
    article_id_for,
    insert_article,
    insert_report,
    near_duplicate_report,
    report_id_for_hash,
)

DIMENSION = 4
SIGNED_64_EXTREMES = [-(2**63), -(2**63) + 1, -1, 0, 1, 2**63 - 2, 2**63 - 1]


def _head_revision(url: str) -> str | None:
    return ScriptDirectory.from_config(alembic_config(url)).get_current_head()


def _schema_drift(engine: Engine) -> list[object]:
    with engine.connect() as connection:
        return list(compare_metadata(MigrationContext.configure(connection), Base.metadata))


def _revisions(engine: Engine) -> list[str]:
    with engine.connect() as connection:
        return list(connection.execute(text("SELECT version_num FROM alembic_version")).scalars())


@pytest.fixture
def model_id(store_sessions: sessionmaker[Session]) -> int:
    with store_sessions.begin() as session:
        row = EmbeddingModelRow(name="test-model", dimension=DIMENSION)
        session.add(row)
        session.flush()
        return row.id


def _vectors(count: int, seed: int = 0) -> npt.NDArray[np.float32]:
    vectors = np.random.default_rng(seed).standard_normal((count, DIMENSION)).astype(np.float32)
    normalised: npt.NDArray[np.float32] = vectors / np.linalg.norm(vectors, axis=1, keepdims=True)
    return normalised


def _new_report(
    text_: str, *, simhash_value: int | None = None, near_duplicate_of: int | None = None
) -> NewReport:
    spans, start = [], 0
    for index, paragraph in enumerate(text_.split("\n\n")):
        start = text_.index(paragraph, start)
        spans.append(PassageSpan(index, start, start + len(paragraph), paragraph))
        start += len(paragraph)
    vectors = _vectors(len(spans), seed=len(text_))
    return NewReport(
        content_hash=content_hash(text_),
        simhash=simhash(text_) if simhash_value is None else simhash_value,
        text=text_,
        language="en",
        passages=spans,
        passage_vectors=vectors,
        report_vector=vectors[0],
        near_duplicate_of=near_duplicate_of,
    )


def _new_article(canonical_url: str) -> NewArticle:
    return NewArticle(
        canonical_url=canonical_url,
        url=canonical_url + "?utm_source=feed",
        outlet_id=None,
        outlet_name="Example News",
        title="Evacuation to Jordan — 422 arrive",
        authors=("A. Writer", "Zoë Ñúñez"),
        site_name="Example",
        language="en",
        published_at=datetime(2018, 7, 22, 9, 30, tzinfo=timezone(timedelta(hours=3))),
        extra={"section": "world", "note": "«quoted»"},
    )


def _store(
    sessions: sessionmaker[Session], report: NewReport, model_id: int, url: str | None = None
) -> StoredReport:
    with sessions.begin() as session:
        stored = insert_report(session, report, model_id)
        if url is not None:
            insert_article(session, _new_article(url), stored.report_id)
        return stored


# Migrations


def test_migration_builds_the_schema_the_models_describe(store_engine: Engine) -> None:
    url = store_engine.url.render_as_string(hide_password=False)
    assert _revisions(store_engine) == [_head_revision(url)]
    assert _schema_drift(store_engine) == []


def test_migrating_again_changes_nothing(store_engine: Engine) -> None:
    before = _revisions(store_engine)
    migrate(store_engine)
    migrate(store_engine)
    assert _revisions(store_engine) == before
    assert _schema_drift(store_engine) == []


_MIGRATE_ON_CUE = """
import sys
from core.db.changes import (
    ARTICLE_ADDED,
    ARTICLE_MOVED,
    EVENT_CREATED,
    changes_after,
)
from core.db.engine import make_engine, migrate
engine = make_engine(sys.argv[1])
print("ready", flush=True)
sys.stdin.readline()
migrate(engine)
"""


@pytest.mark.slow
def test_processes_racing_to_migrate_a_new_store_all_succeed(store_url: str) -> None:
    racers = [
        subprocess.Popen(
            [sys.executable, "-c", _MIGRATE_ON_CUE, store_url],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for _ in range(3)
    ]
    # Imports take a while: start migrating only once every racer is ready, so they overlap.
    for racer in racers:
        assert racer.stdout is not None
        assert racer.stdout.readline().strip() == "ready"
    for racer in racers:
        assert racer.stdin is not None
        racer.stdin.write("go\n")
        racer.stdin.flush()
    errors = [racer.communicate(timeout=120)[1] for racer in racers]
    assert [racer.returncode for racer in racers] == [0, 0, 0], errors
    engine = make_engine(store_url)
    try:
        assert _revisions(engine) == [_head_revision(store_url)]
        assert _schema_drift(engine) == []
    finally:
        engine.dispose()


def test_open_store_takes_the_database_url_from_settings(
    store_url: str, make_settings: Callable[..., Settings]
) -> None:
    settings = make_settings(database_url=store_url)
    engine, sessions = open_store(settings)
    again, _ = open_store(settings)
    try:
        assert engine.url.render_as_string(hide_password=False) == store_url
        queue = JobQueue(sessions, lease_seconds=60)
        batch = queue.create_batch("urls")
        assert queue.enqueue(batch, "url", [("a", {"url": "a"})]) == 1
        assert JobQueue(make_sessionmaker(again), lease_seconds=60).pending_count() == 1
    finally:
        engine.dispose()
        again.dispose()


# Unique keys and references


def test_a_content_hash_is_stored_once(
    store_sessions: sessionmaker[Session], model_id: int
) -> None:
    report = _new_report("Israel evacuated 422 people.\n\nJordan confirmed the figure.")
    _store(store_sessions, report, model_id)
    with pytest.raises(IntegrityError), store_sessions.begin() as session:
        insert_report(session, report, model_id)
    with store_sessions() as session:
        assert report_id_for_hash(session, report.content_hash) is not None
        assert len(session.scalars(select(ReportRow.id)).all()) == 1


def test_a_canonical_url_is_stored_once(
    store_sessions: sessionmaker[Session], model_id: int
) -> None:
    url = "https://news.example/world/evacuation"
    first = _store(store_sessions, _new_report("First text.\n\nMore."), model_id, url)
    second = _store(store_sessions, _new_report("Second text.\n\nOther."), model_id)
    with pytest.raises(IntegrityError), store_sessions.begin() as session:
        insert_article(session, _new_article(url), second.report_id)
    with store_sessions() as session:
        article_id = article_id_for(session, url)
        assert article_id is not None
        assert session.get_one(ArticleRow, article_id).report_id == first.report_id


def test_a_racing_writer_is_refused_by_the_unique_key(
    store_sessions: sessionmaker[Session], model_id: int
) -> None:
    url = "https://news.example/race"
    stored = _store(store_sessions, _new_report("Race text.\n\nSecond paragraph."), model_id)
    errors: list[BaseException] = []

    def second_writer() -> None:
        try:
            with store_sessions.begin() as session:
                insert_article(session, _new_article(url), stored.report_id)
        except IntegrityError as error:
            errors.append(error)

    with store_sessions.begin() as session:
        insert_article(session, _new_article(url), stored.report_id)
        # The second writer starts while the first has not committed: it waits for the
        # first's lock (row lock or SQLite write lock) and must then see the conflict.
        racer = threading.Thread(target=second_writer)
        racer.start()
        racer.join(timeout=0.3)
    racer.join(timeout=30)
    assert not racer.is_alive()
    assert len(errors) == 1
    with store_sessions() as session:
        assert len(session.scalars(select(ArticleRow.id)).all()) == 1


def test_foreign_keys_are_enforced(store_sessions: sessionmaker[Session]) -> None:
    with pytest.raises(IntegrityError), store_sessions.begin() as session:
        insert_article(session, _new_article("https://news.example/orphan"), 999_999)


# Datetimes, JSON and bytes


@pytest.mark.parametrize(
    "value",
    [
        datetime(2018, 7, 22, 23, 59, 59, 999_999, tzinfo=UTC),
        datetime(2018, 7, 23, 1, 30, tzinfo=timezone(timedelta(hours=5, minutes=30))),
        datetime(2018, 7, 22, 20, 0, 0, 1, tzinfo=timezone(timedelta(hours=-8))),
        datetime(1, 1, 1, tzinfo=UTC),
        datetime(9999, 12, 31, 23, 59, 59, 999_999, tzinfo=UTC),
    ],
    ids=["utc", "plus-0530", "minus-0800", "year-1", "year-9999"],
)
def test_aware_datetimes_round_trip_as_utc(
    store_sessions: sessionmaker[Session], value: datetime
) -> None:
    with store_sessions.begin() as session:
        batch = BatchRow(kind="urls", created_at=value)
        session.add(batch)
        session.flush()
        batch_id = batch.id
    with store_sessions() as session:
        stored = session.scalar(select(BatchRow.created_at).where(BatchRow.id == batch_id))
    assert stored == value
    assert stored is not None
    assert stored.utcoffset() == timedelta(0)


def test_a_server_time_zone_other_than_utc_changes_nothing(store_engine: Engine) -> None:
    if store_engine.dialect.name == "postgresql":
        with store_engine.connect() as connection:
            database = connection.execute(text("SELECT current_database()")).scalar_one()
            connection.execute(text(f"ALTER DATABASE \"{database}\" SET TimeZone = 'Etc/GMT+10'"))
            connection.commit()
        store_engine.dispose()
    edges = [datetime(1, 1, 1, tzinfo=UTC), datetime(9999, 12, 31, 23, 59, tzinfo=UTC)]
    sessions = make_sessionmaker(store_engine)
    with sessions.begin() as session:
        session.add_all(BatchRow(kind="urls", created_at=edge) for edge in edges)
    with sessions() as session:
        stored = session.scalars(select(BatchRow.created_at).order_by(BatchRow.id)).all()
    assert stored == edges


def test_a_naive_datetime_is_refused(store_sessions: sessionmaker[Session]) -> None:
    with store_sessions() as session:
        session.add(BatchRow(kind="urls", created_at=datetime(2018, 7, 22, 12, 0)))
        with pytest.raises(StatementError, match="naive datetimes"):
            session.flush()


def test_datetime_comparisons_do_not_depend_on_the_offset_written(
    store_sessions: sessionmaker[Session],
) -> None:
    instant = datetime(2018, 7, 22, 12, 0, tzinfo=UTC)
    written = [
        instant.astimezone(timezone(timedelta(hours=14))) - timedelta(microseconds=1),
        instant.astimezone(timezone(timedelta(hours=-12))),
        instant + timedelta(microseconds=1),
    ]
    with store_sessions.begin() as session:
        session.add_all(BatchRow(kind=str(n), created_at=when) for n, when in enumerate(written))
    with store_sessions() as session:
        before = session.scalars(select(BatchRow.kind).where(BatchRow.created_at < instant)).all()
        at = session.scalars(select(BatchRow.kind).where(BatchRow.created_at == instant)).all()
        after = session.scalars(select(BatchRow.kind).where(BatchRow.created_at > instant)).all()
    assert (before, at, after) == (["0"], ["1"], ["2"])


def test_report_article_passages_and_vectors_round_trip(
    store_sessions: sessionmaker[Session], model_id: int
) -> None:
    text_ = "Israel evacuated “White Helmets”.\n\n422 arrived — Jordan said.\n\nZoë reported."
    report = _new_report(text_)
    url = "https://news.example/world/white-helmets"
    stored = _store(store_sessions, report, model_id, url)
    with store_sessions() as session:
        row = session.get_one(ReportRow, stored.report_id)
        assert (row.text, row.simhash, row.language) == (text_, report.simhash, "en")
        passages = session.scalars(
            select(PassageRow).where(PassageRow.report_id == row.id).order_by(PassageRow.idx)
        ).all()
        assert [p.id for p in passages] == stored.passage_ids
        assert all(text_[p.start : p.end] == p.text for p in passages)
        vectors = session.scalars(
            select(PassageVectorRow.vector)
            .where(PassageVectorRow.model_id == model_id)
            .order_by(PassageVectorRow.passage_id)
        ).all()
        decoded = np.stack([np.frombuffer(v, dtype=np.float32) for v in vectors])
        np.testing.assert_array_equal(decoded, report.passage_vectors)
        report_vector = session.scalar(
            select(ReportVectorRow.vector).where(ReportVectorRow.report_id == row.id)
        )
        assert report_vector == report.report_vector.tobytes()
        article = session.scalar(select(ArticleRow).where(ArticleRow.canonical_url == url))
        assert article is not None
        expected = _new_article(url)
        assert article.authors == list(expected.authors)
        assert article.extra == expected.extra
        assert article.published_at == expected.published_at
        assert article.fetched_at.tzinfo is not None


# Events


def test_a_move_between_events_is_stored_with_new_versions_and_spans(
    store_sessions: sessionmaker[Session], model_id: int
) -> None:
    day = datetime(2018, 7, 22, tzinfo=UTC)
    ids = []
    for n, url in enumerate(("comey", "dnc-first", "dnc-second")):
        with store_sessions.begin() as session:
            stored = insert_report(session, _new_report(f"Report {url}.\n\nMore."), model_id)
            article = _new_article(f"https://news.example/{url}")
            ids.append(
                insert_article(
                    session,
                    replace(article, published_at=day + timedelta(hours=n)),
                    stored.report_id,
                )
            )
    comey, dnc_first, dnc_second = ids
    with store_sessions.begin() as session:
        first = new_event(session)
        persist_assignment(session, Assignment(comey, first, started=True))
    with store_sessions.begin() as session:
        persist_assignment(session, Assignment(dnc_first, first, started=False))
    with store_sessions.begin() as session:
        second = new_event(session)
        persist_assignment(
            session,
            Assignment(dnc_second, second, started=True, moved=(dnc_first,), shrunk=(first,)),
        )
    with store_sessions() as session:
        events = {a: e for a, e in session.execute(select(ArticleRow.id, ArticleRow.event_id))}
        assert events == {comey: first, dnc_first: second, dnc_second: second}
        shrunk, grown = session.get(EventRow, first), session.get(EventRow, second)
        assert shrunk is not None
        assert grown is not None
        assert shrunk.version == 3, "joined twice, then lost an article"
        assert shrunk.first_published_at == shrunk.last_published_at == day
        assert grown.version == 1
        assert grown.first_published_at == day + timedelta(hours=1)
        assert grown.last_published_at == day + timedelta(hours=2)
        log = [
            (c.kind, c.event_id, c.article_id, c.source_event_id)
            for c in changes_after(session, 0, 10)
        ]
    assert log == [
        (EVENT_CREATED, first, None, None),
        (ARTICLE_ADDED, first, comey, None),
        (ARTICLE_ADDED, first, dnc_first, None),
        (EVENT_CREATED, second, None, None),
        (ARTICLE_ADDED, second, dnc_second, None),
        (ARTICLE_MOVED, second, dnc_first, first),
    ]


def test_a_placement_into_an_event_the_store_lacks_or_merged_away_is_refused(
    store_sessions: sessionmaker[Session], model_id: int
) -> None:
    stored = _store(
        store_sessions, _new_report("Lone report.\n\nMore."), model_id, "https://n.example/l"
    )
    with store_sessions() as session:
        article_id = article_id_for(session, "https://n.example/l")
    assert article_id is not None
    with pytest.raises(RuntimeError, match="not live"), store_sessions.begin() as session:
        persist_assignment(session, Assignment(article_id, 999, started=True))
    with store_sessions.begin() as session:
        kept, gone = new_event(session), new_event(session)
        persist_assignment(session, Assignment(article_id, kept, started=False, merged=(gone,)))
    with pytest.raises(RuntimeError, match="not live"), store_sessions.begin() as session:
        persist_assignment(session, Assignment(article_id, gone, started=False))
    assert stored.report_id


def test_event_ids_continue_past_those_written_before_the_database_issued_them(
    store_url: str,
) -> None:
    engine = make_engine(store_url)
    config = alembic_config(store_url)
    try:
        with engine.begin() as connection:
            config.attributes["connection"] = connection
            command.upgrade(config, "0004")
        created = datetime(2018, 7, 22, tzinfo=UTC)
        with make_sessionmaker(engine).begin() as session:
            session.add_all(EventRow(id=n, created_at=created, version=1) for n in (1, 2, 7))
        migrate(engine)
        with make_sessionmaker(engine).begin() as session:
            assert [new_event(session), new_event(session)] == [8, 9]
    finally:
        engine.dispose()


# SimHash: a signed 64-bit BIGINT


@pytest.mark.parametrize("value", SIGNED_64_EXTREMES)
def test_signed_64_bit_simhashes_round_trip_and_are_matched(
    store_sessions: sessionmaker[Session], model_id: int, value: int
) -> None:
    stored = _store(
        store_sessions, _new_report(f"Text for {value}.\n\nMore.", simhash_value=value), model_id
    )
    with store_sessions() as session:
        assert session.get_one(ReportRow, stored.report_id).simhash == value
        assert session.scalar(select(ReportRow.id).where(ReportRow.simhash == value)) == (
            stored.report_id
        )
        assert near_duplicate_report(session, value, [stored.report_id], 0) == stored.report_id


def test_near_duplicates_are_found_across_the_sign_bit(
    store_sessions: sessionmaker[Session], model_id: int
) -> None:
    top = _store(store_sessions, _new_report("Top.\n\nA.", simhash_value=2**63 - 1), model_id)
    bottom = _store(store_sessions, _new_report("Bottom.\n\nB.", simhash_value=-(2**63)), model_id)
    both = [top.report_id, bottom.report_id]
    with store_sessions() as session:
        assert near_duplicate_report(session, -1, both, 3) == top.report_id  # the sign bit
        assert near_duplicate_report(session, 0, both, 3) == bottom.report_id  # the sign bit
        assert near_duplicate_report(session, (2**63 - 1) ^ 0b1111, both, 3) is None  # 4 bits
        assert near_duplicate_report(session, 0x5555_5555_5555_5555, both, 3) is None


def test_a_near_duplicate_points_at_the_original(
    store_sessions: sessionmaker[Session], model_id: int
) -> None:
    original_text = "Israel evacuated 800 people to Jordan overnight, officials said on Sunday."
    copy_text = original_text + " Reporting by the wire."
    original = _store(store_sessions, _new_report(original_text), model_id)
    copy = _new_report(copy_text)
    with store_sessions() as session:
        found = near_duplicate_report(session, copy.simhash, [original.report_id], 12)
    assert found == original.report_id
    linked = _store(store_sessions, _new_report(copy_text, near_duplicate_of=found), model_id)
    candidates = [linked.report_id]
    with store_sessions() as session:
        assert near_duplicate_report(session, copy.simhash, candidates, 0) == original.report_id
        assert session.get_one(ReportRow, linked.report_id).near_duplicate_of == found


# The job queue


@pytest.fixture
def queue(store_sessions: sessionmaker[Session]) -> JobQueue:
    return JobQueue(store_sessions, lease_seconds=60)


def test_enqueue_is_idempotent_within_a_batch(queue: JobQueue) -> None:
    batch = queue.create_batch("urls")
    items = [("a", {"url": "a", "note": "é ✓"}), ("b", {"url": "b"}), ("a", {"url": "a"})]
    assert queue.enqueue(batch, "url", items) == 2
    assert queue.enqueue(batch, "url", items) == 0
    status = queue.batch_status(batch)
    assert status is not None
    assert status.counts == {QUEUED: 2}
    assert status.created_at.tzinfo is not None
    jobs = sorted(queue.claim(2), key=lambda job: job.key)
    assert [job.payload for job in jobs] == [{"url": "a", "note": "é ✓"}, {"url": "b"}]


def test_claim_complete_and_fail_are_counted(
    queue: JobQueue, store_sessions: sessionmaker[Session], model_id: int
) -> None:
    _store(store_sessions, _new_report("Done.\n\nText."), model_id, "https://n.example/a")
    with store_sessions() as session:
        article_id = article_id_for(session, "https://n.example/a")
    batch = queue.create_batch("urls")
    queue.enqueue(batch, "url", [("a", {"url": "a"}), ("b", {"url": "b"})])
    first, second = queue.claim(2)
    assert (first.attempts, second.attempts) == (1, 1)
    assert queue.claim(1) == []
    queue.complete(first, "ingested", article_id=article_id)
    queue.fail(second, FetchTimeout("too slow", url="b"), stage="url", url="b")
    status = queue.batch_status(batch)
    assert status is not None
    assert status.counts == {DONE: 1, FAILED: 1}
    assert status.outcomes == {"ingested": 1}
    assert status.failures == {"fetch-timeout": 1}
    assert status.finished
    with store_sessions() as session:
        done = session.get_one(JobRow, first.id)
        assert (done.article_id, done.lease_owner) == (article_id, None)
        assert done.finished_at is not None
        assert session.scalar(select(FailureRow.detail)) == "too slow"


def test_claim_respects_availability_and_kinds(queue: JobQueue) -> None:
    later = datetime.now(UTC) + timedelta(hours=1)
    queue.enqueue(None, "url", [("soon", {})])
    queue.enqueue(None, "url", [("later", {})], available_at=later)
    queue.enqueue(None, "feed", [("feed:1", {})])
    assert [job.key for job in queue.claim(5, kinds=["feed"])] == ["feed:1"]
    assert [job.key for job in queue.claim(5)] == ["soon"]
    assert queue.pending_count() == 3


def test_a_claim_is_exclusive_between_queues(store_sessions: sessionmaker[Session]) -> None:
    one = JobQueue(store_sessions, lease_seconds=60)
    two = JobQueue(store_sessions, lease_seconds=60)
    batch = one.create_batch("urls")
    one.enqueue(batch, "url", [(str(n), {"url": str(n)}) for n in range(10)])
    claimed = [job.id for job in one.claim(5)] + [job.id for job in two.claim(10)]
    assert sorted(claimed) == sorted(set(claimed))
    assert len(claimed) == 10


def test_concurrent_claimers_never_share_a_job(store_sessions: sessionmaker[Session]) -> None:
    setup = JobQueue(store_sessions, lease_seconds=60)
    batch = setup.create_batch("urls")
    setup.enqueue(batch, "url", [(str(n), {"n": n}) for n in range(60)])
    claims: list[list[int]] = [[] for _ in range(4)]
    errors: list[BaseException] = []
    start = threading.Barrier(len(claims))

    def claimer(mine: list[int]) -> None:
        queue = JobQueue(store_sessions, lease_seconds=60)
        try:
            start.wait()
            while jobs := queue.claim(3):
                mine.extend(job.id for job in jobs)
            # A claimer may see an empty page while others still hold rows: look once more.
            mine.extend(job.id for job in queue.claim(60))
        except BaseException as error:
            errors.append(error)

    threads = [threading.Thread(target=claimer, args=(mine,)) for mine in claims]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert errors == []
    claimed = [job_id for mine in claims for job_id in mine]
    assert len(claimed) == len(set(claimed)) == 60
    status = setup.batch_status(batch)
    assert status is not None
    assert status.counts == {RUNNING: 60}


def test_an_expired_lease_is_recovered(
    queue: JobQueue, store_sessions: sessionmaker[Session]
) -> None:
    batch = queue.create_batch("urls")
    queue.enqueue(batch, "url", [("a", {"url": "a"})])
    (job,) = queue.claim(1)
    assert queue.recover() == 0
    with store_sessions.begin() as session:
        session.execute(
            update(JobRow)
            .where(JobRow.id == job.id)
            .values(lease_until=datetime.now(UTC) - timedelta(seconds=1))
        )
    assert queue.recover() == 1
    (again,) = queue.claim(1)
    assert (again.id, again.attempts) == (job.id, 2)


@pytest.mark.slow
def test_the_job_of_a_dead_process_is_recovered_at_once(
    queue: JobQueue, store_sessions: sessionmaker[Session]
) -> None:
    batch = queue.create_batch("urls")
    queue.enqueue(batch, "url", [("a", {"url": "a"})])
    (job,) = queue.claim(1)
    dead = subprocess.run(
        [sys.executable, "-c", "import os; print(os.getpid())"],
        capture_output=True,
        text=True,
        check=True,
    )
    with store_sessions.begin() as session:
        session.execute(
            update(JobRow)
            .where(JobRow.id == job.id)
            .values(lease_owner=f"{HOST}:{dead.stdout.strip()}")
        )
    assert queue.recover() == 1
    status = queue.batch_status(batch)
    assert status is not None
    assert status.counts == {QUEUED: 1}


def test_enqueue_unique_skips_pending_duplicates(queue: JobQueue) -> None:
    assert queue.enqueue_unique("feed", "feed:1", {"feed_id": 1})
    assert not queue.enqueue_unique("feed", "feed:1", {"feed_id": 1})
    (job,) = queue.claim(1)
    assert not queue.enqueue_unique("feed", "feed:1", {"feed_id": 1})
    queue.complete(job, "polled")
    assert queue.enqueue_unique("feed", "feed:1", {"feed_id": 1})
