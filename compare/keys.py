"""Finding a stored article and the key its comparison is cached under. Blocking (SQLAlchemy),
except a key `ComparisonKeys` remembers."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Select, bindparam, select
from sqlalchemy.orm import Session, sessionmaker

from compare.key_memo import KeyMemo, Lookup
from compare.model import ComparisonKey
from core.db.events import live_event
from core.db.schema import ArticleRow, EventRow
from core.errors import ArticleTooLarge, NotFound
from ingest.urls import canonicalize

__all__ = [
    "ComparisonKeys",
    "article_comparison_key",
    "article_id_for_url",
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
    _ARTICLES.c.verified,
).outerjoin(_EVENTS, _EVENTS.c.id == _ARTICLES.c.event_id)
_KEY_BY_ID = _KEY_COLUMNS.where(_ARTICLES.c.id == bindparam("article_id"))
_KEY_BY_URL = _KEY_COLUMNS.where(_ARTICLES.c.canonical_url == bindparam("url"))


def article_id_for_url(sessions: Sessions, url: str) -> int | None:
    with sessions() as session:
        return session.scalar(
            select(ArticleRow.id).where(ArticleRow.canonical_url == canonicalize(url))
        )


def article_comparison_key(session: Session, article_id: int) -> ComparisonKey | None:
    """The key of a stored article's comparison, None for an unknown article."""
    found = _comparison_key(session, _KEY_BY_ID, {"article_id": article_id})
    return found[0] if found is not None else None


class ComparisonKeys:
    """Comparison keys of stored articles, by URL or id: from `memo` where it holds them, else
    from the store, which fills it. `remembered` reads memory only; the rest block."""

    def __init__(self, sessions: Sessions, memo: KeyMemo | None = None) -> None:
        self._sessions = sessions
        self._memo = memo

    def remembered(self, lookup: Lookup) -> ComparisonKey | None:
        return self._memo.get(lookup) if self._memo is not None else None

    def stored(self, url: str) -> ComparisonKey | None:
        """The key of the article stored under `url`, or None when it is not stored; raises
        ArticleTooLarge for a quarantined article."""
        return self.remembered(url) or self._read(url, _KEY_BY_URL, {"url": canonicalize(url)})

    def of_article(self, article_id: int) -> ComparisonKey:
        """The key of a stored article; raises NotFound for an unknown article."""
        key = self.remembered(article_id) or self._read(
            article_id, _KEY_BY_ID, {"article_id": article_id}
        )
        if key is None:
            raise NotFound(f"no article {article_id}", article_id=article_id)
        return key

    def _read(
        self, lookup: Lookup, statement: Select[Any], parameters: dict[str, object]
    ) -> ComparisonKey | None:
        generation = self._memo.generation if self._memo is not None else 0
        with self._sessions() as session:
            found = _comparison_key(session, statement, parameters)
        if found is None:
            return None
        key, verified = found
        if verified and self._memo is not None:
            self._memo.put(generation, lookup, key)
        return key


def _comparison_key(
    session: Session, statement: Select[Any], parameters: dict[str, object]
) -> tuple[ComparisonKey, bool] | None:
    """The key, and whether the article is verified; None for an unknown article."""
    # One query in the usual case: the article and its event, which has not been merged away.
    row = session.execute(statement, parameters).first()
    if row is None:
        return None
    article_id, event_id, merged_into, version, quarantined, verified = row
    if quarantined:
        raise ArticleTooLarge(
            f"article {article_id} was stored before the size caps and is over them: "
            "it is quarantined, not compared",
            url=str(parameters.get("url", "")),
            article_id=article_id,
        )
    if event_id is None:
        return (article_id, None, 0), verified
    if merged_into is None:
        return (article_id, event_id, int(version or 0)), verified
    root = live_event(session, event_id)
    version = session.scalar(select(EventRow.version).where(EventRow.id == root))
    return (article_id, root, int(version or 0)), verified
