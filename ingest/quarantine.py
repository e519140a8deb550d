"""Startup's guard against articles stored before the size caps: over a cap, an article is
quarantined (kept, out of every event, never processed or compared again) with a log line,
instead of costing every later start its work again.

One pass of two aggregate queries: linear in the store, whatever the articles hold. Only when it
finds an article does it take the assignment lock: each placed article it quarantines leaves its
event, which gets a new version and a change in the log, so the processes already running drop
the comparisons and keys they keep for it.
"""

from __future__ import annotations

import logging

from sqlalchemy import func, select, update
from sqlalchemy.orm import Session, sessionmaker

from core.db.changes import ARTICLE_QUARANTINED, append_change, lock_assignments
from core.db.events import live_event
from core.db.schema import ArticleRow, EventRow, PassageRow, ReportRow
from core.errors import ArticleTooLarge
from ingest.events import refresh_event
from ingest.jobs import failure_row
from ingest.limits import ArticleLimits

__all__ = ["QUARANTINE_STAGE", "quarantine_over_caps"]

log = logging.getLogger(__name__)

QUARANTINE_STAGE = "quarantine"


def quarantine_over_caps(sessions: sessionmaker[Session], limits: ArticleLimits) -> list[int]:
    """Quarantine every article whose text or passages are over `limits`; returns their ids."""
    too_long = select(ReportRow.id).where(func.length(ReportRow.text) > limits.max_chars)
    too_many = (
        select(PassageRow.report_id)
        .group_by(PassageRow.report_id)
        .having(func.count() > limits.max_passages)
    )
    over_caps = (
        ArticleRow.quarantined.is_(False),
        ArticleRow.report_id.in_(too_long) | ArticleRow.report_id.in_(too_many),
    )
    with sessions() as session:
        if session.scalar(select(ArticleRow.id).where(*over_caps).limit(1)) is None:
            return []
    with sessions.begin() as session:
        lock_assignments(session)
        rows = session.execute(
            select(ArticleRow.id, ArticleRow.url, ArticleRow.event_id).where(*over_caps)
        ).all()
        ids = [article_id for article_id, _, _ in rows]
        session.execute(
            update(ArticleRow)
            .where(ArticleRow.id.in_(ids))
            .values(quarantined=True, verified=False, event_id=None)
        )
        _leave_events(session, {a: e for a, _, e in rows if e is not None})
        for article_id, url, _ in rows:
            error = ArticleTooLarge(
                f"article {article_id} is over the caps (at most {limits.max_chars} characters "
                f"and {limits.max_passages} passages): quarantined",
                url=url,
            )
            log.warning("%s (%s)", error, url)
            session.add(failure_row(error, url=url, stage=QUARANTINE_STAGE))
    return ids


def _leave_events(session: Session, event_of: dict[int, int]) -> None:
    """Log each placed article leaving its live event, and give those events a new version."""
    left: set[int] = set()
    for article_id, event_id in event_of.items():
        live = live_event(session, event_id)
        append_change(
            session,
            ARTICLE_QUARANTINED,
            event_id=live,
            article_id=article_id,
            source_event_id=event_id,
        )
        left.add(live)
    for event in session.scalars(select(EventRow).where(EventRow.id.in_(left))):
        refresh_event(session, event)
