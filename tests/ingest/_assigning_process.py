"""One process placing articles through `EventRecorder`, for test_event_assignment.py.

    python -m tests.ingest._assigning_process STORE_URL MODEL_ID NUMBER=TOPIC+TOPIC ...

Prints "ready" and waits for a line; then, in the order given, stores an article for each
number (a text of its own) and places it, as the pipeline does, and prints one JSON line of
what it did; waits for another line, follows the change log and prints one JSON
line of the event its index holds each article in.
"""

from __future__ import annotations

import json
import sys

import numpy as np
from sqlalchemy.orm import Session

from comparison.entities import load_entity_extractor
from comparison.evidence import ArticleFeatures
from core.db.engine import make_engine, make_sessionmaker
from core.models import PassageSpan
from ingest.events import EventRecorder
from ingest.persist import NewArticle, NewReport, insert_article, insert_report
from tests.doubles import HashingEmbedder
from tests.ingest._topic_events import TopicEvents

DIMENSION = 4


def store_article(session: Session, model_id: int, n: int) -> int:
    """A one-passage report and its article, numbered `n`; returns the article's id."""
    text = f"Report number {n}."
    vector = np.eye(DIMENSION, dtype=np.float32)[n % DIMENSION]
    stored = insert_report(
        session,
        NewReport(
            content_hash=f"{n:064x}",
            simhash=n,
            text=text,
            language="en",
            passages=[PassageSpan(0, 0, len(text), text)],
            passage_vectors=vector[None],
            report_vector=vector,
            near_duplicate_of=None,
        ),
        model_id,
    )
    url = f"https://n.example/{n}"
    article = NewArticle(
        canonical_url=url,
        url=url,
        outlet_id=None,
        outlet_name=f"outlet-{n}",
        title="",
        authors=(),
        site_name=None,
        language="en",
        published_at=None,
        extra={},
    )
    return insert_article(session, article, stored.report_id)


def main(url: str, model_id: int, items: list[str]) -> None:
    engine = make_engine(url)
    sessions = make_sessionmaker(engine)
    index = TopicEvents()
    recorder = EventRecorder(
        sessions=sessions,
        embedder=HashingEmbedder(DIMENSION),
        entities=load_entity_extractor("regex"),
        model_id=model_id,
        index=index,  # type: ignore[arg-type]
    )
    recorder.restore()
    articles = []
    for item in items:
        number, topics = item.split("=")
        articles.append((int(number), frozenset(topics.split("+"))))
    print("ready", flush=True)
    sys.stdin.readline()
    placed = []
    for number, topics in articles:
        with sessions.begin() as session:
            article_id = store_article(session, model_id, number)
        vectors = np.eye(DIMENSION, dtype=np.float32)[[number % DIMENSION]]
        features = ArticleFeatures(
            article_id=article_id,
            outlet=f"outlet-{article_id}",
            published_at=None,
            vector=vectors[0],
            passage_vectors=vectors,
            names=topics,
        )
        before = recorder.mark
        event_id = recorder.record(features)
        placed.append({"article": article_id, "event": event_id, "followed_from": before})
    print(json.dumps(placed), flush=True)
    sys.stdin.readline()
    recorder.follow()
    print(json.dumps({a: index.event_of(a) for a in index.topics}), flush=True)
    engine.dispose()


if __name__ == "__main__":
    main(sys.argv[1], int(sys.argv[2]), sys.argv[3:])
