"""Finding the article a comparison is about: stored already, or ingested now.

`/compare` and `parallax coverage` resolve the same way: the URL passes the SSRF policy first,
then the store is asked by canonical URL, and only a new article is fetched (or read from the
page or text the caller sent) and ingested.
"""

from __future__ import annotations

import asyncio
import hashlib
from collections.abc import Awaitable, Callable, Coroutine
from typing import Any

from api.queries import article_id_for_url
from api.schemas import CompareByHtml, CompareByText, CompareRequest
from core.models import ArticleInput
from ingest.pipeline import IngestResult
from ingest.service import IngestService

__all__ = ["PASTED_TEXT_HOST", "IngestWork", "article_url", "resolve_article"]

PASTED_TEXT_HOST = "https://pasted.parallax.invalid/"

IngestWork = Callable[[], Coroutine[Any, Any, IngestResult]]
"""Starts the ingest of a new article; called only once the caller is ready to run it."""


async def _run(start: IngestWork) -> IngestResult:
    return await start()


async def resolve_article(
    service: IngestService,
    request: CompareRequest,
    *,
    run: Callable[[IngestWork], Awaitable[IngestResult]] = _run,
) -> tuple[int, IngestResult | None]:
    """The article's id, and the ingest result when it was not stored yet.

    `run` runs the ingest (the API adds its queue limit and deadline). Raises InvalidURL or
    RefusedAddress before anything is looked up or fetched.
    """
    url = article_url(service, request)
    known = await asyncio.to_thread(article_id_for_url, service.sessions, url)
    if known is not None:
        return known, None
    result = await run(lambda: _ingest(service, request, url))
    return result.article_id, result


def article_url(service: IngestService, request: CompareRequest) -> str:
    """The URL the article is stored under; raises InvalidURL or RefusedAddress for a URL that
    may not be fetched."""
    if isinstance(request, CompareByText) and request.url is None:
        return _pasted_text_url(request.text)
    url = str(request.url)
    service.fetcher.policy.check_url(url)
    return url


def _ingest(
    service: IngestService, request: CompareRequest, url: str
) -> Coroutine[Any, Any, IngestResult]:
    if isinstance(request, CompareByText):
        item = ArticleInput(
            url=url,
            text=request.text,
            title=request.title,
            outlet=request.outlet,
            published_at=request.published_at,
        )
        return service.pipeline.ingest_input(item)
    if isinstance(request, CompareByHtml):
        return service.pipeline.ingest_html(url, request.html)
    return service.pipeline.ingest_url(url)


def _pasted_text_url(text: str) -> str:
    """A stable URL for text posted without one (the reserved .invalid TLD: never fetched)."""
    return PASTED_TEXT_HOST + hashlib.sha256(text.encode("utf-8")).hexdigest()[:32]
