"""Browsing the archive: events (filtered, paged), one event's coverage, articles, outlets.

Every method blocks (SQLAlchemy): routes call them through `asyncio.to_thread`. Wire copies are
named by `core.db.reprints`, the rule `/compare` uses too.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace
from datetime import datetime

from sqlalchemy import Select, func, or_, select
from sqlalchemy.orm import Session, sessionmaker

from compare.model import Article, CoverageEntry
from comparison.model import PassageView
from core.db.events import event_and_merged, live_event
from core.db.reprints import first_publications, text_root
from core.db.schema import ArticleRow, EventRow, FeedRow, OutletRow, PassageRow, ReportRow
from core.errors import NotFound
from core.models import Outlet

__all__ = [
    "Archive",
    "ArticleRecord",
    "EventFilter",
    "EventPage",
    "EventRecord",
    "EventSummary",
    "OutletStats",
]


@dataclass(frozen=True, slots=True)
class EventFilter:
    outlet: str | None = None
    language: str | None = None
    since: datetime | None = None
    until: datetime | None = None
    q: str | None = None
    limit: int = 20
    offset: int = 0

    def page(self, limit: int, offset: int) -> EventFilter:
        return replace(self, limit=limit, offset=offset)


@dataclass(frozen=True, slots=True)
class EventSummary:
    id: int
    title: str
    first_published_at: datetime | None
    last_published_at: datetime | None
    article_count: int
    outlets: tuple[str, ...]
    languages: tuple[str, ...]
    version: int


@dataclass(frozen=True, slots=True)
class EventPage:
    items: tuple[EventSummary, ...]
    total: int
    limit: int
    offset: int
    next_offset: int | None


@dataclass(frozen=True, slots=True)
class EventRecord:
    """An event and all its coverage, in publication order; the pipeline already decided these
    articles belong to it, so each entry's confidence is 1.0."""

    summary: EventSummary
    coverage: tuple[CoverageEntry, ...]


@dataclass(frozen=True, slots=True)
class ArticleRecord:
    article: Article
    canonical_url: str
    authors: tuple[str, ...]
    event_id: int | None
    text: str
    fetched_at: datetime


@dataclass(frozen=True, slots=True)
class OutletStats:
    outlet: Outlet
    feeds: int
    articles: int


class Archive:
    """Read-side queries over the store and the outlet registry."""

    def __init__(self, sessions: sessionmaker[Session], outlets: Sequence[Outlet]) -> None:
        self._sessions = sessions
        # The service's live list: an outlet added at run time is listed at once.
        self._outlets = outlets

    def article(self, article_id: int) -> ArticleRecord:
        """One article with its text and passages; raises NotFound for an unknown id."""
        with self._sessions() as session:
            row = session.get(ArticleRow, article_id)
            if row is None:
                raise NotFound(f"no article {article_id}", article_id=article_id)
            report = session.get(ReportRow, row.report_id)
            return ArticleRecord(
                article=_article(session, row),
                canonical_url=row.canonical_url,
                authors=tuple(row.authors or []),
                event_id=None if row.event_id is None else live_event(session, row.event_id),
                text=report.text if report is not None else "",
                fetched_at=row.fetched_at,
            )

    def article_count(self) -> int:
        with self._sessions() as session:
            return int(session.scalar(select(func.count()).select_from(ArticleRow)) or 0)

    def events(self, f: EventFilter) -> EventPage:
        """Events matching `f`, newest first, one page of them."""
        query = _events_query(f)
        with self._sessions() as session:
            total = int(session.scalar(select(func.count()).select_from(query.subquery())) or 0)
            events = session.scalars(
                query.order_by(
                    func.coalesce(EventRow.last_published_at, EventRow.created_at).desc(),
                    EventRow.id.desc(),
                )
                .limit(f.limit)
                .offset(f.offset)
            ).all()
            items = _summaries(session, events)
        following = f.offset + len(items)
        return EventPage(
            items=tuple(items),
            total=total,
            limit=f.limit,
            offset=f.offset,
            next_offset=following if following < total else None,
        )

    def event(self, event_id: int) -> EventRecord:
        """The event `event_id` ends up in after merges; raises NotFound for an unknown id."""
        with self._sessions() as session:
            event = session.get(EventRow, live_event(session, event_id))
            if event is None:
                raise NotFound(f"no event {event_id}")
            summary = _summaries(session, [event])[0]
            coverage = _coverage(session, _event_rows(session, event.id))
        return EventRecord(summary, coverage)

    def outlets(self) -> list[OutletStats]:
        """Every configured outlet with its stored feed and article counts."""
        with self._sessions() as session:
            articles = dict(
                session.execute(
                    select(OutletRow.slug, func.count(ArticleRow.id))
                    .join(ArticleRow, ArticleRow.outlet_id == OutletRow.id)
                    .where(ArticleRow.verified.is_(True))
                    .group_by(OutletRow.slug)
                ).all()
            )
            feeds = dict(
                session.execute(
                    select(OutletRow.slug, func.count(FeedRow.id))
                    .join(FeedRow, FeedRow.outlet_id == OutletRow.id)
                    .group_by(OutletRow.slug)
                ).all()
            )
        return [
            OutletStats(
                outlet,
                feeds=int(feeds.get(outlet.slug, len(outlet.feeds))),
                articles=int(articles.get(outlet.slug, 0)),
            )
            for outlet in self._outlets
        ]


def _passages(session: Session, row: ArticleRow) -> tuple[PassageView, ...]:
    rows = session.scalars(
        select(PassageRow).where(PassageRow.report_id == row.report_id).order_by(PassageRow.idx)
    ).all()
    return tuple(
        PassageView(
            passage_id=p.id, article_id=row.id, index=p.idx, start=p.start, end=p.end, text=p.text
        )
        for p in rows
    )


def _outlet_slugs(session: Session, outlet_ids: Iterable[int | None]) -> dict[int, str]:
    wanted = {outlet_id for outlet_id in outlet_ids if outlet_id is not None}
    if not wanted:
        return {}
    rows = session.execute(select(OutletRow.id, OutletRow.slug).where(OutletRow.id.in_(wanted)))
    return {row.id: row.slug for row in rows}


def _article(session: Session, row: ArticleRow) -> Article:
    return Article(
        id=row.id,
        url=row.url,
        outlet=row.outlet_name,
        outlet_slug=_outlet_slugs(session, [row.outlet_id]).get(row.outlet_id or -1),
        title=row.title,
        published_at=row.published_at,
        language=row.language,
        passages=_passages(session, row),
        verified=row.verified,
    )


def _event_rows(session: Session, root_id: int) -> list[ArticleRow]:
    return list(
        session.scalars(
            select(ArticleRow)
            .where(
                ArticleRow.event_id.in_(event_and_merged(session, root_id)),
                ArticleRow.verified.is_(True),
            )
            .order_by(ArticleRow.published_at, ArticleRow.id)
        ).all()
    )


def _coverage(session: Session, rows: Sequence[ArticleRow]) -> tuple[CoverageEntry, ...]:
    parents = dict(
        session.execute(
            select(ReportRow.id, ReportRow.near_duplicate_of).where(
                ReportRow.id.in_({row.report_id for row in rows})
            )
        ).all()
    )
    firsts = first_publications(session, parents)
    entries = []
    for row in rows:
        original = firsts.get(text_root(row.report_id, parents.get(row.report_id)))
        entries.append(
            CoverageEntry(
                article_id=row.id,
                url=row.url,
                outlet=row.outlet_name,
                title=row.title,
                published_at=row.published_at,
                same_event_confidence=1.0,
                wire_copy_of=original if original != row.id else None,
                language=row.language,
            )
        )
    return tuple(entries)


def _like(text: str) -> str:
    escaped = text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"


def _events_query(f: EventFilter) -> Select[EventRow]:
    members = select(ArticleRow.event_id).where(
        ArticleRow.event_id.is_not(None), ArticleRow.verified.is_(True)
    )
    if f.outlet:
        members = members.outerjoin(OutletRow, OutletRow.id == ArticleRow.outlet_id).where(
            or_(OutletRow.slug == f.outlet, ArticleRow.outlet_name == f.outlet)
        )
    if f.language:
        members = members.where(ArticleRow.language == f.language)
    if f.q:
        members = members.where(ArticleRow.title.ilike(_like(f.q), escape="\\"))
    merged_parents = select(EventRow.merged_into).where(EventRow.id.in_(members))
    query = select(EventRow).where(
        EventRow.merged_into.is_(None),
        or_(EventRow.id.in_(members), EventRow.id.in_(merged_parents)),
    )
    if f.since is not None:
        query = query.where(EventRow.last_published_at >= f.since)
    if f.until is not None:
        query = query.where(EventRow.first_published_at <= f.until)
    return query


def _summaries(session: Session, events: Sequence[EventRow]) -> list[EventSummary]:
    members = {root.id: event_and_merged(session, root.id) for root in events}
    root_of = {member: root for root, ids in members.items() for member in ids}
    articles: dict[int, list[ArticleRow]] = defaultdict(list)
    if root_of:
        for row in session.scalars(
            select(ArticleRow)
            .where(ArticleRow.event_id.in_(root_of), ArticleRow.verified.is_(True))
            .order_by(ArticleRow.published_at, ArticleRow.id)
        ):
            articles[root_of[row.event_id or -1]].append(row)
    return [
        EventSummary(
            id=event.id,
            title=articles[event.id][0].title if articles[event.id] else "",
            first_published_at=event.first_published_at,
            last_published_at=event.last_published_at,
            article_count=len(articles[event.id]),
            outlets=tuple(
                sorted({row.outlet_name for row in articles[event.id] if row.outlet_name})
            ),
            languages=tuple(sorted({row.language for row in articles[event.id] if row.language})),
            version=event.version,
        )
        for event in events
    ]
