"""Polling one feed: conditional GET, parse, hand the article URLs on, back off when it fails."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from core.db.schema import FailureRow, FeedRow, OutletRow
from core.errors import ParallaxError
from core.models import FeedEntry, Outlet
from ingest.feeds import parse_feed_document
from ingest.fetch import Fetcher

MAX_SITEMAP_CHILDREN = 5


def sync_outlets(session: Session, outlets: Sequence[Outlet]) -> dict[str, int]:
    """Upsert the registry's outlets and feeds; returns outlet ids by slug."""
    rows = {row.slug: row for row in session.scalars(select(OutletRow)).all()}
    for outlet in outlets:
        row = rows.get(outlet.slug)
        if row is None:
            row = OutletRow(slug=outlet.slug)
            session.add(row)
            rows[outlet.slug] = row
        row.name = outlet.name
        row.domains = list(outlet.domains)
        row.language = outlet.language
        row.country = outlet.country
        row.kind = outlet.kind
        row.leaning = outlet.leaning
    session.flush()
    known_feeds = set(session.scalars(select(FeedRow.url)).all())
    for outlet in outlets:
        for url in outlet.feeds:
            if url not in known_feeds:
                session.add(FeedRow(outlet_id=rows[outlet.slug].id, url=url))
                known_feeds.add(url)
    return {slug: row.id for slug, row in rows.items()}


class FeedPoller:
    def __init__(
        self,
        sessions: sessionmaker[Session],
        fetcher: Fetcher,
        *,
        interval: float,
        max_backoff: float,
    ) -> None:
        self._sessions = sessions
        self._fetcher = fetcher
        self._interval = interval
        self._max_backoff = max_backoff

    def feed_ids(self, outlet_slugs: Sequence[str] = ()) -> list[int]:
        with self._sessions() as session:
            query = select(FeedRow.id).join(OutletRow, OutletRow.id == FeedRow.outlet_id)
            if outlet_slugs:
                query = query.where(OutletRow.slug.in_(outlet_slugs))
            return list(session.scalars(query.order_by(FeedRow.id)).all())

    def due_feed_ids(self, now: datetime) -> list[int]:
        with self._sessions() as session:
            query = select(FeedRow.id).where(
                (FeedRow.next_poll_at.is_(None)) | (FeedRow.next_poll_at <= now)
            )
            return list(session.scalars(query.order_by(FeedRow.id)).all())

    async def poll(self, feed_id: int) -> tuple[str, list[FeedEntry]]:
        """Fetch one feed; returns the outlet slug and its entries (none when unchanged)."""
        with self._sessions() as session:
            feed = session.get(FeedRow, feed_id)
            if feed is None:
                raise ParallaxError(f"feed {feed_id} does not exist")
            url, etag, last_modified = feed.url, feed.etag, feed.last_modified
            outlet = session.get(OutletRow, feed.outlet_id)
            slug = outlet.slug if outlet else ""
        try:
            page = await self._fetcher.fetch(
                url, etag=etag, last_modified=last_modified, kind="feed"
            )
            entries: list[FeedEntry] = []
            if not page.not_modified:
                document = parse_feed_document(page.content or page.text.encode(), page.final_url)
                entries.extend(document.entries)
                for child in document.sitemaps[:MAX_SITEMAP_CHILDREN]:
                    child_page = await self._fetcher.fetch(child.url, kind="feed")
                    child_doc = parse_feed_document(
                        child_page.content or child_page.text.encode(), child_page.final_url
                    )
                    entries.extend(child_doc.entries)
        except ParallaxError as error:
            self._record_failure(feed_id, url, error)
            raise
        self._record_success(feed_id, page.etag or etag, page.last_modified or last_modified)
        return slug, entries

    def _record_success(self, feed_id: int, etag: str | None, last_modified: str | None) -> None:
        now = datetime.now(UTC)
        with self._sessions.begin() as session:
            feed = session.get(FeedRow, feed_id)
            if feed is None:
                return
            feed.etag = etag
            feed.last_modified = last_modified
            feed.last_polled_at = now
            feed.consecutive_failures = 0
            feed.last_error = None
            feed.next_poll_at = now + timedelta(seconds=self._interval)

    def _record_failure(self, feed_id: int, url: str, error: ParallaxError) -> None:
        now = datetime.now(UTC)
        with self._sessions.begin() as session:
            feed = session.get(FeedRow, feed_id)
            if feed is None:
                return
            feed.consecutive_failures += 1
            feed.last_polled_at = now
            feed.last_error = f"{error.code}: {error}"[:2000]
            backoff = min(self._interval * 2**feed.consecutive_failures, self._max_backoff)
            feed.next_poll_at = now + timedelta(seconds=backoff)
            session.add(
                FailureRow(
                    feed_id=feed_id,
                    url=url,
                    stage="feed",
                    reason=error.code,
                    detail=str(error)[:4000],
                    created_at=now,
                )
            )
