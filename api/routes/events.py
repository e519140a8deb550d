"""Events: the same story as told by several outlets."""

from __future__ import annotations

import asyncio
from typing import Annotated

from fastapi import APIRouter, Path, Query

from api.deps import CallerDep, ComparerDep, ServiceDep
from api.problems import problem_responses
from api.queries import EventFilter, event_detail, list_events
from api.schemas import EventDetail, EventPage, Timestamp

router = APIRouter(tags=["browse"], responses=problem_responses(401, 429))


@router.get(
    "/events",
    summary="Events, newest first, filtered and paginated",
    responses=problem_responses(422),
)
async def events(
    service: ServiceDep,
    _caller: CallerDep,
    outlet: Annotated[str | None, Query(max_length=200, description="Outlet slug or name.")] = None,
    language: Annotated[str | None, Query(max_length=16, examples=["en"])] = None,
    since: Annotated[Timestamp, Query(description="Last published at or after.")] = None,
    until: Annotated[Timestamp, Query(description="First published at or before.")] = None,
    q: Annotated[str | None, Query(max_length=200, description="Words in a title.")] = None,
    limit: Annotated[int, Query(ge=1, le=100)] = 20,
    offset: Annotated[int, Query(ge=0, le=1_000_000)] = 0,
) -> EventPage:
    query = EventFilter(
        outlet=outlet or None,
        language=language or None,
        since=since,
        until=until,
        q=q or None,
        limit=limit,
        offset=offset,
    )
    return await asyncio.to_thread(list_events, service.sessions, query)


@router.get(
    "/events/{event_id}",
    summary="One event: all its coverage and the claim matrix across outlets",
    responses=problem_responses(404, 422),
)
async def event(
    event_id: Annotated[int, Path(ge=1, le=2**62)],
    service: ServiceDep,
    comparer: ComparerDep,
    _caller: CallerDep,
) -> EventDetail:
    claims = await asyncio.to_thread(comparer.event_claims, event_id)
    return await asyncio.to_thread(event_detail, service.sessions, event_id, claims)
