"""Stored articles."""

from __future__ import annotations

import asyncio
from typing import Annotated

from fastapi import APIRouter, Path

from api.deps import CallerDep, ServiceDep
from api.problems import problem_responses
from api.queries import article_detail
from api.schemas import ArticleDetail

router = APIRouter(tags=["browse"], responses=problem_responses(401, 429))


@router.get(
    "/articles/{article_id}",
    summary="One article with its text and passages",
    responses=problem_responses(404, 422),
)
async def article(
    article_id: Annotated[int, Path(ge=1, le=2**62)], service: ServiceDep, _caller: CallerDep
) -> ArticleDetail:
    return await asyncio.to_thread(article_detail, service.sessions, article_id)
