"""The outlets Parallax follows."""

from __future__ import annotations

import asyncio

from fastapi import APIRouter

from api.deps import ArchiveDep, CallerDep
from api.mapping import outlet_out
from api.problems import problem_responses
from api.schemas import OutletOut

router = APIRouter(tags=["browse"], responses=problem_responses(401, 429))


@router.get("/outlets", summary="Every configured outlet, with feed and article counts")
async def outlets(archive: ArchiveDep, _caller: CallerDep) -> list[OutletOut]:
    return [outlet_out(stats) for stats in await asyncio.to_thread(archive.outlets)]
