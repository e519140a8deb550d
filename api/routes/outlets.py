"""The outlets Parallax follows."""

from __future__ import annotations

import asyncio

from fastapi import APIRouter

from api.deps import CallerDep, ServiceDep
from api.problems import problem_responses
from api.queries import list_outlets
from api.schemas import OutletOut

router = APIRouter(tags=["browse"], responses=problem_responses(401, 429))


@router.get("/outlets", summary="Every configured outlet, with feed and article counts")
async def outlets(service: ServiceDep, _caller: CallerDep) -> list[OutletOut]:
    return await asyncio.to_thread(list_outlets, service.sessions, service.outlets)
