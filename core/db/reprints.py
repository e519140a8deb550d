"""Which article is the original of a text that several articles carry.

One rule for every reader: the article published first, undated ones last, ties to the lowest id.
`/compare`, `/events/{id}` and the pipeline's event placement all ask here, so they agree on
`wire_copy_of`.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from core.db.schema import ArticleRow, ReportRow

__all__ = ["first_publications", "publication_order", "text_root"]


def text_root(report_id: int, near_duplicate_of: int | None) -> int:
    """The report a text family is keyed by: the original a reprint points at, else itself."""
    return near_duplicate_of or report_id


def publication_order(published_at: datetime | None, article_id: int) -> tuple[bool, float, int]:
    """The rule as a sort key, for articles already in memory: earliest first, undated last."""
    return (published_at is None, published_at.timestamp() if published_at else 0.0, article_id)


def first_publications(
    session: Session, report_ids: Iterable[int], *, exclude: int | None = None
) -> dict[int, int]:
    """For the text of each report, keyed by `text_root`: the article that published it first.

    Reprints point at their original (`near_duplicate_of`), which is never itself a reprint, so
    one hop reaches every publication of the text. `exclude` leaves one article out (an article
    asking which other one it copies).
    """
    wanted = set(report_ids)
    if not wanted:
        return {}
    roots = {
        text_root(report_id, near)
        for report_id, near in session.execute(
            select(ReportRow.id, ReportRow.near_duplicate_of).where(ReportRow.id.in_(wanted))
        )
    }
    family = select(ReportRow.id).where(
        ReportRow.id.in_(roots) | ReportRow.near_duplicate_of.in_(roots)
    )
    query = (
        select(ArticleRow.id, ArticleRow.report_id, ReportRow.near_duplicate_of)
        .join(ReportRow, ReportRow.id == ArticleRow.report_id)
        .where(ArticleRow.report_id.in_(family), ArticleRow.verified.is_(True))
        .order_by(ArticleRow.published_at.is_(None), ArticleRow.published_at, ArticleRow.id)
    )
    if exclude is not None:
        query = query.where(ArticleRow.id != exclude)
    firsts: dict[int, int] = {}
    for article_id, report_id, near in session.execute(query):
        firsts.setdefault(text_root(report_id, near), article_id)
    return firsts
