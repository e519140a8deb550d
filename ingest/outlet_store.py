"""Outlets a newsroom adds at run time: kept in the store, read back at every start."""

from __future__ import annotations

from collections.abc import Collection, Sequence
from datetime import UTC, datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from core.db.locks import REGISTRY, hold
from core.db.schema import FeedRow, OutletRow
from core.errors import AlreadyExists
from core.models import Outlet
from ingest.feed_poller import sync_outlets

__all__ = ["add_outlet", "added_outlets", "store_registry"]


def store_registry(session: Session, outlets: Sequence[Outlet]) -> dict[str, int]:
    """Upsert the registry's outlets and feeds (`sync_outlets`) in turn with every other process
    starting on this store: two starting together on a new store would both insert them. Call it
    before any write of the transaction."""
    hold(session.connection(), REGISTRY)
    return sync_outlets(session, outlets)


def add_outlet(session: Session, outlet: Outlet) -> int:
    """Store a new outlet and its feeds; returns its id. Raises AlreadyExists when the slug,
    or one of the feeds, is taken."""
    if session.scalar(select(OutletRow.id).where(OutletRow.slug == outlet.slug)) is not None:
        raise AlreadyExists(f"an outlet {outlet.slug!r} exists already", slug=outlet.slug)
    taken = session.scalars(select(FeedRow.url).where(FeedRow.url.in_(outlet.feeds))).all()
    if taken:
        raise AlreadyExists(f"feed {taken[0]!r} belongs to another outlet", url=taken[0])
    ids = sync_outlets(session, [outlet])
    row = session.get(OutletRow, ids[outlet.slug])
    assert row is not None
    row.added_at = datetime.now(UTC)
    return row.id


def added_outlets(session: Session, known: Collection[str]) -> list[Outlet]:
    """The outlets added through the API, other than the `known` slugs, oldest first."""
    rows = session.scalars(
        select(OutletRow).where(OutletRow.added_at.is_not(None)).order_by(OutletRow.id)
    ).all()
    feeds: dict[int, list[str]] = {}
    for outlet_id, url in session.execute(select(FeedRow.outlet_id, FeedRow.url)):
        feeds.setdefault(outlet_id, []).append(url)
    return [
        Outlet(
            slug=row.slug,
            name=row.name,
            domains=tuple(row.domains),
            feeds=tuple(feeds.get(row.id, ())),
            language=row.language,
            country=row.country,
            kind=row.kind,
            leaning=row.leaning,
        )
        for row in rows
        if row.slug not in known
    ]
