"""One article's same-event coverage: the other members of its event, best match first.

The comparison engine (`compare.engine`) and `parallax coverage` both read coverage here.
Blocking (SQLAlchemy, the event index): callers on an event loop use `asyncio.to_thread`.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from compare.keys import article_comparison_key
from compare.model import Article, CoverageEntry
from compare.workspaces import EventKey, Members
from comparison.event_index import EventIndex
from comparison.model import ArticleView
from comparison.same_event import SameEventMatch
from comparison.store_views import load_articles
from core.db.events import event_and_merged
from core.db.schema import ArticleRow
from core.errors import NotFound

__all__ = [
    "MAX_COVERAGE",
    "EventCoverage",
    "MemberLoader",
    "ViewLoader",
    "event_coverage",
    "event_members",
    "store_members",
    "store_views",
]

MAX_COVERAGE = 24


@dataclass(frozen=True, slots=True)
class EventCoverage:
    """An article and at most MAX_COVERAGE other members of its event, best match first.

    `event_id` is the event after merges (None while the article has none); `matches` holds the
    same-event score of each member the index could compare (members it could not rank last).
    """

    article: ArticleView
    language: str | None
    event_id: int | None
    event_key: EventKey | None
    others: tuple[ArticleView, ...]
    languages: Mapping[int, str | None]
    matches: Mapping[int, SameEventMatch]
    verified: bool = True

    def as_article(self, *, with_passages: bool = True) -> Article:
        view = self.article
        return Article(
            id=view.article_id,
            url=view.url,
            outlet=view.outlet,
            title=view.title,
            published_at=view.published_at,
            language=self.language,
            passages=view.passages if with_passages else (),
            verified=self.verified,
        )

    def confidence(self, article_id: int) -> float:
        return _confidence(self.matches, article_id)

    def entries(self, sources: Mapping[int, int] | None = None) -> tuple[CoverageEntry, ...]:
        """The coverage; `sources` names the source of copies the store has not marked."""
        sources = sources or {}
        return tuple(
            CoverageEntry(
                article_id=view.article_id,
                url=view.url,
                outlet=view.outlet,
                title=view.title,
                published_at=view.published_at,
                same_event_confidence=round(self.confidence(view.article_id), 4),
                wire_copy_of=sources.get(view.article_id, view.wire_copy_of),
                language=self.languages.get(view.article_id),
            )
            for view in self.others
        )


def event_members(session: Session, event_id: int) -> dict[int, str | None]:
    """The event's verified articles (merged events' included) by id, with their languages:
    a page a caller submitted is no one else's coverage."""
    rows = session.execute(
        select(ArticleRow.id, ArticleRow.language)
        .where(
            ArticleRow.event_id.in_(event_and_merged(session, event_id)),
            ArticleRow.verified.is_(True),
        )
        .order_by(ArticleRow.id)
    )
    return {article_id: language for article_id, language in rows}


MemberLoader = Callable[[Session, EventKey], Members]
"""Reads an event's members; the key (event after merges, version) lets a caller keep them."""


def store_members(session: Session, key: EventKey) -> Members:
    """A member loader reading the store every time."""
    return event_members(session, key[0])


ViewLoader = Callable[[Session, Sequence[int], EventKey | None], list[ArticleView]]
"""Loads article views by id, in order; the event key lets a caller keep them per event."""


def store_views(*, model_id: int, dimension: int) -> ViewLoader:
    """A loader reading every view from the store."""

    def load(session: Session, ids: Sequence[int], _event: EventKey | None) -> list[ArticleView]:
        return load_articles(session, ids, model_id=model_id, dimension=dimension)

    return load


def event_coverage(
    session: Session,
    index: EventIndex,
    article_id: int,
    *,
    load_views: ViewLoader,
    load_members: MemberLoader = store_members,
    limit: int = MAX_COVERAGE,
) -> EventCoverage:
    """The article's coverage, its `limit` best-ranked members by `index.score`; raises
    NotFound for an unknown id."""
    found = article_comparison_key(session, article_id)
    if found is None:
        raise NotFound(f"no article {article_id}")
    _, event_id, version = found
    key = (event_id, version) if event_id is not None else None
    languages: Members = load_members(session, key) if key is not None else {}
    verified = True
    if article_id not in languages:  # no event yet, or a caller's unverified page
        own, verified = session.execute(
            select(ArticleRow.language, ArticleRow.verified).where(ArticleRow.id == article_id)
        ).one()
        languages = {**languages, article_id: own}
    candidates = [member for member in languages if member != article_id]
    features = index.features(article_id)
    scored = index.score(features, candidates) if features is not None else []
    matches = {match.article_id: match for match in scored}
    ranked = sorted(candidates, key=lambda member: -_confidence(matches, member))[:limit]
    views = load_views(session, [article_id, *ranked], key)
    return EventCoverage(
        article=views[0],
        language=languages.get(article_id),
        event_id=event_id,
        event_key=key,
        others=tuple(views[1:]),
        languages={member: languages.get(member) for member in ranked},
        matches=matches,
        verified=verified,
    )


def _confidence(matches: Mapping[int, SameEventMatch], article_id: int) -> float:
    match = matches.get(article_id)
    return match.same_event_confidence if match is not None else 0.0
