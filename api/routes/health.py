"""Liveness, readiness and Prometheus metrics: open to every caller, never rate limited."""

from __future__ import annotations

import asyncio

from fastapi import APIRouter, Response
from sqlalchemy.exc import SQLAlchemyError

from api.deps import RuntimeDep
from api.metrics import CONTENT_TYPE_LATEST
from api.problems import NotReady, problem_responses
from api.schemas import Health, Readiness

router = APIRouter(tags=["operations"])


@router.get("/healthz", summary="The process is up")
async def healthz() -> Health:
    return Health(status="ok")


@router.get(
    "/readyz", summary="The store answers and the model is loaded", responses=problem_responses(503)
)
async def readyz(runtime: RuntimeDep) -> Readiness:
    try:
        articles = await asyncio.to_thread(runtime.archive.article_count)
        pending = await asyncio.to_thread(runtime.ingest.pending_jobs)
    except SQLAlchemyError as error:
        raise NotReady(f"the store does not answer: {type(error).__name__}") from error
    return Readiness(
        status="ready", model=runtime.ingest.model_name, articles=articles, pending_jobs=pending
    )


@router.get(
    "/metrics",
    summary="Prometheus metrics",
    response_class=Response,
    responses={200: {"content": {"text/plain": {"schema": {"type": "string"}}}}},
)
async def metrics(runtime: RuntimeDep) -> Response:
    runtime.metrics.pending_jobs.set(await asyncio.to_thread(runtime.ingest.pending_jobs))
    runtime.metrics.articles.set(await asyncio.to_thread(runtime.archive.article_count))
    return Response(runtime.metrics.render(), media_type=CONTENT_TYPE_LATEST)
