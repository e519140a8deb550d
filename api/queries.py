"""Read-side store queries behind the routes, and the comparison summary the engine uses.

Every function here blocks (SQLAlchemy): routes call them through `asyncio.to_thread`.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace
from datetime import datetime
from typing import Any

from sqlalchemy import Select, bindparam, func, or_, select
from sqlalchemy.orm import Session, sessionmaker

from api.schemas import (
    ArticleDetail,
    ArticleOut,
    ClaimOut,
    CoverageOut,
    DivergenceOut,
    EventDetail,
    EventPage,
    EventSummary,
    JobFailure,
    JobOut,
    OutletOut,
    PassageOut,
    SummaryOut,
)
from comparison.model import DIVERGENCE_TYPES
from core.db.events import event_and_merged, live_event
from core.db.schema import (
    ArticleRow,
    EventRow,
    FailureRow,
    FeedRow,
    JobRow,
    OutletRow,
    PassageRow,
    ReportRow,
)
from core.errors import NotFound
from core.models import Outlet
from ingest.feed_poller import FeedPoller
from ingest.jobs import JobQueue
from ingest.urls import canonicalize

Sessions = sessionmaker[Session]
MAX_FAILURES_LISTED = 500


# --- ingest ------------------------------------------------------------------------------


def enqueue_urls(queue: JobQueue, urls: Sequence[str]) -> tuple[int, int]:
    """A batch of URL jobs: (batch id, jobs queued). Wake the workers afterwards."""
    items = [(canonicalize(url), {"url": url}) for url in urls]
    batch = queue.create_batch("urls")
    return batch, queue.enqueue(batch, "url", items)


def enqueue_feeds(queue: JobQueue, poller: FeedPoller, slugs: Sequence[str]) -> tuple[int, int]:
    """A batch polling the feeds of `slugs` (all feeds if empty): (batch id, jobs queued)."""
    feed_ids = poller.feed_ids(slugs)
    batch = queue.create_batch("feeds")
    items = [(f"feed:{feed_id}", {"feed_id": feed_id}) for feed_id in feed_ids]
    return batch, queue.enqueue(batch, "feed", items)


def enqueue_feed_refresh(queue: JobQueue, poller: FeedPoller) -> int | None:
    """A batch polling every feed, or None when no feed is configured."""
    if not poller.feed_ids():
        return None
    batch, _ = enqueue_feeds(queue, poller, ())
    return batch


def job_status(queue: JobQueue, sessions: Sessions, batch_id: int) -> JobOut:
    status = queue.batch_status(batch_id)
    if status is None:
        raise NotFound(f"no job {batch_id}")
    with sessions() as session:
        failures = session.execute(
            select(FailureRow.url, FailureRow.stage, FailureRow.reason, FailureRow.detail)
            .join(JobRow, JobRow.id == FailureRow.job_id)
            .where(JobRow.batch_id == batch_id)
            .order_by(FailureRow.id)
            .limit(MAX_FAILURES_LISTED)
        ).all()
    return JobOut(
        id=status.id,
        kind=status.kind,
        status="finished" if status.finished else "pending",
        created_at=status.created_at,
        counts={str(key): int(value) for key, value in status.counts.items()},
        outcomes=status.outcomes,
        failures=[
            JobFailure(url=row.url, stage=row.stage, reason=row.reason, detail=row.detail)
            for row in failures
        ],
    )


# --- articles ----------------------------------------------------------------------------


def article_id_for_url(sessions: Sessions, url: str) -> int | None:
    with sessions() as session:
        return session.scalar(
            select(ArticleRow.id).where(ArticleRow.canonical_url == canonicalize(url))
        )


def _passages(session: Session, report_id: int) -> list[PassageOut]:
    rows = session.scalars(
        select(PassageRow).where(PassageRow.report_id == report_id).order_by(PassageRow.idx)
    ).all()
    return [
        PassageOut(id=row.id, index=row.idx, start=row.start, end=row.end, text=row.text)
        for row in rows
    ]


def _outlet_slugs(session: Session, outlet_ids: Iterable[int | None]) -> dict[int, str]:
    wanted = {outlet_id for outlet_id in outlet_ids if outlet_id is not None}
    if not wanted:
        return {}
    rows = session.execute(select(OutletRow.id, OutletRow.slug).where(OutletRow.id.in_(wanted)))
    return {row.id: row.slug for row in rows}


def _article_row(session: Session, article_id: int) -> ArticleRow:
    row = session.get(ArticleRow, article_id)
    if row is None:
        raise NotFound(f"no article {article_id}", article_id=article_id)
    return row


def _article_out(session: Session, row: ArticleRow) -> ArticleOut:
    return ArticleOut(
        id=row.id,
        url=row.url,
        outlet=row.outlet_name,
        outlet_slug=_outlet_slugs(session, [row.outlet_id]).get(row.outlet_id or -1),
        title=row.title,
        published_at=row.published_at,
        language=row.language,
        passages=_passages(session, row.report_id),
    )


def article_detail(sessions: Sessions, article_id: int) -> ArticleDetail:
    with sessions() as session:
        row = _article_row(session, article_id)
        base = _article_out(session, row)
        report = session.get(ReportRow, row.report_id)
        return ArticleDetail(
            **base.model_dump(),
            canonical_url=row.canonical_url,
            authors=list(row.authors or []),
            event_id=_root_event(session, row.event_id),
            text=report.text if report is not None else "",
            fetched_at=row.fetched_at,
        )


# --- events ------------------------------------------------------------------------------


def _root_event(session: Session, event_id: int | None) -> int | None:
    """The event an event id ends up in after merges."""
    return None if event_id is None else live_event(session, event_id)


ComparisonKey = tuple[int, int | None, int]
"""(article id, event id, event version): a comparison holds while its event's version does."""


# On the tables, not the mapped classes: every /compare runs one of these, and the ORM's
# statement handling costs twice the query. Built once; only the parameter changes.
_ARTICLES, _EVENTS = ArticleRow.__table__, EventRow.__table__
_KEY_COLUMNS = select(
    _ARTICLES.c.id, _ARTICLES.c.event_id, _EVENTS.c.merged_into, _EVENTS.c.version
).outerjoin(_EVENTS, _EVENTS.c.id == _ARTICLES.c.event_id)
_KEY_BY_ID = _KEY_COLUMNS.where(_ARTICLES.c.id == bindparam("article_id"))
_KEY_BY_URL = _KEY_COLUMNS.where(_ARTICLES.c.canonical_url == bindparam("url"))


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
    """The comparison key of the article stored under `url`, or None when it is not stored."""
    with sessions() as session:
        return _comparison_key(session, _KEY_BY_URL, {"url": canonicalize(url)})


def _comparison_key(
    session: Session, statement: Select[Any], parameters: dict[str, object]
) -> ComparisonKey | None:
    # One query in the usual case: the article and its event, which has not been merged away.
    row = session.execute(statement, parameters).first()
    if row is None:
        return None
    article_id, event_id, merged_into, version = row
    if event_id is None:
        return article_id, None, 0
    if merged_into is None:
        return article_id, event_id, int(version or 0)
    root = live_event(session, event_id)
    version = session.scalar(select(EventRow.version).where(EventRow.id == root))
    return article_id, root, int(version or 0)


def _event_rows(session: Session, root_id: int) -> list[ArticleRow]:
    return list(
        session.scalars(
            select(ArticleRow)
            .where(ArticleRow.event_id.in_(event_and_merged(session, root_id)))
            .order_by(ArticleRow.published_at, ArticleRow.id)
        ).all()
    )


def _coverage_out(session: Session, rows: Sequence[ArticleRow]) -> list[CoverageOut]:
    """Coverage entries, with wire copies pointing at their original; confidence 1.0 since the
    pipeline already decided these articles belong to the event."""
    originals = _wire_originals(session, rows)
    return [
        CoverageOut(
            article_id=row.id,
            url=row.url,
            outlet=row.outlet_name,
            title=row.title,
            published_at=row.published_at,
            same_event_confidence=1.0,
            wire_copy_of=originals.get(row.id),
            language=row.language,
        )
        for row in rows
    ]


def _wire_originals(session: Session, rows: Sequence[ArticleRow]) -> dict[int, int]:
    """Article id → the first article carrying the same (or near-duplicate) report text."""
    report_ids = {row.report_id for row in rows}
    parents = dict(
        session.execute(
            select(ReportRow.id, ReportRow.near_duplicate_of).where(ReportRow.id.in_(report_ids))
        ).all()
    )
    first_of: dict[int, int] = {}
    copies: dict[int, int] = {}
    for row in rows:  # already in publication order
        text_root = parents.get(row.report_id) or row.report_id
        if text_root in first_of:
            copies[row.id] = first_of[text_root]
        else:
            first_of[text_root] = row.id
    return copies


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


def _like(text: str) -> str:
    escaped = text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"


def _events_query(f: EventFilter) -> Select[EventRow]:
    members = select(ArticleRow.event_id).where(ArticleRow.event_id.is_not(None))
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
            .where(ArticleRow.event_id.in_(root_of))
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
            outlets=sorted({row.outlet_name for row in articles[event.id] if row.outlet_name}),
            languages=sorted({row.language for row in articles[event.id] if row.language}),
            version=event.version,
        )
        for event in events
    ]


def list_events(sessions: Sessions, f: EventFilter) -> EventPage:
    query = _events_query(f)
    with sessions() as session:
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
        items=items,
        total=total,
        limit=f.limit,
        offset=f.offset,
        next_offset=following if following < total else None,
    )


def event_detail(sessions: Sessions, event_id: int, claims: list[ClaimOut]) -> EventDetail:
    with sessions() as session:
        root = _root_event(session, event_id)
        event = session.get(EventRow, root) if root is not None else None
        if event is None:
            raise NotFound(f"no event {event_id}")
        summary = _summaries(session, [event])[0]
        coverage = _coverage_out(session, _event_rows(session, event.id))
    return EventDetail(**summary.model_dump(), coverage=coverage, claims=claims)


# --- outlets and health ------------------------------------------------------------------


def list_outlets(sessions: Sessions, registry: Sequence[Outlet]) -> list[OutletOut]:
    with sessions() as session:
        articles = dict(
            session.execute(
                select(OutletRow.slug, func.count(ArticleRow.id))
                .join(ArticleRow, ArticleRow.outlet_id == OutletRow.id)
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
        OutletOut(
            slug=outlet.slug,
            name=outlet.name,
            domains=list(outlet.domains),
            language=outlet.language,
            country=outlet.country,
            kind=outlet.kind,
            leaning=outlet.leaning,
            feeds=int(feeds.get(outlet.slug, len(outlet.feeds))),
            articles=int(articles.get(outlet.slug, 0)),
        )
        for outlet in registry
    ]


def article_count(sessions: Sessions) -> int:
    with sessions() as session:
        return int(session.scalar(select(func.count()).select_from(ArticleRow)) or 0)


# --- comparison --------------------------------------------------------------------------


def build_summary(
    outlet: str, claims: Sequence[ClaimOut], divergences: Sequence[DivergenceOut]
) -> SummaryOut:
    """Counts per type; outlets that diverge somewhere, and outlets that share claims but never
    diverge."""
    counts = dict.fromkeys(DIVERGENCE_TYPES, 0)
    diverging: set[str] = set()
    for divergence in divergences:
        counts[divergence.type] += 1
        diverging.update(part.outlet for part in divergence.counterparts)
    sharing = {
        other.outlet for claim in claims if claim.passage is not None for other in claim.others
    }
    diverging.discard(outlet)
    return SummaryOut(
        counts=counts,
        agreeing_outlets=sorted(sharing - diverging - {outlet}),
        diverging_outlets=sorted(diverging),
    )
