"""Submitting articles and feeds for ingest, and following the job."""

from __future__ import annotations

import asyncio
from typing import Annotated

from fastapi import APIRouter, Body, Path, Response

from api.deps import CallerDep, RuntimeDep
from api.problems import problem_responses
from api.queries import enqueue_feeds, enqueue_urls, job_status
from api.schemas import IngestFeeds, IngestRequest, IngestUrls, JobAccepted, JobOut
from core.errors import InvalidInput

router = APIRouter(tags=["ingest"], responses=problem_responses(401, 429))

_EXAMPLES = {
    "urls": {"summary": "Article URLs", "value": {"urls": ["https://news.example/world/a"]}},
    "feeds": {"summary": "Poll outlets' feeds", "value": {"feeds": ["dailyledger"]}},
}


@router.post(
    "/ingest",
    status_code=202,
    summary="Queue article URLs, or a poll of outlets' feeds; answers with a job to follow",
    responses=problem_responses(400, 403, 413, 422),
)
async def ingest(
    body: Annotated[IngestRequest, Body(openapi_examples=_EXAMPLES)],
    runtime: RuntimeDep,
    response: Response,
    _caller: CallerDep,
) -> JobAccepted:
    service = runtime.service
    if isinstance(body, IngestUrls):
        for url in body.urls:
            service.fetcher.policy.check_url(url)
        batch, queued = await asyncio.to_thread(enqueue_urls, service.queue, body.urls)
        source = "urls"
    else:
        assert isinstance(body, IngestFeeds)
        unknown = sorted(set(body.feeds) - {outlet.slug for outlet in service.outlets})
        if unknown:
            raise InvalidInput(f"unknown outlets: {', '.join(unknown)}")
        batch, queued = await asyncio.to_thread(
            enqueue_feeds, service.queue, service.poller, body.feeds
        )
        source = "feeds"
    service.workers.wake()
    runtime.metrics.ingests.labels(source, "queued").inc(queued)
    response.headers["Location"] = f"/jobs/{batch}"
    return JobAccepted(job_id=batch, status_url=f"/jobs/{batch}", queued=queued)


@router.get(
    "/jobs/{job_id}",
    summary="A job's progress: counts, outcomes, and each failure with its reason",
    responses=problem_responses(404, 422),
)
async def job(
    job_id: Annotated[int, Path(ge=1, le=2**62)], runtime: RuntimeDep, _caller: CallerDep
) -> JobOut:
    service = runtime.service
    return await asyncio.to_thread(job_status, service.queue, service.sessions, job_id)
