"""Following event merges in the store."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from core.db.schema import EventRow


def live_event(session: Session, event_id: int) -> int:
    """The event that `event_id` ends up in after merges (itself when never merged)."""
    seen = {event_id}
    while True:
        merged_into = session.scalar(select(EventRow.merged_into).where(EventRow.id == event_id))
        if merged_into is None or merged_into in seen:
            return event_id
        seen.add(merged_into)
        event_id = merged_into


MAX_MERGE_HOPS = 16


def event_and_merged(session: Session, event_id: int) -> set[int]:
    """The event and every event merged into it, at any depth. Merges move articles to the live
    event, but stores written before that recorded only `merged_into`."""
    members = {event_id}
    frontier = {event_id}
    for _ in range(MAX_MERGE_HOPS):
        frontier = (
            set(session.scalars(select(EventRow.id).where(EventRow.merged_into.in_(frontier))))
            - members
        )
        if not frontier:
            break
        members |= frontier
    return members
