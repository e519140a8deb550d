"""Finding a stored article and the key its comparison is cached under. Blocking (SQLAlchemy)."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Select, bindparam, select
from sqlalchemy.orm import Session, sessionmaker

from compare.model import ComparisonKey
from core.db.events import live_event
from core.db.schema import ArticleRow, EventRow
from core.errors import ArticleTooLarge, NotFound
from ingest.urls import canonicalize

__all__ = [
    "article_comparison_key",
    "article_id_for_url",
    "comparison_key",
    "stored_comparison_key",
]

Sessions = sessionmaker[Session]

# On the tables, not the mapped classes: every /compare runs one of these, and the ORM's
# statement handling costs twice the query. Built once; only the parameter changes.
_ARTICLES, _EVENTS = ArticleRow.__table__, EventRow.__table__
_KEY_COLUMNS = select(
    _ARTICLES.c.id,
    _ARTICLES.c.event_id,
    _EVENTS.c.merged_into,
    _EVENTS.c.version,
    _ARTICLES.c.quarantined,
).outerjoin(_EVENTS, _EVENTS.c.id == _ARTICLES.c.event_id)
_KEY_BY_ID = _KEY_COLUMNS.where(_ARTICLES.c.id == bindparam("article_id"))
_KEY_BY_URL = _KEY_COLUMNS.where(_ARTICLES.c.canonical_url == bindparam("url"))


def article_id_for_url(sessions: Sessions, url: str) -> int | None:
    with sessions() as session:
        return session.scalar(
            select(ArticleRow.id).where(ArticleRow.canonical_url == canonicalize(url))
        )


def comparison_key(sessions: Sessions, article_id: int) -> ComparisonKey:
    """The key of a stored article's comparison; raises NotFound for an unknown article."""
    with sessions() as session:
        key = article_comparison_key(session, article_id)
    if key is None:
        raise NotFound(f"no article {article_id}", article_id=article_id)
    return key


def article_comparison_key(session: Session, article_id: int) -> ComparisonKey | None:
    """The key of a stored article's comparison, None for an unknown article."""
    return _comparison_key(session, _KEY_BY_ID, {"article_id": article_id})


def stored_comparison_key(sessions: Sessions, url: str) -> ComparisonKey | None:
    """The comparison key of the article stored under `url`, or None when it is not stored;
    raises ArticleTooLarge for a quarantined article."""
    with sessions() as session:
        return _comparison_key(session, _KEY_BY_URL, {"url": canonicalize(url)})


def _comparison_key(
    session: Session, statement: Select[Any], parameters: dict[str, object]
) -> ComparisonKey | None:
    # One query in the usual case: the article and its event, which has not been merged away.
    row = session.execute(statement, parameters).first()
    if row is None:
        return None
    article_id, event_id, merged_into, version, quarantined = row
    if quarantined:
        raise ArticleTooLarge(
            f"article {article_id} was stored before the size caps and is over them: "
            "it is quarantined, not compared",
            url=str(parameters.get("url", "")),
            article_id=article_id,
        )
    if event_id is None:
        return article_id, None, 0
    if merged_into is None:
        return article_id, event_id, int(version or 0)
    root = live_event(session, event_id)
    version = session.scalar(select(EventRow.version).where(EventRow.id == root))
    return article_id, root, int(version or 0)
