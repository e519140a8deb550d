"""Several processes placing articles into events at once, on one store.

Each process runs `EventRecorder` with `TopicEvents` deciding (tests/ingest/_topic_events.py),
so the outcome depends only on the order of placements: the store must end exactly as one
process placing the articles in the change log's order would leave it.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import cast

import numpy as np
import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from comparison.evidence import ArticleFeatures
from core.db.changes import ARTICLE_ADDED, EVENT_MERGED, changes_after
from core.db.engine import make_engine, make_sessionmaker, migrate
from core.db.events import live_event
from core.db.schema import ArticleFeaturesRow, ArticleRow, EmbeddingModelRow, EventRow
from tests.core.conftest import postgres_server_url, store_url  # noqa: F401
from tests.ingest._topic_events import TopicEvents

ROOT = Path(__file__).resolve().parents[2]
DIMENSION = 4
# Each process alone places two topics and, last, an article linking them: a merge every run,
# however the processes interleave. Both place articles of the shared topics, so they join and
# merge each other's events too.
OWN_TOPICS = [("topic-0", "topic-1"), ("topic-2", "topic-3")]
SHARED_TOPICS = ["topic-4", "topic-5", "topic-6", "topic-7"]
SHARED_BRIDGES = ["topic-4+topic-5", "topic-6+topic-7"]
PER_PROCESS = 24


def _plan(process: int, first: int) -> list[str]:
    """`NUMBER=TOPICS` items for one process; numbers start at `first`."""
    own = OWN_TOPICS[process]
    topics = [
        own[n // 2 % 2] if n % 2 == 0 else SHARED_TOPICS[(n // 2 + process) % 4]
        for n in range(PER_PROCESS)
    ]
    topics += [SHARED_BRIDGES[process], "+".join(own)]
    return [f"{first + n}={topic}" for n, topic in enumerate(topics)]


ROUNDS = 2


def _start(url: str, model_id: int, items: list[str]) -> subprocess.Popen[str]:
    process = subprocess.Popen(
        [sys.executable, "-m", "tests.ingest._assigning_process", url, str(model_id), *items],
        cwd=ROOT,
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    assert process.stdout is not None
    assert process.stdout.readline().strip() == "ready", process.communicate(timeout=60)[1]
    return process


def _say(process: subprocess.Popen[str], line: str = "go") -> None:
    assert process.stdin is not None
    process.stdin.write(line + "\n")
    process.stdin.flush()


def _read(process: subprocess.Popen[str]) -> object:
    assert process.stdout is not None
    line = process.stdout.readline()
    if not line:
        pytest.fail(f"a placing process died: {process.communicate(timeout=60)[1]}")
    return json.loads(line)


@pytest.mark.slow
def test_two_processes_placing_at_once_leave_the_store_as_one_would(
    store_url: str,  # noqa: F811
) -> None:
    engine = make_engine(store_url)
    migrate(engine)
    sessions = make_sessionmaker(engine)
    with sessions.begin() as session:
        model = EmbeddingModelRow(name="test-double", dimension=DIMENSION)
        session.add(model)
        session.flush()
        model_id = model.id
    placed: list[list[dict[str, int]]] = []
    try:
        for round_ in range(ROUNDS):
            processes = [
                _start(store_url, model_id, _plan(process, 1000 * (2 * round_ + process)))
                for process in (0, 1)
            ]
            try:
                for process in processes:
                    _say(process)
                placed += [cast(list[dict[str, int]], _read(process)) for process in processes]
                for process in processes:
                    _say(process)
                views = [_read(process) for process in processes]
                for process in processes:
                    _, errors = process.communicate(timeout=60)
                    assert process.returncode == 0, errors
            finally:
                for process in processes:
                    if process.poll() is None:
                        process.kill()
                    process.communicate(timeout=60)
            _check(sessions, placed, views)
    finally:
        engine.dispose()


def _features(article_id: int, topics: frozenset[str]) -> ArticleFeatures:
    vector = np.eye(DIMENSION, dtype=np.float32)[0]
    return ArticleFeatures(
        article_id=article_id,
        outlet=f"outlet-{article_id}",
        published_at=None,
        vector=vector,
        passage_vectors=vector[None],
        names=topics,
    )


def _check(
    sessions: sessionmaker[Session], placed: list[list[dict[str, int]]], views: list[object]
) -> None:
    with sessions() as session:
        articles = {a: e for a, e in session.execute(select(ArticleRow.id, ArticleRow.event_id))}
        live = {event: live_event(session, event) for event in set(articles.values()) if event}
        events = set(session.scalars(select(EventRow.id).where(EventRow.merged_into.is_(None))))
        topics = {
            a: frozenset(names)
            for a, names in session.execute(
                select(ArticleFeaturesRow.article_id, ArticleFeaturesRow.names)
            )
        }
        log = changes_after(session, 0, 100_000)
    reported = sorted(p["article"] for batch in placed for p in batch)
    assert reported == sorted(articles), "every article placed once, by one process"
    assert None not in articles.values(), "no article lost"
    assert all(live[e] == e for e in articles.values()), "no article left in a merged event"
    assert set(articles.values()) == events, "no live event without articles"
    assert any(change.kind == EVENT_MERGED for change in log), "the run merged events"
    order = [c.article_id for c in log if c.kind == ARTICLE_ADDED]
    assert sorted(order) == sorted(articles), "each placement logged once"
    serial = TopicEvents()
    for article_id in order:
        assert article_id is not None
        serial.add(_features(article_id, topics[article_id]))
    stored: dict[int, set[int]] = {}
    for article_id, event_id in articles.items():
        stored.setdefault(event_id, set()).add(article_id)
    assert {frozenset(group) for group in stored.values()} == serial.partition()
    for view in views:
        assert isinstance(view, dict)
        assert {int(a): e for a, e in view.items()} == articles, "each process agrees"
