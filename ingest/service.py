"""Assembles the ingest side from settings: store, model, indexes, fetcher, pipeline, workers."""

from __future__ import annotations

import asyncio
import logging
import os
from collections.abc import AsyncIterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from contextlib import asynccontextmanager
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Engine, select
from sqlalchemy.orm import Session, sessionmaker

from comparison.entities import load_entity_extractor
from comparison.event_index import EventIndex
from core.config import Settings
from core.db.changes import latest_change
from core.db.engine import open_store
from core.db.schema import ArticleRow
from core.errors import NotFound
from core.models import ArticleInput, Outlet
from core.outlets import load_registry
from core.startup import StartupProgress
from index.backfill import embed_missing
from index.embedder import Embedder, load_embedder
from index.sync import IndexSet, get_or_create_model
from ingest.events import EventRecorder
from ingest.feed_poller import FeedPoller
from ingest.fetch import Fetcher
from ingest.follow import ChangeFollower
from ingest.jobs import BatchStatus, Job, JobFailure, JobQueue
from ingest.limits import ArticleLimits
from ingest.outlet_store import add_outlet, added_outlets, store_registry
from ingest.periodic import PeriodicWork
from ingest.pipeline import Pipeline
from ingest.quarantine import quarantine_over_caps
from ingest.scheduler import FeedScheduler
from ingest.urls import canonicalize
from ingest.verify import same_text
from ingest.worker import Dispatcher, JobResult, JobRunner, RetryPolicy, WorkerPool

log = logging.getLogger(__name__)


def article_payload(item: ArticleInput) -> dict[str, Any]:
    return {
        "url": item.url,
        "text": item.text,
        "title": item.title,
        "outlet": item.outlet,
        "published_at": item.published_at.isoformat() if item.published_at else None,
        "authors": list(item.authors),
        "language": item.language,
        "extra": dict(item.extra),
    }


def article_from_payload(payload: dict[str, Any]) -> ArticleInput:
    published = payload.get("published_at")
    return ArticleInput(
        url=str(payload["url"]),
        text=str(payload["text"]),
        title=str(payload.get("title") or ""),
        outlet=payload.get("outlet"),
        published_at=datetime.fromisoformat(published) if published else None,
        authors=tuple(payload.get("authors") or ()),
        language=payload.get("language"),
        extra=dict(payload.get("extra") or {}),
    )


MAX_FAILURES_LISTED = 500


@dataclass(frozen=True, slots=True)
class Batch:
    """A submitted batch of jobs: its id (follow it as a job) and how many jobs were queued."""

    id: int
    queued: int


@dataclass(frozen=True, slots=True)
class JobReport:
    status: BatchStatus
    failures: tuple[JobFailure, ...]


@dataclass
class IngestService:
    settings: Settings
    engine: Engine
    sessions: sessionmaker[Session]
    embedder: Embedder
    indexes: IndexSet
    events: EventRecorder
    outlets: list[Outlet]
    fetcher: Fetcher
    pipeline: Pipeline
    queue: JobQueue
    poller: FeedPoller
    workers: Dispatcher
    runner: JobRunner
    scheduler: FeedScheduler

    async def handle(self, job: Job) -> JobResult:
        if job.kind == "url":
            result = await self.pipeline.ingest_url(
                str(job.payload["url"]), outlet=job.payload.get("outlet")
            )
            return JobResult(result.outcome.value, result.article_id)
        if job.kind == "article":
            result = await self.pipeline.ingest_input(article_from_payload(job.payload))
            return JobResult(result.outcome.value, result.article_id)
        if job.kind == "verify":
            return await self.verify(str(job.payload["url"]), int(job.payload["submitted"]))
        if job.kind == "feed":
            found = await self.discover(int(job.payload["feed_id"]), job.batch_id)
            return JobResult("polled" if found else "polled-nothing-new")
        raise ValueError(f"unknown job kind {job.kind!r}")

    async def discover(self, feed_id: int, batch_id: int | None) -> int:
        """Poll a feed and queue its entries that are not stored yet."""
        slug, entries = await self.poller.poll(feed_id)
        with self.sessions() as session:
            known = set(
                session.scalars(
                    select(ArticleRow.canonical_url).where(
                        ArticleRow.canonical_url.in_([canonicalize(e.url) for e in entries])
                    )
                ).all()
            )
        fresh = [entry for entry in entries if canonicalize(entry.url) not in known]
        items = [(canonicalize(e.url), {"url": e.url, "outlet": slug}) for e in fresh]
        if batch_id is not None:
            added = self.queue.enqueue_ids(batch_id, "url", items)
        else:
            unique = (self.queue.enqueue_unique("url", key, payload) for key, payload in items)
            added = [job_id for job_id in unique if job_id is not None]
        self.workers.publish(added)
        return len(added)

    async def run_job_id(self, job_id: int) -> None:
        """Run the job a broker's message names, if it is still this worker's to run."""
        job = await asyncio.to_thread(self.queue.claim_id, job_id)
        if job is not None:
            await self.runner.run(job)

    async def verify(self, url: str, submitted_id: int) -> JobResult:
        """Fetch a submitted page's URL: what the service fetched becomes the outlet's article,
        and the outcome says whether the caller's copy had the same text."""
        result = await self.pipeline.ingest_url(url)
        same = await asyncio.to_thread(same_text, self.sessions, result.article_id, submitted_id)
        if not same:
            log.warning("the page submitted for %s differs from the outlet's page", url)
        outcome = "matches-submitted" if same else "differs-from-submitted"
        return JobResult(outcome, result.article_id)

    def verify_submitted(self, url: str, submitted_id: int) -> bool:
        """Queue the fetch that verifies a page a caller sent (once while one is pending)."""
        payload = {"url": url, "submitted": submitted_id}
        job_id = self.queue.enqueue_unique("verify", canonicalize(url), payload)
        if job_id is None:
            return False
        self.workers.publish([job_id])
        return True

    @property
    def model_name(self) -> str:
        return self.embedder.name

    def pending_jobs(self) -> int:
        return self.queue.pending_count()

    def check_url(self, url: str) -> None:
        """Raises InvalidURL or RefusedAddress for a URL the fetcher may not fetch."""
        self.fetcher.policy.check_url(url)

    def add_outlet(self, outlet: Outlet) -> Outlet:
        """Follow a new outlet from now on, and at every start. Its homepage domains and feeds
        pass the fetcher's address checks first (InvalidURL, RefusedAddress); AlreadyExists
        for a slug or feed already followed."""
        for url in outlet.feeds:
            self.check_url(url)
        with self.sessions.begin() as session:
            outlet_id = add_outlet(session, outlet)
        self.pipeline.follow_outlet(outlet, outlet_id)
        return outlet

    def outlet_slugs(self) -> frozenset[str]:
        return frozenset(outlet.slug for outlet in self.outlets)

    def submit_urls(self, urls: Sequence[str], kind: str = "urls") -> Batch:
        items = [(canonicalize(url), {"url": url}) for url in urls]
        return self._submit(kind, "url", items)

    def submit_articles(self, items: Sequence[ArticleInput]) -> Batch:
        jobs = [(canonicalize(item.url), article_payload(item)) for item in items]
        return self._submit("articles", "article", jobs)

    def submit_feeds(self, outlet_slugs: Sequence[str] = ()) -> Batch:
        """A batch polling the feeds of `outlet_slugs` (every feed when empty)."""
        feed_ids = self.poller.feed_ids(outlet_slugs)
        items = [(f"feed:{feed_id}", {"feed_id": feed_id}) for feed_id in feed_ids]
        return self._submit("feeds", "feed", items)

    def refresh_feeds(self) -> Batch | None:
        """A batch polling every feed, or None when no feed is configured."""
        return self.submit_feeds() if self.poller.feed_ids() else None

    def _submit(
        self, batch_kind: str, job_kind: str, items: list[tuple[str, dict[str, Any]]]
    ) -> Batch:
        # Stored first, then published: a broker that loses the message loses no job.
        batch, job_ids = self.queue.submit(batch_kind, job_kind, items)
        self.workers.publish(job_ids)
        return Batch(batch, len(job_ids))

    def batch_finished(self, batch_id: int) -> bool:
        """Whether the batch has no job queued or running (an unknown batch has none)."""
        status = self.queue.batch_status(batch_id)
        return status is None or status.finished

    def job(self, batch_id: int) -> JobReport:
        """A batch's progress and its first failures; raises NotFound for an unknown batch."""
        status = self.queue.batch_status(batch_id)
        if status is None:
            raise NotFound(f"no job {batch_id}")
        return JobReport(status, tuple(self.queue.batch_failures(batch_id, MAX_FAILURES_LISTED)))


def _cap_threads(settings: Settings) -> None:
    for variable in ("OMP_NUM_THREADS", "MKL_NUM_THREADS", "OPENBLAS_NUM_THREADS"):
        os.environ.setdefault(variable, str(settings.torch_threads))


@dataclass(frozen=True, slots=True)
class _Opened:
    """What startup's blocking steps build: the store, the model, the indexes and the events."""

    engine: Engine
    sessions: sessionmaker[Session]
    limits: ArticleLimits
    model: Embedder
    indexes: IndexSet
    outlets: list[Outlet]
    outlet_ids: dict[str, int]
    events: EventRecorder


def _open(
    settings: Settings,
    embedder: Embedder | None,
    extra_outlets: Sequence[Outlet],
    include_registry: bool,
    progress: StartupProgress,
) -> _Opened:
    """Startup's blocking steps, each reported to `progress`; the store is closed again if one
    fails or the server stops meanwhile."""
    _cap_threads(settings)
    progress.begin("opening the store")
    engine, sessions = open_store(settings)
    try:
        limits = ArticleLimits.of(settings)
        progress.begin("quarantining articles over the caps")
        quarantine_over_caps(sessions, limits)
        progress.begin("loading the embedding model")
        model = embedder or load_embedder(settings)
        with sessions.begin() as session:
            model_id = get_or_create_model(session, model.name, model.dimension)
        embed_missing(sessions, model, model_id, progress)
        # Read before the indexes load: whatever is stored meanwhile, the first catch-up adds.
        with sessions() as session:
            mark = latest_change(session)
        indexes = IndexSet.open(settings, sessions, model.name, model.dimension, progress)
        progress.begin("loading the outlets")
        registry = (
            load_registry(settings.outlets_file, max_feeds=settings.max_outlet_feeds)
            if include_registry
            else []
        )
        outlets = [*registry, *extra_outlets]
        with sessions.begin() as session:
            outlet_ids = store_registry(session, outlets)
            outlets += added_outlets(session, {outlet.slug for outlet in outlets})
        events = EventRecorder(
            sessions=sessions,
            embedder=model,
            entities=load_entity_extractor("regex"),
            model_id=indexes.model_id,
            index=EventIndex(
                dimension=model.dimension,
                model_name=model.name,
                window_days=settings.event_window_days,
            ),
            indexes=indexes,
        )
        events.restore(progress, mark=mark)
    except BaseException:
        engine.dispose()
        raise
    return _Opened(engine, sessions, limits, model, indexes, outlets, outlet_ids, events)


def _dispatcher(settings: Settings, queue: JobQueue, runner: JobRunner) -> Dispatcher:
    """The broker's queue when one is configured, else this process's own workers."""
    dispatcher: Dispatcher
    if settings.broker_url:
        from ingest.broker import BrokerDispatcher

        dispatcher = BrokerDispatcher(settings, queue)
    else:
        dispatcher = WorkerPool(queue, workers=settings.ingest_workers, runner=runner)
    runner.retry_through(dispatcher)
    return dispatcher


@asynccontextmanager
async def ingest_service(
    settings: Settings,
    *,
    embedder: Embedder | None = None,
    extra_outlets: Sequence[Outlet] = (),
    run_workers: bool = True,
    schedule_feeds: bool | None = None,
    include_registry: bool = True,
    progress: StartupProgress | None = None,
) -> AsyncIterator[IngestService]:
    """The running ingest side; workers and the feed scheduler stop when the block exits.

    Startup's blocking steps run in a thread, reporting to `progress`, so the event loop stays
    free to answer meanwhile."""
    progress = progress or StartupProgress()
    opened = await asyncio.to_thread(
        _open, settings, embedder, extra_outlets, include_registry, progress
    )
    sessions, indexes = opened.sessions, opened.indexes
    events = opened.events

    def follow() -> None:
        events.follow()
        indexes.refresh()

    follower = ChangeFollower(follow, settings.event_follow_interval)
    # A full or failing disk: the days stay marked and the next publish tries again.
    publisher = PeriodicWork(
        "shard-publisher",
        indexes.save,
        settings.index_publish_interval,
        passing=(OSError,),
        failed="publishing the index shards failed",
    )
    progress.begin("starting the ingest workers")
    executor = ThreadPoolExecutor(max_workers=settings.ingest_workers + 2)
    queue = JobQueue(sessions, lease_seconds=settings.job_lease_seconds)
    try:
        async with Fetcher(settings) as fetcher:
            pipeline = Pipeline(
                sessions=sessions,
                embedder=opened.model,
                indexes=indexes,
                model_id=indexes.model_id,
                outlets=opened.outlets,
                outlet_ids=opened.outlet_ids,
                executor=executor,
                limits=opened.limits,
                fetcher=fetcher,
                events=opened.events,
            )
            poller = FeedPoller(
                sessions,
                fetcher,
                interval=settings.feed_poll_interval,
                max_backoff=settings.feed_max_backoff,
            )
            runner = JobRunner(
                queue,
                policy=RetryPolicy(
                    max_attempts=settings.job_max_attempts,
                    backoff=settings.job_retry_backoff,
                    max_backoff=settings.job_retry_max_backoff,
                ),
                timeout=settings.job_lease_seconds,
            )
            workers = _dispatcher(settings, queue, runner)
            service = IngestService(
                settings=settings,
                engine=opened.engine,
                sessions=sessions,
                embedder=opened.model,
                indexes=indexes,
                events=opened.events,
                outlets=opened.outlets,
                fetcher=fetcher,
                pipeline=pipeline,
                queue=queue,
                poller=poller,
                workers=workers,
                runner=runner,
                scheduler=FeedScheduler(poller, queue, workers),
            )
            for kind in ("url", "article", "feed", "verify"):
                runner.register(kind, service.handle)
            follower.start()
            if not settings.index_read_only:
                publisher.start()
            if run_workers:
                service.workers.start()
                if settings.scheduler_enabled if schedule_feeds is None else schedule_feeds:
                    service.scheduler.start()
            try:
                yield service
            finally:
                await follower.stop()
                await publisher.stop()
                await service.scheduler.stop()
                await service.workers.stop()
                indexes.save()
                indexes.close()
    finally:
        executor.shutdown(wait=True)
        opened.engine.dispose()
