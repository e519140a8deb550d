"""Polling every feed when a comparison finds little coverage, without a refresh loop."""

from __future__ import annotations

import asyncio
import time
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass
from typing import Protocol

from ingest.service import Batch

__all__ = ["CoverageRefresher", "FeedRefresh", "PendingRefresh"]


class FeedRefresh(Protocol):
    """What the refresher needs of the ingest side (`ingest.service.IngestService`)."""

    def refresh_feeds(self) -> Batch | None: ...

    def batch_finished(self, batch_id: int) -> bool: ...


@dataclass(frozen=True, slots=True)
class PendingRefresh:
    """A running feed refresh an answer waits on: the batch to follow, and when to ask again."""

    batch_id: int
    retry_after: int


@dataclass(slots=True)
class _Refresh:
    batch_id: int
    started: float
    finished: float | None = None


class CoverageRefresher:
    """Polls every configured feed when a comparison finds little coverage.

    One refresh runs at a time and every article that asks while it runs waits on it; none
    starts within a minute of the last one finishing (its feeds were just read), and an article
    is not refreshed for again within `interval` seconds, so a story nobody else covers settles
    into a plain "no coverage" instead of a refresh loop. `on_start` runs for each new refresh.
    """

    MIN_GAP = 60.0

    def __init__(
        self,
        feeds: FeedRefresh,
        *,
        enabled: bool,
        interval: float,
        retry_after: int,
        on_start: Callable[[], object] = lambda: None,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._feeds = feeds
        self._enabled = enabled
        self._interval = interval
        self._retry_after = retry_after
        self._on_start = on_start
        self._clock = clock
        self._current: _Refresh | None = None
        self._by_article: OrderedDict[int, _Refresh] = OrderedDict()
        self._lock = asyncio.Lock()

    async def request(self, article_id: int) -> PendingRefresh | None:
        """The refresh this article waits on, or None when none is running or worth starting."""
        if not self._enabled:
            return None
        async with self._lock:
            current = self._current
            if current is not None and current.finished is None:
                if await asyncio.to_thread(self._feeds.batch_finished, current.batch_id):
                    current.finished = self._clock()
                else:
                    self._remember(article_id, current)
                    return self._pending(current)
            now = self._clock()
            previous = self._by_article.get(article_id)
            if previous is not None and now - previous.started < self._interval:
                return None
            last_finished = current.finished if current is not None else None
            if last_finished is not None and now - last_finished < min(
                self.MIN_GAP, self._interval
            ):
                return None
            batch = await asyncio.to_thread(self._feeds.refresh_feeds)
            if batch is None:
                return None
            self._on_start()
            self._current = _Refresh(batch.id, self._clock())
            self._remember(article_id, self._current)
            return self._pending(self._current)

    def _remember(self, article_id: int, refresh: _Refresh) -> None:
        self._by_article[article_id] = refresh
        self._by_article.move_to_end(article_id)
        while len(self._by_article) > 10_000:
            self._by_article.popitem(last=False)

    def _pending(self, refresh: _Refresh) -> PendingRefresh:
        return PendingRefresh(batch_id=refresh.batch_id, retry_after=self._retry_after)
