"""Events at ingest: every stored article joins an event or starts one, and the store keeps it.

The decisions come from `comparison.event_index.EventIndex` (in memory). Each one is made under
the store's assignment lock, after the index has caught up with the change log, so several
processes placing articles at once decide as if one after the other: the database issues new
event ids, and no process joins or merges an event another has already merged away. This
module computes each article's features, persists them with the event rows and the log, and
rebuilds the index at startup (placing any article a crash left without an event).
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Sequence
from datetime import UTC, datetime

import numpy as np
import numpy.typing as npt
from sqlalchemy import func, select, update
from sqlalchemy.orm import Session, sessionmaker

from comparison.entities import EntityExtractor
from comparison.event_index import EventIndex
from comparison.events import Assignment
from comparison.evidence import ArticleFeatures, build_features
from core.db.changes import (
    ARTICLE_ADDED,
    ARTICLE_MOVED,
    EVENT_CREATED,
    EVENT_MERGED,
    Change,
    append_change,
    latest_change,
    lock_assignments,
)
from core.db.events import live_event
from core.db.schema import ArticleFeaturesRow, ArticleRow, EventRow, ReportRow
from core.startup import StartupProgress
from index.embedder import Embedder
from index.sync import IndexSet
from ingest.event_features import features_from_row, features_row, passage_vectors
from ingest.follow import apply_changes

ChangeListener = Callable[[Sequence[Change]], None]
"""Told the changes an `EventRecorder` wrote or applied, once they are committed."""


class EventRecorder:
    def __init__(
        self,
        *,
        sessions: sessionmaker[Session],
        embedder: Embedder,
        entities: EntityExtractor,
        model_id: int,
        index: EventIndex,
        indexes: IndexSet | None = None,
    ) -> None:
        """`indexes`, when given, follow the change log with `index`: the FAISS indexes gain
        the vectors of the articles other processes add."""
        self._sessions = sessions
        self._embedder = embedder
        self._entities = entities
        self._model_id = model_id
        self._dimension = embedder.dimension
        self._lock = threading.Lock()
        self._mark = 0
        self.index = index
        self._indexes = indexes
        self._listeners: list[ChangeListener] = []

    def watch(self, listener: ChangeListener) -> None:
        """Tell `listener` every change this process places or follows from now on: its own
        once committed, other processes' as each catch-up applies them."""
        self._listeners.append(listener)

    def _announce(self, changes: Sequence[Change]) -> None:
        for listener in self._listeners:
            listener(changes)

    @property
    def mark(self) -> int:
        """The newest change of the store's log the index reflects."""
        return self._mark

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
            with self._sessions.begin() as session:
                lock_assignments(session)
                self._catch_up(session)
                placed = self.index.event_of(features.article_id)
                if placed is not None:
                    return placed
                assignment, _matches = self.index.add(
                    features, wire_copy_of=wire_copy_of, new_event_id=lambda: new_event(session)
                )
                session.merge(features_row(features, self._model_id))
                logged = persist_assignment(session, assignment)
            self._mark = logged[-1].id
            self._announce(logged)
            return assignment.event_id

    def follow(self) -> int:
        """Bring the index up to the store's change log; returns the new high-water mark."""
        with self._lock, self._sessions() as session:
            self._catch_up(session)
            return self._mark

    def _catch_up(self, session: Session) -> None:
        self._mark = apply_changes(
            session,
            self.index,
            self._mark,
            model_id=self._model_id,
            dimension=self._dimension,
            indexes=self._indexes,
            on_applied=self._announce,
        )

    def attach_unverified(self, features: ArticleFeatures) -> int | None:
        """Persist the features of a page a caller sent and point it at the event of its best
        match, which reads that event without joining it (`EventIndex.attach`). Nothing goes
        to the change log: other processes never see the page."""
        with self._lock, self._sessions.begin() as session:
            self._catch_up(session)
            event_id = self.index.attach(features)
            session.merge(features_row(features, self._model_id))
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
        with self._lock, self._sessions.begin() as session:
            self._catch_up(session)
            event_id = self.index.attach(features)
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
            vectors = passage_vectors(session, report.id, self._model_id, self._dimension)
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

    def restore(self, progress: StartupProgress | None = None, *, mark: int | None = None) -> int:
        """Rebuild the in-memory index from the store; place articles left without an event.
        Each article counts as one step done in `progress`.

        The log's mark is read first (or is `mark`, read before the FAISS indexes were loaded):
        changes committed while the rows are read are applied again by the next catch-up, which
        leaves what the rows already show unchanged.
        """
        progress = progress or StartupProgress()
        progress.begin("restoring events")
        with self._sessions() as session:
            if mark is None:
                mark = latest_change(session)
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
                report_id: passage_vectors(session, report_id, self._model_id, self._dimension)
                for report_id in {article.report_id for article, _ in rows}
            }
        unplaced: list[int] = []
        first_publication: dict[int, int] = {}
        progress.begin("restoring events", total=len(rows))
        for article, stored in rows:
            progress.advance()
            if stored is not None and not article.verified:
                self.index.attach(
                    features_from_row(article, stored, vectors[article.report_id], self._dimension)
                )
                continue
            original = first_publication.setdefault(article.report_id, article.id)
            if stored is None or article.event_id is None:
                unplaced.append(article.id)
                continue
            self.index.restore(
                features_from_row(article, stored, vectors[article.report_id], self._dimension),
                live_event_id[article.event_id],
                report=original,
            )
        self._mark = mark
        progress.begin("placing articles stored without an event", total=len(unplaced))
        for article_id in unplaced:
            progress.advance()
            self.record_stored(article_id)
        return len(unplaced)


def new_event(session: Session) -> int:
    """A new event row; the database issues its id."""
    event = EventRow(created_at=datetime.now(UTC), version=0)
    session.add(event)
    session.flush()
    append_change(session, EVENT_CREATED, event_id=event.id)
    return event.id


def persist_assignment(session: Session, assignment: Assignment) -> list[Change]:
    """Write one placement: merges, the articles placed or moved, new versions, and their
    changes to the log. The event must be live in the store (`new_event` makes a started one).
    Returns the changes logged, the newest last."""
    target = assignment.event_id
    event = session.get(EventRow, target)
    if event is None or event.merged_into is not None:
        raise RuntimeError(f"event {target} is not live in the store: the index was behind it")
    logged: list[Change] = []
    for gone in assignment.merged:
        session.execute(
            update(ArticleRow).where(ArticleRow.event_id == gone).values(event_id=target)
        )
        session.execute(update(EventRow).where(EventRow.id == gone).values(merged_into=target))
        logged.append(append_change(session, EVENT_MERGED, event_id=target, source_event_id=gone))
    left = {
        article_id: event_id
        for article_id, event_id in session.execute(
            select(ArticleRow.id, ArticleRow.event_id).where(ArticleRow.id.in_(assignment.moved))
        )
    }
    session.execute(
        update(ArticleRow)
        .where(ArticleRow.id.in_((assignment.article_id, *assignment.moved)))
        .values(event_id=target)
    )
    logged.append(
        append_change(session, ARTICLE_ADDED, event_id=target, article_id=assignment.article_id)
    )
    for moved in assignment.moved:
        logged.append(
            append_change(
                session,
                ARTICLE_MOVED,
                event_id=target,
                article_id=moved,
                source_event_id=left[moved],
            )
        )
    session.flush()
    for changed in (event, *(session.get(EventRow, e) for e in assignment.shrunk)):
        if changed is not None:
            refresh_event(session, changed)
    return logged


def refresh_event(session: Session, event: EventRow) -> None:
    """A changed event: its time span from its articles, and a new version."""
    first, last = session.execute(
        select(func.min(ArticleRow.published_at), func.max(ArticleRow.published_at)).where(
            ArticleRow.event_id == event.id
        )
    ).one()
    event.first_published_at = first
    event.last_published_at = last
    event.version = (event.version or 0) + 1
