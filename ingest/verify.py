"""Whether the outlet's page, as the service fetched it, has the text a caller submitted."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from core.db.schema import ArticleRow


def same_text(sessions: sessionmaker[Session], fetched_id: int, submitted_id: int) -> bool:
    """True when both articles hold one report: the same text to the character, once
    normalised. A near-duplicate is not the same: a planted sentence or two keeps a page near."""
    with sessions() as session:
        reports = dict(
            session.execute(
                select(ArticleRow.id, ArticleRow.report_id).where(
                    ArticleRow.id.in_((fetched_id, submitted_id))
                )
            ).all()
        )
    fetched, submitted = reports.get(fetched_id), reports.get(submitted_id)
    return fetched is not None and fetched == submitted
