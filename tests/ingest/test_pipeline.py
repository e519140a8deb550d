from __future__ import annotations

import asyncio
from collections.abc import Callable

import pytest
from sqlalchemy import func, select

from core.config import Settings
from core.db.schema import ArticleRow, JobRow, PassageRow, ReportRow
from demo.server import DemoSite
from index.embedder import Embedder
from ingest.jobs import BatchStatus
from ingest.service import Batch, IngestService, ingest_service

pytestmark = pytest.mark.slow


async def _finish(service: IngestService, batch: Batch) -> BatchStatus:
    for _ in range(1200):
        status = service.queue.batch_status(batch.id)
        assert status is not None
        if status.finished:
            return status
        await asyncio.sleep(0.1)
    raise AssertionError("the batch did not finish")


def _count(service: IngestService, row: type) -> int:
    with service.sessions() as session:
        return int(session.scalar(select(func.count()).select_from(row)) or 0)


async def test_demo_feeds_are_ingested_once_with_exact_offsets(
    make_settings: Callable[..., Settings], embedder: Embedder
) -> None:
    with DemoSite() as site:
        settings = make_settings()
        async with ingest_service(
            settings, embedder=embedder, extra_outlets=site.outlets(), schedule_feeds=False
        ) as service:
            slugs = [outlet.slug for outlet in site.outlets()]
            status = await _finish(service, service.submit_feeds(slugs))
            assert status.failures == {}
            expected = set(site.article_urls())
            with service.sessions() as session:
                stored = set(session.scalars(select(ArticleRow.canonical_url)).all())
                assert stored == expected
                for report in session.scalars(select(ReportRow)).all():
                    passages = session.scalars(
                        select(PassageRow).where(PassageRow.report_id == report.id)
                    ).all()
                    assert passages
                    for passage in passages:
                        assert report.text[passage.start : passage.end] == passage.text
                outlets = dict(
                    session.execute(select(ArticleRow.canonical_url, ArticleRow.outlet_name)).all()
                )
            for article in site.articles:
                demo_outlet = next(o for o in site.outlets() if o.slug == article.outlet)
                assert outlets[site.url_of(article)] == demo_outlet.name
            assert status.outcomes.get("reprint", 0) >= 1
            assert service.indexes.verify()
            with service.sessions() as session:
                placed = session.execute(
                    select(ArticleRow.canonical_url, ArticleRow.event_id)
                ).all()
            formed: dict[int | None, set[str]] = {}
            for url, event_id in placed:
                formed.setdefault(event_id, set()).add(url)
            truth: dict[str, set[str]] = {}
            for url, event in site.ground_truth().items():
                truth.setdefault(event, set()).add(url)
            assert None not in formed
            assert sorted(map(sorted, formed.values())) == sorted(map(sorted, truth.values()))

            counts = (
                _count(service, ArticleRow),
                _count(service, ReportRow),
                _count(service, PassageRow),
            )
            again = await _finish(service, service.submit_urls(sorted(expected)))
            assert again.outcomes == {"duplicate": len(expected)}
            polled = await _finish(service, service.submit_feeds(slugs))
            assert polled.outcomes == {"polled-nothing-new": len(polled_feeds(service, polled))}
            assert (
                _count(service, ArticleRow),
                _count(service, ReportRow),
                _count(service, PassageRow),
            ) == counts


def polled_feeds(service: IngestService, status: BatchStatus) -> list[int]:
    with service.sessions() as session:
        return list(
            session.scalars(
                select(JobRow.id).where(JobRow.batch_id == status.id, JobRow.kind == "feed")
            ).all()
        )


async def test_a_failing_url_is_recorded_with_its_reason(
    make_settings: Callable[..., Settings], embedder: Embedder
) -> None:
    with DemoSite() as site:
        settings = make_settings()
        async with ingest_service(settings, embedder=embedder, schedule_feeds=False) as service:
            urls = [f"{site.base_url}/no/such/page", *site.private_urls()]
            status = await _finish(service, service.submit_urls(urls))
    assert status.outcomes == {}
    assert status.failures == {"http-status": 1, "robots-disallowed": len(site.private_urls())}


async def test_a_job_run_again_places_the_article_an_interrupted_attempt_stored(
    make_settings: Callable[..., Settings], embedder: Embedder, monkeypatch: pytest.MonkeyPatch
) -> None:
    with DemoSite() as site:
        url = site.article_urls()[0]
        async with ingest_service(
            make_settings(), embedder=embedder, run_workers=False, schedule_feeds=False
        ) as service:
            pipeline = service.pipeline
            with monkeypatch.context() as patch:
                # The attempt dies between storing the article and placing it in its event.
                def died(*_args: object) -> None:
                    raise SystemExit("killed")

                patch.setattr(pipeline, "_place", died)
                with pytest.raises(SystemExit):
                    await pipeline.ingest_url(url)
            with service.sessions() as session:
                [event_id] = session.scalars(select(ArticleRow.event_id)).all()
            assert event_id is None
            result = await pipeline.ingest_url(url)
            with service.sessions() as session:
                [event_id] = session.scalars(select(ArticleRow.event_id)).all()
    assert result.outcome == "duplicate"
    assert event_id is not None
