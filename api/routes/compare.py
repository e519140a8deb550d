"""/compare: one article's view of its event, ingesting the article first when it is new.

The flow: the service resolves the article (stored, or ingested now under `compare_deadline`)
and keys the comparison by (article, event, event version); answer 304 when the caller's ETag
still holds, else compare (behind the comparison gate, cached in memory, mapped to the schemas by
`api.mapping`), and when coverage is thin start a feed refresh and say when to ask again. No
coverage and nothing pending is the `no-coverage` problem. A well-formed GET is read by
`compare_url_plain`, without FastAPI's parameter solving (`api.plain_route`).
"""

from __future__ import annotations

import asyncio
import hashlib
import time
from collections.abc import Coroutine
from typing import Annotated, Any, cast, get_args

from fastapi import APIRouter, Body, Header, Query, Request, Response

from api.answer import AnswerFacts, PreparedAnswer, splice
from api.deps import CallerDep, Runtime, RuntimeDep, api_key_header, authorize, get_runtime
from api.mapping import article_source, comparison_out, pending_out
from api.overload import arrival
from api.plain_route import plain_route
from api.problems import DeadlineExceeded, Unauthorized, problem_responses
from api.schemas import (
    AnswerStatus,
    CompareByText,
    CompareByUrl,
    CompareRequest,
    CompareResponse,
    CompareSummaryResponse,
    Fields,
    MetaOut,
    PendingCoverage,
)
from compare import Comparer, ComparisonKey
from compare.resolve import IngestWork, claimed_url
from core.errors import NoCoverage
from ingest.pipeline import IngestResult, Outcome
from ingest.urls import MAX_URL_LENGTH

router = APIRouter(tags=["compare"], responses=problem_responses(401, 429))

_PASSAGE = {"id": 41, "index": 2, "start": 180, "end": 262, "text": "Some 800 were to leave…"}
_EXAMPLE_ANSWER = {
    "article": {
        "id": 7,
        "url": "https://news.example/world/evacuation",
        "outlet": "Example News",
        "title": "Rescuers evacuated to Jordan",
        "published_at": "2018-07-22T09:00:00Z",
        "language": "en",
        "passages": [_PASSAGE],
    },
    "coverage": [
        {
            "article_id": 9,
            "url": "https://wire.example/2018/07/22/evacuation",
            "outlet": "Example Wire",
            "title": "Israel evacuates 422 to Jordan",
            "published_at": "2018-07-22T08:10:00Z",
            "same_event_confidence": 0.93,
            "wire_copy_of": None,
        }
    ],
    "claims": [
        {
            "id": 3,
            "passage": _PASSAGE,
            "others": [
                {
                    "article_id": 9,
                    "outlet": "Example Wire",
                    "url": "https://wire.example/2018/07/22/evacuation",
                    "passage_id": 88,
                    "start": 0,
                    "end": 64,
                    "text": "Jordan said 422 people had crossed.",
                    "similarity": 0.82,
                }
            ],
        }
    ],
    "divergences": [
        {
            "type": "numeric",
            "confidence": 0.9,
            "passage": _PASSAGE,
            "counterparts": [
                {
                    "article_id": 9,
                    "outlet": "Example Wire",
                    "url": "https://wire.example/2018/07/22/evacuation",
                    "start": 0,
                    "end": 64,
                    "text": "Jordan said 422 people had crossed.",
                }
            ],
            "evidence": {"this": "800", "other": "422"},
            "explanation": "800 planned here; 422 arrived by Jordan's count there.",
        }
    ],
    "summary": {
        "counts": {
            "numeric": 1,
            "contradiction": 0,
            "unique_claim": 0,
            "omission": 0,
            "framing": 0,
            "attribution": 0,
        },
        "agreeing_outlets": [],
        "diverging_outlets": ["Example Wire"],
    },
    "ingested": False,
    "coverage_status": "found",
    "pending": None,
    "meta": {
        "model": "sentence-transformers/all-MiniLM-L6-v2+onnx-int8",
        "index_version": "passages:5120,reports:311",
        "engine": "engine-1",
        "cached": True,
        "timings_ms": {"resolve": 1.2, "compare": 0.1, "total": 2.0},
    },
}
_STRING = {"schema": {"type": "string"}}
_RESPONSES: dict[int | str, dict[str, Any]] = {
    200: {
        "description": "The comparison (`fields=full`) or its light form (`fields=summary`).",
        "headers": {
            "ETag": {"description": "Weak validator; send it back in If-None-Match.", **_STRING},
            "Retry-After": {"description": "Set while more coverage is pending.", **_STRING},
        },
        "content": {"application/json": {"examples": {"full": {"value": _EXAMPLE_ANSWER}}}},
    },
    304: {"description": "The comparison has not changed since the ETag sent."},
    **problem_responses(400, 403, 404, 413, 422, 502, 503, 507),
}
_EXAMPLES = {
    "url": {
        "summary": "By URL (fetched unless stored)",
        "value": {"url": "https://news.example/world/evacuation"},
    },
    "html": {
        "summary": "The page as the browser has it (no fetch to answer; works behind paywalls)",
        "value": {"url": "https://news.example/world/evacuation", "html": "<html>…</html>"},
    },
    "text": {
        "summary": "Plain text",
        "value": {
            "text": "Israel evacuated 422 people to Jordan overnight.\n\nOfficials said…",
            "title": "Evacuation to Jordan",
            "outlet": "dailyledger",
            "published_at": "2018-07-22T09:00:00Z",
        },
    },
}
FieldsQuery = Annotated[
    Fields, Query(description="`summary`: the light form for extensions, under 5 KB.")
]
IF_NONE_MATCH_MAX_LENGTH = 1000
IfNoneMatch = Annotated[str | None, Header(max_length=IF_NONE_MATCH_MAX_LENGTH)]
_FIELDS: frozenset[str] = frozenset(get_args(Fields))


async def compare_url(
    url: Annotated[str, Query(min_length=1, max_length=MAX_URL_LENGTH)],
    http: Request,
    runtime: RuntimeDep,
    _caller: CallerDep,
    fields: FieldsQuery = "full",
    if_none_match: IfNoneMatch = None,
) -> Response:
    return await _answer(
        runtime, CompareByUrl(url=url), fields, if_none_match, _deadline(http, runtime)
    )


async def compare_url_plain(http: Request) -> Response | None:
    """`compare_url` with the parameters and dependencies FastAPI would give it, for a request
    with one valid `url`, at most one valid `fields` and at most one If-None-Match; None (left
    to FastAPI) for any other."""
    urls = http.query_params.getlist("url")
    fields = http.query_params.getlist("fields") or ["full"]
    tags: list[str | None] = [*http.headers.getlist("if-none-match")] or [None]
    if not (
        len(urls) == 1
        and 1 <= len(urls[0]) <= MAX_URL_LENGTH
        and len(fields) == 1
        and fields[0] in _FIELDS
        and len(tags) == 1
        and len(tags[0] or "") <= IF_NONE_MATCH_MAX_LENGTH
    ):
        return None
    runtime = await get_runtime(http)
    caller = await authorize(http, runtime, await api_key_header(http))
    return await compare_url(urls[0], http, runtime, caller, cast(Fields, fields[0]), tags[0])


router.add_api_route(
    "/compare",
    compare_url,
    methods=["GET"],
    summary="Compare the article at a URL",
    response_model=CompareResponse | CompareSummaryResponse,
    responses=_RESPONSES,
    route_class_override=plain_route(compare_url_plain),
)


@router.post(
    "/compare",
    summary="Compare an article given by URL, by URL and HTML, or by text",
    response_model=CompareResponse | CompareSummaryResponse,
    responses=_RESPONSES,
)
async def compare_body(
    body: Annotated[CompareRequest, Body(openapi_examples=_EXAMPLES)],
    http: Request,
    runtime: RuntimeDep,
    caller: CallerDep,
    fields: FieldsQuery = "full",
    if_none_match: IfNoneMatch = None,
) -> Response:
    if isinstance(body, CompareByText) and body.share and not caller.authenticated:
        raise Unauthorized("sharing a pasted text into the archive needs an API key")
    return await _answer(runtime, body, fields, if_none_match, _deadline(http, runtime))


def _deadline(http: Request, runtime: Runtime) -> float:
    return arrival(http.scope) + runtime.settings.compare_deadline


async def _answer(
    runtime: Runtime,
    request: CompareRequest,
    fields: Fields,
    if_none_match: str | None,
    deadline: float,
) -> Response:
    started = time.perf_counter()
    key, ingested = await _locate(runtime, request, deadline)
    located = time.perf_counter()
    engine = runtime.comparer.name
    etag = _etag(engine, key, fields)
    if if_none_match is not None and _etag_matches(if_none_match, etag):
        return Response(status_code=304, headers={"ETag": etag})
    answer = await runtime.cache.get((engine, key))
    cached = answer is not None
    if answer is None:
        async with runtime.compare_gate.slot(deadline):
            answer = await asyncio.to_thread(_prepare, runtime.comparer, key[0])
        await runtime.cache.put((engine, key), answer)
    runtime.metrics.comparisons.labels("hit" if cached else "miss").inc()
    view = answer.view(fields)
    compared = time.perf_counter()
    facts = answer.facts
    pending = await _pending_coverage(runtime, facts)
    total = _ms(time.perf_counter() - started)
    timings = (
        {"resolve": _ms(located - started), "compare": _ms(compared - located), "total": total}
        if fields == "full"
        else {"total": total}
    )
    status = AnswerStatus(
        ingested=ingested,
        coverage_status="pending" if pending is not None else "found",
        pending=pending,
        meta=MetaOut(
            model=facts.model,
            index_version=facts.index_version,
            engine=facts.engine,
            cached=cached,
            timings_ms=timings,
        ),
    )
    headers = {"Retry-After": str(pending.retry_after)} if pending else {"ETag": etag}
    return Response(splice(view, status), media_type="application/json", headers=headers)


def _prepare(comparer: Comparer, article_id: int) -> PreparedAnswer:
    """A new comparison, rendered: a worker thread's job (a full view can run to megabytes)."""
    return PreparedAnswer(comparison_out(comparer.compare(article_id)))


async def _locate(
    runtime: Runtime, request: CompareRequest, deadline: float
) -> tuple[ComparisonKey, bool]:
    """The comparison's key, and whether this request added the article to the archive."""

    async def run(start: IngestWork) -> IngestResult:
        async with runtime.ingest_gate.slot(deadline):
            return await _within_deadline(runtime, start(), deadline)

    source = article_source(request)
    key, result = await runtime.resolver.locate(source, run=run)
    if result is None:
        return key, False
    runtime.metrics.ingests.labels("compare", result.outcome.value).inc()
    added = result.outcome is not Outcome.DUPLICATE
    claimed = claimed_url(source)
    if added and claimed is not None and runtime.settings.verify_submitted_pages:
        await asyncio.to_thread(runtime.ingest.verify_submitted, claimed, result.article_id)
    return key, added


async def _within_deadline(
    runtime: Runtime, work: Coroutine[Any, Any, IngestResult], deadline: float
) -> IngestResult:
    # Shielded: an ingest that outlives the deadline (or a caller who hangs up) still finishes,
    # so asking again finds the article stored.
    task = runtime.background.start(work)
    try:
        async with asyncio.timeout_at(deadline):
            return await asyncio.shield(task)
    except TimeoutError:
        raise DeadlineExceeded(
            "the article is still being ingested "
            f"{runtime.settings.compare_deadline:g} s after the request arrived",
            retry_after=min(runtime.settings.compare_deadline, 30.0),
        ) from None


async def _pending_coverage(runtime: Runtime, facts: AnswerFacts) -> PendingCoverage | None:
    if len(facts.other_outlets) >= runtime.settings.coverage_min_outlets:
        return None
    refresh = await runtime.refresher.request(facts.article_id)
    pending = pending_out(refresh) if refresh is not None else None
    if pending is None and not facts.has_coverage:
        raise NoCoverage(
            "no other outlet's coverage of this article's event was found",
            article_id=facts.article_id,
            article_url=facts.article_url,
        )
    return pending


def _etag(engine: str, key: ComparisonKey, fields: str) -> str:
    article_id, event_id, version = key
    digest = hashlib.sha256(f"{engine}|{article_id}|{event_id}|{version}|{fields}".encode())
    return f'W/"{digest.hexdigest()[:32]}"'


def _etag_matches(header: str, etag: str) -> bool:
    wanted = etag.removeprefix("W/")
    for candidate in header.split(","):
        candidate = candidate.strip()
        if candidate == "*" or candidate.removeprefix("W/") == wanted:
            return True
    return False


def _ms(seconds: float) -> float:
    return round(seconds * 1000, 2)
