"""Events at ingest: every stored article joins an event or starts one, and the store keeps it.

The decisions come from `comparison.event_index.EventIndex` (in memory); this module computes
each article's features, persists them with the event rows, and rebuilds the index at startup
(placing any article a crash left without an event).
"""

from __future__ import annotations

import threading
from collections.abc import Sequence
from datetime import UTC, datetime

import numpy as np
import numpy.typing as npt
from sqlalchemy import delete, func, select, update
from sqlalchemy.orm import Session, sessionmaker

from comparison.entities import EntityExtractor
from comparison.event_index import EventIndex
from comparison.events import Assignment
from comparison.evidence import ArticleFeatures, build_features
from core.db.events import live_event
from core.db.schema import (
    ArticleFeaturesRow,
    ArticleRow,
    EventRow,
    PassageRow,
    PassageVectorRow,
    ReportRow,
)
from core.startup import StartupProgress
from index.embedder import Embedder


class EventRecorder:
    def __init__(
        self,
        *,
        sessions: sessionmaker[Session],
        embedder: Embedder,
        entities: EntityExtractor,
        model_id: int,
        window_days: float,
    ) -> None:
        self._sessions = sessions
        self._embedder = embedder
        self._entities = entities
        self._model_id = model_id
        self._dimension = embedder.dimension
        self._lock = threading.Lock()
        with sessions() as session:
            next_id = int(session.scalar(select(func.max(EventRow.id))) or 0) + 1
        self.index = EventIndex(
            dimension=embedder.dimension,
            model_name=embedder.name,
            window_days=window_days,
            next_event_id=next_id,
        )

    def features(
        self,
        *,
        article_id: int,
        text: str,
        title: str,
        passage_vectors: npt.NDArray[np.float32],
        outlet: str | None,
        published_at: datetime | None,
    ) -> ArticleFeatures:
        """Features of an article (entities and a title vector computed here: blocking)."""
        title_vector = self._embedder.encode([title])[0] if title.strip() else None
        return build_features(
            article_id=article_id,
            text=text,
            entities=self._entities.extract(text),
            passage_vectors=passage_vectors,
            title_vector=title_vector,
            outlet=outlet,
            published_at=published_at,
        )

    def record(self, features: ArticleFeatures, *, wire_copy_of: int | None = None) -> int:
        """Persist the features and place the article; returns its event id."""
        with self._lock:
            assignment, _matches = self.index.add(features, wire_copy_of=wire_copy_of)
            with self._sessions.begin() as session:
                session.add(_features_row(features, self._model_id))
                persist_assignment(session, assignment)
            return assignment.event_id

    def attach_unverified(self, features: ArticleFeatures) -> int | None:
        """Persist the features of a page a caller sent and point it at the event of its best
        match, which reads that event without joining it (`EventIndex.attach`)."""
        with self._lock:
            event_id = self.index.attach(features)
            with self._sessions.begin() as session:
                session.add(_features_row(features, self._model_id))
                session.execute(
                    update(ArticleRow)
                    .where(ArticleRow.id == features.article_id)
                    .values(event_id=event_id)
                )
            return event_id

    def reattach_unverified(self, article_id: int) -> None:
        """Point a caller's page at the event of its best match now: coverage stored after the
        page arrived becomes its coverage too, still without it joining anything."""
        features = self.index.features(article_id)
        if features is None:
            return
        with self._lock:
            event_id = self.index.attach(features)
            with self._sessions.begin() as session:
                session.execute(
                    update(ArticleRow)
                    .where(
                        ArticleRow.id == article_id,
                        ArticleRow.verified.is_(False),
                        ArticleRow.event_id.is_distinct_from(event_id),
                    )
                    .values(event_id=event_id)
                )

    def record_stored(self, article_id: int, *, wire_copy_of: int | None = None) -> int | None:
        """Place an article whose features are not computed yet (a reprint, a recovery); an
        unverified one is attached, never placed."""
        with self._sessions() as session:
            article = session.get(ArticleRow, article_id)
            if article is None:
                raise ValueError(f"article {article_id} does not exist")
            report = session.get(ReportRow, article.report_id)
            assert report is not None
            vectors = _passage_vectors(session, report.id, self._model_id, self._dimension)
        features = self.features(
            article_id=article_id,
            text=report.text,
            title=article.title,
            passage_vectors=vectors,
            outlet=article.outlet_name or None,
            published_at=article.published_at,
        )
        if not article.verified:
            return self.attach_unverified(features)
        return self.record(features, wire_copy_of=wire_copy_of)

    def restore(self, progress: StartupProgress | None = None) -> int:
        """Rebuild the in-memory index from the store; place articles left without an event.
        Each article counts as one step done in `progress`."""
        progress = progress or StartupProgress()
        progress.begin("restoring events")
        with self._sessions() as session:
            rows = session.execute(
                select(ArticleRow, ArticleFeaturesRow)
                .outerjoin(ArticleFeaturesRow, ArticleFeaturesRow.article_id == ArticleRow.id)
                .where(ArticleRow.quarantined.is_(False))
                .order_by(ArticleRow.id)
            ).all()
            live_event_id = {
                event_id: live_event(session, event_id)
                for event_id in {a.event_id for a, _ in rows if a.event_id is not None}
            }
            vectors = {
                report_id: _passage_vectors(session, report_id, self._model_id, self._dimension)
                for report_id in {article.report_id for article, _ in rows}
            }
        unplaced: list[int] = []
        first_publication: dict[int, int] = {}
        progress.begin("restoring events", total=len(rows))
        for article, stored in rows:
            progress.advance()
            if stored is not None and not article.verified:
                self.index.attach(
                    _features_from_row(article, stored, vectors[article.report_id], self._dimension)
                )
                continue
            original = first_publication.setdefault(article.report_id, article.id)
            if stored is None or article.event_id is None:
                unplaced.append(article.id)
                continue
            self.index.restore(
                _features_from_row(article, stored, vectors[article.report_id], self._dimension),
                live_event_id[article.event_id],
                report=original,
            )
        progress.begin("placing articles stored without an event", total=len(unplaced))
        for article_id in unplaced:
            progress.advance()
            with self._sessions.begin() as session:
                session.execute(
                    delete(ArticleFeaturesRow).where(ArticleFeaturesRow.article_id == article_id)
                )
            self.record_stored(article_id)
        return len(unplaced)


def _passage_vectors(
    session: Session, report_id: int, model_id: int, dimension: int
) -> npt.NDArray[np.float32]:
    blobs: Sequence[bytes] = session.scalars(
        select(PassageVectorRow.vector)
        .join(PassageRow, PassageRow.id == PassageVectorRow.passage_id)
        .where(PassageRow.report_id == report_id, PassageVectorRow.model_id == model_id)
        .order_by(PassageRow.idx)
    ).all()
    if not blobs:
        return np.zeros((0, dimension), dtype=np.float32)
    return np.stack([np.frombuffer(blob, dtype=np.float32, count=dimension) for blob in blobs])


def _features_row(features: ArticleFeatures, model_id: int) -> ArticleFeaturesRow:
    title = features.title_vector
    return ArticleFeaturesRow(
        article_id=features.article_id,
        model_id=model_id,
        title_vector=None if title is None else np.asarray(title, dtype=np.float32).tobytes(),
        names=sorted(features.names),
        places=sorted(features.places),
        figures=sorted(features.figures),
        dates=sorted(features.dates),
        terms=dict(features.terms),
    )


def _features_from_row(
    article: ArticleRow,
    row: ArticleFeaturesRow,
    passage_vectors: npt.NDArray[np.float32],
    dimension: int,
) -> ArticleFeatures:
    from comparison.evidence import article_vector

    title = (
        None
        if row.title_vector is None
        else np.frombuffer(row.title_vector, dtype=np.float32, count=dimension)
    )
    return ArticleFeatures(
        article_id=article.id,
        outlet=article.outlet_name or None,
        published_at=article.published_at,
        vector=article_vector(passage_vectors, title),
        passage_vectors=passage_vectors,
        names=frozenset(row.names),
        places=frozenset(row.places),
        figures=frozenset(row.figures),
        dates=frozenset(row.dates),
        terms=dict(row.terms),
        title_vector=title,
    )


def persist_assignment(session: Session, assignment: Assignment) -> None:
    """Write one placement: the event row, merges, the articles placed or moved, new versions."""
    now = datetime.now(UTC)
    event = session.get(EventRow, assignment.event_id)
    if event is None:
        event = EventRow(id=assignment.event_id, created_at=now, version=0)
        session.add(event)
        session.flush()
    for gone in assignment.merged:
        session.execute(
            update(ArticleRow)
            .where(ArticleRow.event_id == gone)
            .values(event_id=assignment.event_id)
        )
        session.execute(
            update(EventRow).where(EventRow.id == gone).values(merged_into=assignment.event_id)
        )
    session.execute(
        update(ArticleRow)
        .where(ArticleRow.id.in_((assignment.article_id, *assignment.moved)))
        .values(event_id=assignment.event_id)
    )
    session.flush()
    for changed in (event, *(session.get(EventRow, e) for e in assignment.shrunk)):
        if changed is not None:
            _refresh(session, changed)


def _refresh(session: Session, event: EventRow) -> None:
    """A changed event: its time span from its articles, and a new version."""
    first, last = session.execute(
        select(func.min(ArticleRow.published_at), func.max(ArticleRow.published_at)).where(
            ArticleRow.event_id == event.id
        )
    ).one()
    event.first_published_at = first
    event.last_published_at = last
    event.version = (event.version or 0) + 1
