"""Events: the same story as told by several outlets, as JSON or as CSV for spreadsheets."""

from __future__ import annotations

import asyncio
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Path, Query, Response

from api.deps import ArchiveDep, CallerDep, RuntimeDep
from api.export import CSV_MEDIA_TYPE, claims_csv, csv_response, events_csv
from api.mapping import claim_out, event_detail_out, event_page_out
from api.problems import problem_responses
from api.schemas import EventDetail, EventPage, Timestamp
from compare import EventFilter

router = APIRouter(tags=["browse"], responses=problem_responses(401, 429))

EventId = Annotated[int, Path(ge=1, le=2**62)]
Offset = Annotated[int, Query(ge=0, le=1_000_000)]
MAX_EXPORTED_EVENTS = 1000


def _csv_responses(description: str) -> dict[int | str, dict[str, Any]]:
    return {
        200: {
            "description": description,
            "content": {CSV_MEDIA_TYPE: {"schema": {"type": "string"}}},
        },
        **problem_responses(422),
    }


def event_filter(
    outlet: Annotated[str | None, Query(max_length=200, description="Outlet slug or name.")] = None,
    language: Annotated[str | None, Query(max_length=16, examples=["en"])] = None,
    since: Annotated[Timestamp, Query(description="Last published at or after.")] = None,
    until: Annotated[Timestamp, Query(description="First published at or before.")] = None,
    q: Annotated[str | None, Query(max_length=200, description="Words in a title.")] = None,
) -> EventFilter:
    return EventFilter(
        outlet=outlet or None, language=language or None, since=since, until=until, q=q or None
    )


Filter = Annotated[EventFilter, Depends(event_filter)]


@router.get(
    "/events",
    summary="Events, newest first, filtered and paginated",
    responses=problem_responses(422),
)
async def events(
    archive: ArchiveDep,
    _caller: CallerDep,
    query: Filter,
    limit: Annotated[int, Query(ge=1, le=100)] = 20,
    offset: Offset = 0,
) -> EventPage:
    page = await asyncio.to_thread(archive.events, query.page(limit, offset))
    return event_page_out(page)


@router.get(
    "/events.csv",
    summary="Events as CSV, newest first, with the same filters",
    response_class=Response,
    responses=_csv_responses(
        "One row per event; `X-Total-Count` counts every event the filters match."
    ),
)
async def events_export(
    archive: ArchiveDep,
    _caller: CallerDep,
    query: Filter,
    limit: Annotated[int, Query(ge=1, le=MAX_EXPORTED_EVENTS)] = MAX_EXPORTED_EVENTS,
    offset: Offset = 0,
) -> Response:
    def export() -> tuple[bytes, int]:
        page = event_page_out(archive.events(query.page(limit, offset)))
        return events_csv(page.items), page.total

    body, total = await asyncio.to_thread(export)
    return csv_response(body, "events.csv", headers={"X-Total-Count": str(total)})


@router.get(
    "/events/{event_id}",
    summary="One event: all its coverage and the claim matrix across outlets",
    responses=problem_responses(404, 422),
)
async def event(event_id: EventId, runtime: RuntimeDep, _caller: CallerDep) -> EventDetail:
    # Aligning a whole event is a comparison's work: it waits at the same gate.
    async with runtime.compare_gate.slot():
        claims = await asyncio.to_thread(runtime.comparer.event_claims, event_id)
    record = await asyncio.to_thread(runtime.archive.event, event_id)
    return event_detail_out(record, claims)


@router.get(
    "/events/{event_id}/claims.csv",
    summary="One event's claim matrix as CSV: a row per outlet's passage of each claim",
    response_class=Response,
    responses={**_csv_responses("Claims shared by two outlets or more."), **problem_responses(404)},
)
async def event_claims_export(
    event_id: EventId, runtime: RuntimeDep, _caller: CallerDep
) -> Response:
    def export() -> bytes:
        return claims_csv([claim_out(claim) for claim in runtime.comparer.event_claims(event_id)])

    async with runtime.compare_gate.slot():
        body = await asyncio.to_thread(export)
    return csv_response(body, f"event-{event_id}-claims.csv")
