"""Startup's guard against articles stored before the size caps: over a cap, an article is
quarantined (kept, out of every event, never processed or compared again) with a log line,
instead of costing every later start its work again.

One pass of two aggregate queries: linear in the store, whatever the articles hold.
"""

from __future__ import annotations

import logging

from sqlalchemy import func, select, update
from sqlalchemy.orm import Session, sessionmaker

from core.db.schema import ArticleRow, PassageRow, ReportRow
from core.errors import ArticleTooLarge
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
    with sessions.begin() as session:
        rows = session.execute(
            select(ArticleRow.id, ArticleRow.url).where(
                ArticleRow.quarantined.is_(False),
                ArticleRow.report_id.in_(too_long) | ArticleRow.report_id.in_(too_many),
            )
        ).all()
        if not rows:
            return []
        ids = [article_id for article_id, _ in rows]
        session.execute(
            update(ArticleRow)
            .where(ArticleRow.id.in_(ids))
            .values(quarantined=True, verified=False, event_id=None)
        )
        for article_id, url in rows:
            error = ArticleTooLarge(
                f"article {article_id} is over the caps (at most {limits.max_chars} characters "
                f"and {limits.max_passages} passages): quarantined",
                url=url,
            )
            log.warning("%s (%s)", error, url)
            session.add(failure_row(error, url=url, stage=QUARANTINE_STAGE))
    return ids
