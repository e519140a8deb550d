"""Following the change log: a process's event index and FAISS indexes learn what other
processes stored and placed.

`apply_changes` brings the indexes up to the store; `ChangeFollower` calls it on an interval so
a process sees other processes' articles within about that time, as reprint candidates at
ingest too. In a single process every change is its own and already applied, and a poll reads
nothing.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

from sqlalchemy import select
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session

from comparison.event_index import EventIndex
from core.db.changes import ARTICLE_ADDED, ARTICLE_MOVED, EVENT_MERGED, Change, changes_after
from core.db.schema import ArticleRow
from index.sync import IndexSet
from ingest.event_features import stored_features
from ingest.periodic import PeriodicWork

FOLLOW_BATCH = 500


def apply_changes(
    session: Session,
    index: EventIndex,
    mark: int,
    *,
    model_id: int,
    dimension: int,
    indexes: IndexSet | None = None,
    on_applied: Callable[[Sequence[Change]], None] | None = None,
) -> int:
    """Apply every change past the high-water mark `mark` to `index`, and add the vectors of
    the articles added to `indexes`; `on_applied` is told each batch once it is applied.
    Returns the new mark.

    Applying a change the indexes already reflect changes nothing, so a mark read before they
    were loaded from the store is safe to follow from.
    """
    while changes := changes_after(session, mark, FOLLOW_BATCH):
        for change in changes:
            _apply(session, index, change, model_id, dimension)
        if indexes is not None:
            added = [
                c.article_id
                for c in changes
                if c.kind == ARTICLE_ADDED and c.article_id is not None
            ]
            if added:
                reports = session.scalars(
                    select(ArticleRow.report_id).where(ArticleRow.id.in_(added))
                ).all()
                indexes.add_stored(session, reports)
        if on_applied is not None:
            on_applied(changes)
        mark = changes[-1].id
    return mark


def _apply(
    session: Session, index: EventIndex, change: Change, model_id: int, dimension: int
) -> None:
    if change.kind == ARTICLE_ADDED and change.article_id is not None:
        stored = stored_features(session, change.article_id, model_id, dimension)
        if stored is None:
            raise RuntimeError(f"article {change.article_id} was placed without its features")
        features, report = stored
        index.follow_added(features, change.event_id, report)
    elif change.kind == ARTICLE_MOVED and change.article_id is not None:
        index.follow_moved(change.article_id, change.event_id)
    elif change.kind == EVENT_MERGED and change.source_event_id is not None:
        index.follow_merged(change.source_event_id, change.event_id)


class ChangeFollower(PeriodicWork):
    """Runs `follow` every `interval` seconds off the event loop until stopped."""

    def __init__(self, follow: Callable[[], object], interval: float) -> None:
        # The store may be restarting: the next poll picks up from the same mark.
        super().__init__(
            "change-follower",
            follow,
            interval,
            passing=(SQLAlchemyError,),
            failed="following the change log failed",
        )
