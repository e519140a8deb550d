"""Comparison keys remembered in memory stay those the store holds once this process has placed
or followed each change: joins, merges, moves and quarantines, its own and another process's."""

from __future__ import annotations

import numpy as np
import pytest
from sqlalchemy import Engine
from sqlalchemy.orm import Session, sessionmaker

from compare.key_memo import KeyMemo
from compare.keys import ComparisonKeys
from compare.model import ComparisonKey
from comparison.entities import load_entity_extractor
from comparison.evidence import ArticleFeatures
from core.db.changes import (
    ARTICLE_ADDED,
    ARTICLE_MOVED,
    ARTICLE_QUARANTINED,
    EVENT_MERGED,
    Change,
    changes_after,
)
from core.db.schema import EmbeddingModelRow
from core.errors import ArticleTooLarge
from ingest.events import EventRecorder
from ingest.limits import ArticleLimits
from ingest.quarantine import quarantine_over_caps
from tests.core._statements import statements_run
from tests.core.conftest import (  # noqa: F401
    postgres_server_url,
    store_engine,
    store_sessions,
    store_url,
)
from tests.doubles import HashingEmbedder
from tests.ingest._assigning_process import DIMENSION, store_article
from tests.ingest._topic_events import TopicEvents

# With topic matching (tests/ingest/_topic_events.py), placed in this order: 1 starts an event,
# 2 another, 3 joins the first and merges the second into it, 4 starts a third and moves 2 into
# it, 5 joins the first.
PLAN = ["c", "a+d", "c+d", "a+b", "c"]


def _changes(*changes: tuple[str, int, int | None, int | None]) -> list[Change]:
    return [Change(n, *change) for n, change in enumerate(changes, 1)]


def test_a_change_drops_the_keys_of_its_article_and_of_both_its_events() -> None:
    memo = KeyMemo(10)
    keys: dict[str | int, ComparisonKey] = {
        "https://a.example/1": (1, 10, 3),
        1: (1, 10, 3),
        "https://a.example/2": (2, 20, 1),
        "https://a.example/3": (3, 30, 5),
        "https://a.example/4": (4, 40, 2),
    }
    for lookup, key in keys.items():
        memo.put(memo.generation, lookup, key)
    memo.forget(_changes((ARTICLE_MOVED, 50, 2, 10)))
    assert [lookup for lookup in keys if memo.get(lookup) is not None] == [
        "https://a.example/3",
        "https://a.example/4",
    ]
    memo.forget(_changes((EVENT_MERGED, 40, None, 30)))
    assert len(memo) == 0


def test_a_key_read_before_a_change_is_announced_is_not_kept() -> None:
    memo = KeyMemo(10)
    generation = memo.generation
    memo.forget(_changes((ARTICLE_ADDED, 10, 1, None)))
    memo.put(generation, "https://a.example/1", (1, 10, 1))
    assert memo.get("https://a.example/1") is None
    memo.put(memo.generation, "https://a.example/1", (1, 10, 1))
    assert memo.get("https://a.example/1") == (1, 10, 1)


def test_the_memo_keeps_the_newest_keys_and_none_without_an_event() -> None:
    memo = KeyMemo(2)
    for article_id in (1, 2, 3):
        memo.put(memo.generation, article_id, (article_id, 10, 1))
    memo.put(memo.generation, 4, (4, None, 0))
    assert [memo.get(article_id) is not None for article_id in (1, 2, 3, 4)] == [
        False,
        True,
        True,
        False,
    ]
    memo.forget(_changes((ARTICLE_ADDED, 10, None, None)))
    assert len(memo) == 0
    assert KeyMemo(0).get(1) is None


def _url(number: int) -> str:
    return f"https://n.example/{number}"


class _Process:
    """One process's event recorder on the shared store, deciding by topics."""

    def __init__(self, sessions: sessionmaker[Session], model_id: int) -> None:
        self.sessions = sessions
        self.model_id = model_id
        self.recorder = EventRecorder(
            sessions=sessions,
            embedder=HashingEmbedder(DIMENSION),
            entities=load_entity_extractor("regex"),
            model_id=model_id,
            index=TopicEvents(),  # type: ignore[arg-type]
        )
        self.recorder.restore()

    def place(self, number: int, topics: str) -> int:
        with self.sessions.begin() as session:
            article_id = store_article(session, self.model_id, number)
        vectors = np.eye(DIMENSION, dtype=np.float32)[[number % DIMENSION]]
        self.recorder.record(
            ArticleFeatures(
                article_id=article_id,
                outlet=f"outlet-{article_id}",
                published_at=None,
                vector=vectors[0],
                passage_vectors=vectors,
                names=frozenset(topics.split("+")),
            )
        )
        return article_id


@pytest.fixture
def model_id(store_sessions: sessionmaker[Session]) -> int:  # noqa: F811
    with store_sessions.begin() as session:
        model = EmbeddingModelRow(name="test-double", dimension=DIMENSION)
        session.add(model)
        session.flush()
        return model.id


def _remembering(process: _Process) -> ComparisonKeys:
    memo = KeyMemo(100)
    process.recorder.watch(memo.forget)
    return ComparisonKeys(process.sessions, memo)


def _lookups(
    keys: ComparisonKeys, numbers: range, ids: dict[int, int]
) -> list[ComparisonKey | None]:
    return [keys.stored(_url(n)) for n in numbers] + [keys.of_article(ids[n]) for n in numbers]


def test_a_remembered_key_is_found_without_a_store_query(
    store_engine: Engine,  # noqa: F811
    store_sessions: sessionmaker[Session],  # noqa: F811
    model_id: int,
) -> None:
    here = _Process(store_sessions, model_id)
    ids = {1: here.place(1, "c"), 2: here.place(2, "c")}
    keys = _remembering(here)
    first = _lookups(keys, range(1, 3), ids)
    with statements_run(store_engine) as statements:
        assert _lookups(keys, range(1, 3), ids) == first
    assert statements == []
    with statements_run(store_engine) as statements:
        _lookups(ComparisonKeys(store_sessions), range(1, 3), ids)
    assert len(statements) == 4, "the counting sees the store's queries"


def test_keys_follow_this_process_s_joins_merges_and_moves(
    store_sessions: sessionmaker[Session],  # noqa: F811
    model_id: int,
) -> None:
    here = _Process(store_sessions, model_id)
    keys, store = _remembering(here), ComparisonKeys(store_sessions)
    ids: dict[int, int] = {}
    for number, topics in enumerate(PLAN, 1):
        _lookups(keys, range(1, number), ids)
        ids[number] = here.place(number, topics)
        numbers = range(1, number + 1)
        assert _lookups(keys, numbers, ids) == _lookups(store, numbers, ids), f"after {number}"
    with store_sessions() as session:
        kinds = {change.kind for change in changes_after(session, 0, 100)}
    assert {ARTICLE_ADDED, EVENT_MERGED, ARTICLE_MOVED} <= kinds


def test_keys_follow_another_process_s_changes_once_its_log_is_followed(
    store_sessions: sessionmaker[Session],  # noqa: F811
    model_id: int,
) -> None:
    here, there = _Process(store_sessions, model_id), _Process(store_sessions, model_id)
    keys, store = _remembering(here), ComparisonKeys(store_sessions)
    ids: dict[int, int] = {}
    stale_until_followed = 0
    for number, topics in enumerate(PLAN, 1):
        _lookups(keys, range(1, number), ids)
        ids[number] = there.place(number, topics)
        before = range(1, number)
        stale_until_followed += _lookups(keys, before, ids) != _lookups(store, before, ids)
        here.recorder.follow()
        numbers = range(1, number + 1)
        assert _lookups(keys, numbers, ids) == _lookups(store, numbers, ids), f"after {number}"
    assert stale_until_followed >= 3, "the memo is only as current as the log it follows"


def test_an_article_another_process_quarantines_is_refused_once_followed(
    store_sessions: sessionmaker[Session],  # noqa: F811
    model_id: int,
) -> None:
    here = _Process(store_sessions, model_id)
    numbers = {1: "c", 10: "c", 2: "x"}
    ids = {number: here.place(number, topics) for number, topics in numbers.items()}
    keys, store = _remembering(here), ComparisonKeys(store_sessions)
    before = {number: keys.stored(_url(number)) for number in numbers}
    # The report texts are "Report number N.": only the two-digit one is over 16 characters.
    limits = ArticleLimits(min_chars=1, max_chars=16, max_passages=10, max_passage_chars=100)
    assert quarantine_over_caps(store_sessions, limits) == [ids[10]]
    assert keys.stored(_url(10)) == before[10], "not followed yet"
    here.recorder.follow()
    for _ in range(2):
        with pytest.raises(ArticleTooLarge):
            keys.stored(_url(10))
    after = {number: keys.stored(_url(number)) for number in (1, 2)}
    assert after == {number: store.stored(_url(number)) for number in (1, 2)}
    assert after[1] is not None
    assert before[1] is not None
    assert after[1][2] > before[1][2], "the event it left has a new version"
    assert after[2] == before[2]
    with store_sessions() as session:
        logged = [c for c in changes_after(session, 0, 100) if c.kind == ARTICLE_QUARANTINED]
    assert [c.article_id for c in logged] == [ids[10]]
