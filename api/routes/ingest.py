"""Submitting articles and feeds for ingest, and following the job."""

from __future__ import annotations

import asyncio
from typing import Annotated

from fastapi import APIRouter, Body, Path, Response

from api.deps import CallerDep, IngestDep, RuntimeDep
from api.mapping import job_out
from api.problems import problem_responses
from api.schemas import IngestFeeds, IngestRequest, IngestUrls, JobAccepted, JobOut
from core.errors import InvalidInput, PayloadTooLarge

router = APIRouter(tags=["ingest"], responses=problem_responses(401, 429))

_EXAMPLES = {
    "urls": {"summary": "Article URLs", "value": {"urls": ["https://news.example/world/a"]}},
    "feeds": {"summary": "Poll outlets' feeds", "value": {"feeds": ["dailyledger"]}},
}


@router.post(
    "/ingest",
    status_code=202,
    summary="Queue article URLs, or a poll of outlets' feeds; answers with a job to follow",
    responses=problem_responses(400, 403, 413, 422, 503, 507),
)
async def ingest(
    body: Annotated[IngestRequest, Body(openapi_examples=_EXAMPLES)],
    runtime: RuntimeDep,
    response: Response,
    _caller: CallerDep,
) -> JobAccepted:
    service = runtime.ingest
    if isinstance(body, IngestUrls):
        cap = runtime.settings.max_ingest_urls
        if len(body.urls) > cap:
            raise PayloadTooLarge(
                f"{len(body.urls)} URLs in one request; at most {cap} are accepted", limit=cap
            )
        for url in body.urls:
            service.check_url(url)
        batch = await asyncio.to_thread(service.submit_urls, body.urls)
        source = "urls"
    else:
        assert isinstance(body, IngestFeeds)
        unknown = sorted(set(body.feeds) - service.outlet_slugs())
        if unknown:
            raise InvalidInput(f"unknown outlets: {', '.join(unknown)}")
        batch = await asyncio.to_thread(service.submit_feeds, body.feeds)
        source = "feeds"
    runtime.metrics.ingests.labels(source, "queued").inc(batch.queued)
    response.headers["Location"] = f"/jobs/{batch.id}"
    return JobAccepted(job_id=batch.id, status_url=f"/jobs/{batch.id}", queued=batch.queued)


@router.get(
    "/jobs/{job_id}",
    summary="A job's progress: counts, outcomes, and each failure with its reason",
    responses=problem_responses(404, 422),
)
async def job(
    job_id: Annotated[int, Path(ge=1, le=2**62)], service: IngestDep, _caller: CallerDep
) -> JobOut:
    return job_out(await asyncio.to_thread(service.job, job_id))
