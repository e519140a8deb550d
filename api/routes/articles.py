"""Stored articles."""

from __future__ import annotations

import asyncio
from typing import Annotated

from fastapi import APIRouter, Path

from api.deps import ArchiveDep, CallerDep
from api.mapping import article_detail_out
from api.problems import problem_responses
from api.schemas import ArticleDetail

router = APIRouter(tags=["browse"], responses=problem_responses(401, 429))


@router.get(
    "/articles/{article_id}",
    summary="One article with its text and passages",
    responses=problem_responses(404, 422),
)
async def article(
    article_id: Annotated[int, Path(ge=1, le=2**62)], archive: ArchiveDep, _caller: CallerDep
) -> ArticleDetail:
    return article_detail_out(await asyncio.to_thread(archive.article, article_id))
