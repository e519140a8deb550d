from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta

import pytest
from pytest_httpserver import HTTPServer
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from core.config import Settings
from core.db.engine import open_store
from core.db.schema import FailureRow, FeedRow
from core.errors import HTTPStatusError
from core.models import Outlet
from ingest.feed_poller import FeedPoller, sync_outlets
from ingest.fetch import Fetcher
from ingest.jobs import JobQueue
from ingest.scheduler import FeedScheduler
from ingest.worker import WorkerPool

RSS = b"""<?xml version="1.0" encoding="utf-8"?>
<rss version="2.0"><channel><title>Test</title>
<item><title>One</title><link>/news/one</link>
<pubDate>Mon, 23 Nov 2026 10:00:00 GMT</pubDate></item>
<item><title>Two</title><link>/news/two</link></item>
</channel></rss>"""


@pytest.fixture
def store(make_settings: Callable[..., Settings]) -> tuple[Settings, sessionmaker[Session]]:
    settings = make_settings(feed_poll_interval=100.0, feed_max_backoff=1000.0, fetch_retries=0)
    _engine, sessions = open_store(settings)
    return settings, sessions


def _register(sessions: sessionmaker[Session], feeds: list[str]) -> None:
    outlet = Outlet(
        slug="testoutlet", name="Test Outlet", domains=("127.0.0.1",), feeds=tuple(feeds)
    )
    with sessions.begin() as session:
        sync_outlets(session, [outlet])
        sync_outlets(session, [outlet])
    with sessions() as session:
        assert len(session.scalars(select(FeedRow)).all()) == len(feeds)


async def test_a_feed_is_polled_conditionally_and_rescheduled(
    store: tuple[Settings, sessionmaker[Session]], httpserver: HTTPServer
) -> None:
    settings, sessions = store
    httpserver.expect_request("/robots.txt").respond_with_data(b"", status=404)
    httpserver.expect_request("/feed.xml").respond_with_data(
        RSS, content_type="application/rss+xml", headers={"ETag": '"v1"'}
    )
    _register(sessions, [httpserver.url_for("/feed.xml")])
    async with Fetcher(settings) as fetcher:
        poller = FeedPoller(sessions, fetcher, interval=100.0, max_backoff=1000.0)
        (feed_id,) = poller.due_feed_ids(datetime.now(UTC))
        slug, entries = await poller.poll(feed_id)
        assert slug == "testoutlet"
        assert [entry.url for entry in entries] == [
            httpserver.url_for("/news/one"),
            httpserver.url_for("/news/two"),
        ]
        assert poller.due_feed_ids(datetime.now(UTC)) == []
        assert poller.due_feed_ids(datetime.now(UTC) + timedelta(seconds=101)) == [feed_id]

        httpserver.clear()
        httpserver.expect_request("/robots.txt").respond_with_data(b"", status=404)
        httpserver.expect_request("/feed.xml", headers={"If-None-Match": '"v1"'}).respond_with_data(
            b"", status=304
        )
        _slug, unchanged = await poller.poll(feed_id)
        assert unchanged == []


async def test_a_failing_feed_backs_off_and_records_the_reason(
    store: tuple[Settings, sessionmaker[Session]], httpserver: HTTPServer
) -> None:
    settings, sessions = store
    httpserver.expect_request("/robots.txt").respond_with_data(b"", status=404)
    httpserver.expect_request("/broken.xml").respond_with_data(b"nope", status=500)
    _register(sessions, [httpserver.url_for("/broken.xml")])
    async with Fetcher(settings) as fetcher:
        poller = FeedPoller(sessions, fetcher, interval=100.0, max_backoff=1000.0)
        (feed_id,) = poller.feed_ids()
        waits = []
        for _ in range(4):
            before = datetime.now(UTC)
            with pytest.raises(HTTPStatusError):
                await poller.poll(feed_id)
            with sessions() as session:
                feed = session.get(FeedRow, feed_id)
                assert feed is not None
                assert feed.next_poll_at is not None
                waits.append((feed.next_poll_at - before).total_seconds())
        assert [round(wait, -1) for wait in waits] == [200, 400, 800, 1000]
        with sessions() as session:
            feed = session.get(FeedRow, feed_id)
            assert feed is not None
            assert feed.consecutive_failures == 4
            assert feed.last_error is not None
            assert feed.last_error.startswith("http-status")
            reasons = session.scalars(select(FailureRow.reason)).all()
        assert reasons == ["http-status"] * 4


async def test_scheduler_queues_each_due_feed_once(
    store: tuple[Settings, sessionmaker[Session]],
) -> None:
    _settings, sessions = store
    _register(sessions, ["http://127.0.0.1:9/a.xml", "http://127.0.0.1:9/b.xml"])
    queue = JobQueue(sessions, lease_seconds=60)
    async with Fetcher(_settings) as fetcher:
        poller = FeedPoller(sessions, fetcher, interval=100.0, max_backoff=1000.0)
        scheduler = FeedScheduler(poller, queue, WorkerPool(queue, workers=1))
        assert scheduler.enqueue_due() == 2
        assert scheduler.enqueue_due() == 0
        assert {job.kind for job in queue.claim(5)} == {"feed"}
