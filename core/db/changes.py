"""The event change log and the lock every event assignment runs under.

Each placement of an article, each event created, each merge or move and each placed article
quarantined appends a row. Rows are appended only while `lock_assignments` is held, and the lock
lasts until the transaction ends, so ids are issued and committed in one order: a process that
has read every row up to id N (its high-water mark) never finds a row below N later.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from core.db.locks import ASSIGNMENT, hold
from core.db.schema import EventChangeRow

__all__ = [
    "ARTICLE_ADDED",
    "ARTICLE_MOVED",
    "ARTICLE_QUARANTINED",
    "EVENT_CREATED",
    "EVENT_MERGED",
    "Change",
    "append_change",
    "changes_after",
    "latest_change",
    "lock_assignments",
]

EVENT_CREATED = "event-created"
ARTICLE_ADDED = "article-added"
ARTICLE_MOVED = "article-moved"
EVENT_MERGED = "event-merged"
ARTICLE_QUARANTINED = "quarantined"


@dataclass(frozen=True, slots=True)
class Change:
    """`event_id` is where the article or the merged event now belongs, or for a quarantined
    article the live event it left; `source_event_id` is the event an article moved out of (or
    was stored in, when quarantined), or the event merged away."""

    id: int
    kind: str
    event_id: int
    article_id: int | None
    source_event_id: int | None


def lock_assignments(session: Session) -> None:
    """Take the assignment lock until the transaction ends: call it before any write in it."""
    hold(session.connection(), ASSIGNMENT)


def append_change(
    session: Session,
    kind: str,
    *,
    event_id: int,
    article_id: int | None = None,
    source_event_id: int | None = None,
) -> Change:
    row = EventChangeRow(
        kind=kind,
        event_id=event_id,
        article_id=article_id,
        source_event_id=source_event_id,
        created_at=datetime.now(UTC),
    )
    session.add(row)
    session.flush()
    return Change(row.id, kind, event_id, article_id, source_event_id)


def changes_after(session: Session, mark: int, limit: int) -> list[Change]:
    """The first `limit` changes past the high-water mark `mark`, oldest first."""
    rows = session.scalars(
        select(EventChangeRow)
        .where(EventChangeRow.id > mark)
        .order_by(EventChangeRow.id)
        .limit(limit)
    )
    return [
        Change(row.id, row.kind, row.event_id, row.article_id, row.source_event_id) for row in rows
    ]


def latest_change(session: Session) -> int:
    """The newest change's id (0 for an empty log)."""
    return int(session.scalar(select(func.max(EventChangeRow.id))) or 0)
