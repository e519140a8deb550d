"""The ingest pipeline: URL or text → extract → dedupe → segment → embed → store → index.

Every step is idempotent: a canonical URL already stored is a duplicate, a text already stored
(same content hash) is a reprint of that report, and the store rejects a second row for either
key even when two workers race.
"""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Awaitable, Callable
from concurrent.futures import Executor
from dataclasses import dataclass
from enum import StrEnum
from typing import TypeVar

import numpy as np
import numpy.typing as npt
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, sessionmaker

from core.db.schema import ArticleRow
from core.errors import NotAnArticle
from core.models import ArticleInput, ExtractedArticle, Outlet, PassageSpan
from core.outlets import outlet_for_url
from index.embedder import Embedder
from index.store_vectors import report_day
from index.sync import IndexSet, mean_direction
from ingest.dedupe import NEAR_DUPLICATE_DISTANCE, content_hash, simhash
from ingest.events import EventRecorder
from ingest.extract import extract_article
from ingest.fetch import Fetcher
from ingest.limits import ArticleLimits
from ingest.persist import (
    NewArticle,
    NewReport,
    article_id_for,
    insert_article,
    insert_report,
    near_duplicate_report,
    original_article,
    report_id_for_hash,
)
from ingest.segment import segment
from ingest.urls import canonicalize

MIN_PASSAGES = 1
REPRINT_CANDIDATES = 5
T = TypeVar("T")


class Outcome(StrEnum):
    INGESTED = "ingested"
    DUPLICATE = "duplicate"
    REPRINT = "reprint"


@dataclass(frozen=True, slots=True)
class IngestResult:
    outcome: Outcome
    article_id: int


@dataclass(frozen=True, slots=True)
class _Prepared:
    article: NewArticle
    content_hash: str
    simhash: int
    text: str
    language: str | None


class Pipeline:
    def __init__(
        self,
        *,
        sessions: sessionmaker[Session],
        embedder: Embedder,
        indexes: IndexSet,
        model_id: int,
        outlets: list[Outlet],
        outlet_ids: dict[str, int],
        executor: Executor,
        limits: ArticleLimits,
        fetcher: Fetcher | None = None,
        events: EventRecorder | None = None,
    ) -> None:
        self._sessions = sessions
        self._embedder = embedder
        self._indexes = indexes
        self._model_id = model_id
        # Shared with the service, which adds the outlets a newsroom registers at run time.
        self._outlets = outlets
        self._outlet_ids = outlet_ids
        self._executor = executor
        self._limits = limits
        self._fetcher = fetcher
        self._events = events
        self._embed_lock = threading.Lock()
        self._write_lock = threading.Lock()
        self._inflight: dict[str, asyncio.Future[IngestResult]] = {}

    async def _blocking(self, function: Callable[..., T], *args: object) -> T:
        loop = asyncio.get_running_loop()
        return await loop.run_in_executor(self._executor, function, *args)

    async def _single_flight(
        self, key: str, work: Callable[[], Awaitable[IngestResult]]
    ) -> IngestResult:
        """Concurrent requests for one URL share one ingest."""
        running = self._inflight.get(key)
        if running is not None:
            return await asyncio.shield(running)
        future: asyncio.Future[IngestResult] = asyncio.get_running_loop().create_future()
        self._inflight[key] = future
        try:
            result = await work()
        except BaseException as error:
            future.set_exception(error)
            future.exception()
            raise
        else:
            future.set_result(result)
            return result
        finally:
            del self._inflight[key]

    async def ingest_url(self, url: str, *, outlet: str | None = None) -> IngestResult:
        canonical = canonicalize(url)
        return await self._single_flight(canonical, lambda: self._ingest_url(url, outlet))

    async def _ingest_url(self, url: str, outlet: str | None) -> IngestResult:
        known = await self._blocking(self._article_id, canonicalize(url))
        if known is not None:
            await self._blocking(self._finish_placing, known)
            return IngestResult(Outcome.DUPLICATE, known)
        if self._fetcher is None:
            raise RuntimeError("this pipeline was built without a fetcher")
        page = await self._fetcher.fetch(url)
        return await self.ingest_html(page.final_url, page.text, outlet=outlet, requested_url=url)

    async def ingest_html(
        self,
        url: str,
        html: str,
        *,
        outlet: str | None = None,
        requested_url: str | None = None,
        private_url: str | None = None,
    ) -> IngestResult:
        """Ingest a page. With `private_url` the page is a caller's, not fetched by the service:
        it is stored under that URL, unverified, and never as the outlet's article."""
        extracted = await self._blocking(extract_article, html, url)
        self._limits.check_text(extracted.text, url=requested_url or url)
        prepared = self._prepare_extracted(extracted, requested_url or url, outlet, private_url)
        if private_url is None:
            return await self._store(prepared)
        return await self._single_flight(private_url, lambda: self._store(prepared))

    async def ingest_input(
        self, item: ArticleInput, *, private_url: str | None = None
    ) -> IngestResult:
        """Ingest an article given as text; `private_url` as for `ingest_html`."""
        # NUL is refused by PostgreSQL text columns and never part of an article.
        text = item.text.replace("\x00", "")
        self._limits.check_text(text, url=item.url)
        canonical = private_url or canonicalize(item.url)
        article = NewArticle(
            canonical_url=canonical,
            url=item.url,
            outlet_id=self._outlet_id(item.outlet, item.url),
            outlet_name=self._outlet_name(item.outlet, item.url),
            title=item.title,
            authors=item.authors,
            site_name=item.outlet,
            language=item.language,
            published_at=item.published_at,
            extra=dict(item.extra),
            verified=private_url is None,
        )
        prepared = _Prepared(article, content_hash(text), simhash(text), text, item.language)
        return await self._single_flight(canonical, lambda: self._store(prepared))

    def _prepare_extracted(
        self,
        extracted: ExtractedArticle,
        requested_url: str,
        outlet: str | None,
        private_url: str | None = None,
    ) -> _Prepared:
        article = NewArticle(
            canonical_url=private_url or extracted.canonical_url,
            url=requested_url,
            outlet_id=self._outlet_id(outlet, extracted.canonical_url),
            outlet_name=self._outlet_name(outlet, extracted.canonical_url, extracted.site_name),
            title=extracted.title,
            authors=extracted.authors,
            site_name=extracted.site_name,
            language=extracted.language,
            published_at=extracted.published_at,
            extra={},
            verified=private_url is None,
        )
        return _Prepared(
            article,
            content_hash(extracted.text),
            simhash(extracted.text),
            extracted.text,
            extracted.language,
        )

    def follow_outlet(self, outlet: Outlet, outlet_id: int) -> None:
        """Attribute this outlet's articles to it from now on."""
        self._outlet_ids[outlet.slug] = outlet_id
        self._outlets.append(outlet)

    def _outlet(self, slug: str | None, url: str) -> Outlet | None:
        if slug:
            for outlet in self._outlets:
                if outlet.slug == slug or outlet.name == slug:
                    return outlet
        return outlet_for_url(self._outlets, url)

    def _outlet_id(self, slug: str | None, url: str) -> int | None:
        outlet = self._outlet(slug, url)
        return self._outlet_ids.get(outlet.slug) if outlet else None

    def _outlet_name(self, slug: str | None, url: str, site_name: str | None = None) -> str:
        outlet = self._outlet(slug, url)
        if outlet is not None:
            return outlet.name
        return slug or site_name or ""

    def _article_id(self, canonical_url: str) -> int | None:
        with self._sessions() as session:
            return article_id_for(session, canonical_url)

    async def _store(self, prepared: _Prepared) -> IngestResult:
        known = await self._blocking(self._article_id, prepared.article.canonical_url)
        if known is not None:
            await self._blocking(self._finish_placing, known)
            return IngestResult(Outcome.DUPLICATE, known)
        existing_report = await self._blocking(self._report_for_hash, prepared.content_hash)
        if existing_report is not None:
            article_id = await self._blocking(self._write_article, prepared, existing_report)
            result = IngestResult(Outcome.REPRINT, article_id)
            await self._blocking(self._place, result, prepared, None)
            return result
        passages, vectors = await self._blocking(self._segment_and_embed, prepared)
        result = await self._blocking(self._write_new_report, prepared, passages, vectors)
        await self._blocking(self._place, result, prepared, vectors)
        return result

    def _place(
        self,
        result: IngestResult,
        prepared: _Prepared,
        vectors: npt.NDArray[np.float32] | None,
    ) -> None:
        """Put a newly stored article into its event."""
        if self._events is None or result.outcome is Outcome.DUPLICATE:
            return
        original = None
        if result.outcome is Outcome.REPRINT:
            with self._sessions() as session:
                report_id = session.scalar(
                    select(ArticleRow.report_id).where(ArticleRow.id == result.article_id)
                )
                if report_id is not None:
                    original = original_article(session, report_id, result.article_id)
        if vectors is None:
            self._events.record_stored(result.article_id, wire_copy_of=original)
            return
        features = self._events.features(
            article_id=result.article_id,
            text=prepared.text,
            title=prepared.article.title,
            passage_vectors=vectors,
            outlet=prepared.article.outlet_name or None,
            published_at=prepared.article.published_at,
        )
        if prepared.article.verified:
            self._events.record(features, wire_copy_of=original)
        else:
            self._events.attach_unverified(features)

    def _finish_placing(self, article_id: int) -> None:
        """Place a stored article an interrupted attempt left without its event: a job run
        again after its worker died between storing the article and placing it."""
        if self._events is None:
            return
        with self._sessions() as session:
            row = session.execute(
                select(ArticleRow.event_id).where(
                    ArticleRow.id == article_id,
                    ArticleRow.verified.is_(True),
                    ArticleRow.quarantined.is_(False),
                )
            ).one_or_none()
        if row is not None and row.event_id is None:
            self._events.record_stored(article_id)

    def reattach_unverified(self, article_id: int) -> None:
        """Blocking: a caller's page asked for again reads the coverage stored since."""
        if self._events is not None:
            self._events.reattach_unverified(article_id)

    def _report_for_hash(self, digest: str) -> int | None:
        with self._sessions() as session:
            return report_id_for_hash(session, digest)

    def _segment_and_embed(
        self, prepared: _Prepared
    ) -> tuple[list[PassageSpan], npt.NDArray[np.float32]]:
        passages = segment(prepared.text, max_chars=self._limits.max_passage_chars)
        if len(passages) < MIN_PASSAGES:
            raise NotAnArticle("no passages could be segmented from the text")
        self._limits.check_passages(passages, url=prepared.article.url)
        with self._embed_lock:
            vectors = self._embedder.encode([passage.text for passage in passages])
        return passages, vectors

    def _write_article(self, prepared: _Prepared, report_id: int) -> int:
        with self._write_lock:
            try:
                with self._sessions.begin() as session:
                    return insert_article(session, prepared.article, report_id)
            except IntegrityError:
                return self._existing_after_race(prepared)

    def _write_new_report(
        self,
        prepared: _Prepared,
        passages: list[PassageSpan],
        vectors: npt.NDArray[np.float32],
    ) -> IngestResult:
        report_vector = mean_direction(vectors)
        with self._write_lock:
            try:
                with self._sessions.begin() as session:
                    original = near_duplicate_report(
                        session,
                        prepared.simhash,
                        self._similar_reports(report_vector),
                        NEAR_DUPLICATE_DISTANCE,
                        [passage.text for passage in passages],
                    )
                    stored = insert_report(
                        session,
                        NewReport(
                            content_hash=prepared.content_hash,
                            simhash=prepared.simhash,
                            text=prepared.text,
                            language=prepared.language,
                            passages=passages,
                            passage_vectors=vectors,
                            report_vector=report_vector,
                            near_duplicate_of=original,
                        ),
                        self._model_id,
                    )
                    article_id = insert_article(session, prepared.article, stored.report_id)
            except IntegrityError:
                return IngestResult(Outcome.DUPLICATE, self._existing_after_race(prepared))
            self._indexes.add(
                np.asarray(stored.passage_ids, dtype=np.int64),
                vectors,
                np.asarray([stored.report_id], dtype=np.int64),
                report_vector[np.newaxis, :],
                report_day(prepared.article.published_at, stored.stored_at),
            )
        outcome = Outcome.REPRINT if original is not None else Outcome.INGESTED
        return IngestResult(outcome, article_id)

    def _similar_reports(self, vector: npt.NDArray[np.float32]) -> list[int]:
        scores, ids = self._indexes.reports.search(vector[np.newaxis, :], REPRINT_CANDIDATES)
        return [int(i) for s, i in zip(scores[0], ids[0], strict=True) if i >= 0 and s >= 0.9]

    def _existing_after_race(self, prepared: _Prepared) -> int:
        known = self._article_id(prepared.article.canonical_url)
        if known is not None:
            return known
        report_id = self._report_for_hash(prepared.content_hash)
        if report_id is None:
            raise RuntimeError("a unique key conflicted but neither row exists")
        with self._sessions.begin() as session:
            return insert_article(session, prepared.article, report_id)
