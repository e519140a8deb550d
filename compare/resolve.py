"""Finding the article a comparison is about: stored already, or ingested now.

`/compare` and `parallax coverage` resolve the same way: the URL passes the SSRF policy first,
then the store is asked by canonical URL, and only a new article is fetched (or read from the
page or text the caller sent) and ingested.

Only what the service fetched itself is stored under an outlet's URL. A page or text a caller
sends is kept under a private URL of its own (the claimed URL and the content, hashed), marked
unverified: it serves that caller's comparison, and anyone sending the same page again, but is
no one else's coverage. The outlet's article comes when the service fetches the URL itself, which
`/compare` asks for in the background once it has the page (`IngestService.verify_submitted`).
"""

from __future__ import annotations

import asyncio
import hashlib
from collections.abc import Awaitable, Callable, Coroutine
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy.orm import Session, sessionmaker

from compare.key_memo import KeyMemo
from compare.keys import ComparisonKeys, article_id_for_url
from compare.model import ComparisonKey
from core.errors import ParallaxError, RefusedAddress
from core.models import ArticleInput
from ingest.jobs import record_failure
from ingest.pipeline import IngestResult, Pipeline
from ingest.service import IngestService
from ingest.ssrf import AddressPolicy
from ingest.urls import canonicalize

__all__ = [
    "PASTED_TEXT_HOST",
    "SUBMITTED_HOST",
    "ArticleSource",
    "FromPage",
    "FromText",
    "FromUrl",
    "IngestWork",
    "Resolver",
    "claimed_url",
    "private_url",
]

PASTED_TEXT_HOST = "https://pasted.parallax.invalid/"
SUBMITTED_HOST = "https://submitted.parallax.invalid/"
FAILURE_STAGE = "compare"


@dataclass(frozen=True, slots=True)
class FromUrl:
    """The article at a URL, fetched unless stored."""

    url: str


@dataclass(frozen=True, slots=True)
class FromPage:
    """The page as the reader's browser has it: the comparison fetches nothing."""

    url: str
    html: str


@dataclass(frozen=True, slots=True)
class FromText:
    """The article's text; without a URL a stable one is made from the text. `shared` puts it in
    the archive as any other article (for callers allowed to), else it stays unverified."""

    text: str
    title: str = ""
    outlet: str | None = None
    published_at: datetime | None = None
    url: str | None = None
    shared: bool = False


ArticleSource = FromUrl | FromPage | FromText

IngestWork = Callable[[], Coroutine[Any, Any, IngestResult]]
"""Starts the ingest of a new article; called only once the caller is ready to run it."""

IngestRunner = Callable[[IngestWork], Awaitable[IngestResult]]


async def _run(start: IngestWork) -> IngestResult:
    return await start()


class Resolver:
    """Resolves article sources against the store, ingesting new articles; comparison keys
    come from `memo` where it holds them (it must be told every change the process sees)."""

    def __init__(
        self,
        policy: AddressPolicy,
        sessions: sessionmaker[Session],
        pipeline: Pipeline,
        *,
        memo: KeyMemo | None = None,
    ) -> None:
        self._policy = policy
        self._sessions = sessions
        self._pipeline = pipeline
        self._keys = ComparisonKeys(sessions, memo)

    @classmethod
    def of(cls, service: IngestService, *, memo: KeyMemo | None = None) -> Resolver:
        """The service's resolver; a `memo` is kept current by the changes its event recorder
        writes and follows."""
        if memo is not None:
            service.events.watch(memo.forget)
        return cls(service.fetcher.policy, service.sessions, service.pipeline, memo=memo)

    def url(self, source: ArticleSource) -> str:
        """The URL the article is stored under; raises InvalidURL or RefusedAddress for a URL
        that may not be fetched."""
        if isinstance(source, FromText) and source.url is None:
            return _pasted_text_url(source.text)
        assert source.url is not None
        self._policy.check_url(source.url)
        return source.url

    def _lookup_url(self, source: ArticleSource) -> tuple[str, RefusedAddress | None]:
        """The URL to look the article up under, and the refusal to raise if it is not stored:
        a lookup fetches nothing, so a stored article of a host that may not be fetched (one
        ingested while that host was allowed) is still found, as `parallax ingest` finds it."""
        try:
            return self.url(source), None
        except RefusedAddress as refusal:
            assert source.url is not None
            return source.url, refusal

    async def resolve(
        self, source: ArticleSource, *, run: IngestRunner = _run
    ) -> tuple[int, IngestResult | None]:
        """The article's id, and the ingest result when it was not stored yet.

        `run` runs the ingest (the API adds its queue limit and deadline). Raises InvalidURL
        before anything is looked up, and RefusedAddress before anything is fetched.
        """
        url, refused = self._lookup_url(source)
        for stored_under in _lookups(source, url):
            known = await asyncio.to_thread(article_id_for_url, self._sessions, stored_under)
            if known is not None:
                return known, None
        if refused is not None:
            raise refused
        try:
            result = await run(lambda: self._ingest(source, url))
        except ParallaxError as error:
            await asyncio.to_thread(
                record_failure, self._sessions, error, url=url, stage=FAILURE_STAGE
            )
            raise
        return result.article_id, result

    async def locate(
        self, source: ArticleSource, *, run: IngestRunner = _run
    ) -> tuple[ComparisonKey, IngestResult | None]:
        """The comparison's key, and the ingest result when the article was new. A stored
        article costs one store lookup, or none when the key is remembered."""
        url, refused = self._lookup_url(source)
        private = private_url(source)
        for stored_under in _lookups(source, url):
            key = self._keys.remembered(stored_under)
            if key is None:
                key = await asyncio.to_thread(self._keys.stored, stored_under)
            if key is not None and stored_under == private:
                await asyncio.to_thread(self._pipeline.reattach_unverified, key[0])
                key = await asyncio.to_thread(self._keys.stored, stored_under)
            if key is not None:
                return key, None
        if refused is not None:
            raise refused
        article_id, result = await self.resolve(source, run=run)
        return await asyncio.to_thread(self._keys.of_article, article_id), result

    def _ingest(self, source: ArticleSource, url: str) -> Coroutine[Any, Any, IngestResult]:
        if isinstance(source, FromText):
            item = ArticleInput(
                url=url,
                text=source.text,
                title=source.title,
                outlet=source.outlet,
                published_at=source.published_at,
            )
            return self._pipeline.ingest_input(item, private_url=private_url(source))
        if isinstance(source, FromPage):
            return self._pipeline.ingest_html(url, source.html, private_url=private_url(source))
        return self._pipeline.ingest_url(url)


def private_url(source: ArticleSource) -> str | None:
    """Where a caller's page or text is kept, unverified; None for what may be the outlet's."""
    if isinstance(source, FromUrl) or (isinstance(source, FromText) and source.shared):
        return None
    if source.url is None:
        return _pasted_text_url(source.text)
    body = source.html if isinstance(source, FromPage) else source.text
    claimed = canonicalize(source.url).encode("utf-8")
    digest = hashlib.sha256(claimed + b"\n" + body.encode("utf-8", "surrogatepass"))
    return SUBMITTED_HOST + digest.hexdigest()[:32]


def claimed_url(source: ArticleSource) -> str | None:
    """The outlet's URL a caller's private page or text claims to be from; None otherwise."""
    if private_url(source) is None or source.url is None:
        return None
    return source.url


def _lookups(source: ArticleSource, url: str) -> list[str]:
    """Where a stored copy may be: the outlet's article at the URL first, then the caller's."""
    private = private_url(source)
    return [url] if private is None or private == url else [url, private]


def _pasted_text_url(text: str) -> str:
    """A stable URL for text posted without one (the reserved .invalid TLD: never fetched)."""
    return PASTED_TEXT_HOST + hashlib.sha256(text.encode("utf-8")).hexdigest()[:32]
