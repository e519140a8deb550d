"""Little coverage starts a feed refresh; the answer says when to ask again."""

from __future__ import annotations

from collections.abc import Callable

from compare import CoverageRefresher
from core.config import Settings
from demo.articles import EVACUATION
from demo.server import DemoSite
from ingest.service import Batch
from tests.api._support import (
    article_html,
    article_url,
    assert_problem,
    event_articles,
    finished_job,
    running,
)


async def test_no_coverage_refreshes_feeds_then_settles(
    api_settings: Callable[..., Settings],
) -> None:
    article = event_articles(EVACUATION)[0]
    payload = {"url": article_url(article), "html": article_html(article)}
    lonely = {"text": "A short pasted report.\n\nIt has two paragraphs.", "title": "Pasted"}
    others = {"The Harbour Gazette", "The Daily Ledger", "Northern Courier", "Frontline Patriot"}
    settings = api_settings(coverage_refresh=True, coverage_retry_after=7)
    with DemoSite() as site:
        async with running(settings, extra_outlets=site.outlets()) as (client, _):
            response = await client.post("/compare", json=payload)
            assert response.status_code == 200, response.text
            answer = response.json()
            assert answer["ingested"] is True
            assert answer["coverage"] == []
            assert answer["coverage_status"] == "pending"
            pending = answer["pending"]
            assert pending["retry_after"] == 7
            assert pending["poll"] == f"/jobs/{pending['job_id']}"
            assert response.headers["retry-after"] == "7"
            assert "etag" not in response.headers

            light = await client.post("/compare?fields=summary", json=payload)
            assert light.json()["pending"]["job_id"] == pending["job_id"]
            # Another article with no coverage waits on the same refresh.
            waiting = (await client.post("/compare", json=lonely)).json()
            assert waiting["pending"]["job_id"] == pending["job_id"]

            job = await finished_job(client, pending["job_id"])
            assert job["kind"] == "feeds"
            assert job["outcomes"].get("ingested", 0) >= 1
            # The feeds brought the other outlets' reports, and the pipeline put them into the
            # article's event: the answer now has coverage, and no refresh pending.
            later = await client.post("/compare", json=payload)
            assert later.status_code == 200, later.text
            found = later.json()
            assert found["article"]["id"] == answer["article"]["id"]
            assert found["ingested"] is False
            assert found["coverage_status"] == "found"
            assert found["pending"] is None
            assert "retry-after" not in later.headers
            assert later.headers["etag"]
            assert {item["outlet"] for item in found["coverage"]} >= others
            # Refreshed for, and still alone in its event: now a plain "no coverage".
            settled = await client.post("/compare", json=lonely)
            body = assert_problem(settled, 404, "no-coverage")
            assert body["article_id"] == waiting["article"]["id"]


class _FakeFeeds:
    def __init__(self, feeds: list[int]) -> None:
        self.feeds = feeds
        self.batches: dict[int, bool] = {}

    def refresh_feeds(self) -> Batch | None:
        if not self.feeds:
            return None
        batch = len(self.batches) + 1
        self.batches[batch] = False
        return Batch(batch, len(self.feeds))

    def batch_finished(self, batch_id: int) -> bool:
        return self.batches[batch_id]


def _refresher(feeds: list[int], clock: list[float]) -> tuple[CoverageRefresher, _FakeFeeds]:
    fake = _FakeFeeds(feeds)
    refresher = CoverageRefresher(
        fake, enabled=True, interval=100.0, retry_after=5, clock=lambda: clock[0]
    )
    return refresher, fake


async def test_one_refresh_at_a_time_and_not_again_too_soon() -> None:
    clock = [0.0]
    refresher, queue = _refresher([1, 2], clock)
    first = await refresher.request(10)
    assert first is not None
    second = await refresher.request(11)
    assert second is not None
    assert second.batch_id == first.batch_id  # shares the running refresh
    queue.batches[first.batch_id] = True
    assert await refresher.request(10) is None  # refreshed for 10 already
    clock[0] = 30.0
    assert await refresher.request(12) is None  # the feeds were read moments ago
    clock[0] = 500.0
    again = await refresher.request(10)
    assert again is not None
    assert again.batch_id != first.batch_id


async def test_no_feeds_means_nothing_to_wait_for() -> None:
    refresher, _ = _refresher([], [0.0])
    assert await refresher.request(1) is None
