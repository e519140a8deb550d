"""The dashboard's pages and the parts htmx loads into them.

A page is a shell holding no archive data, so it opens without a key; each part is loaded by
htmx with the caller's `X-API-Key` (kept in the tab's sessionStorage) and answers through the
same authorization, limits and engine as the JSON API.
"""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Annotated, Any
from urllib.parse import urlencode

from fastapi import APIRouter, Form, Query, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import HTMLResponse
from fastapi.templating import Jinja2Templates
from pydantic import TypeAdapter, ValidationError

from api.answer import PreparedAnswer
from api.dashboard.matrix import build_matrix, key_differences
from api.deps import CallerDep, Runtime, RuntimeDep
from api.mapping import comparison_out, event_page_out
from api.routes.articles import article as article_route
from api.routes.compare import compare_body
from api.routes.events import EventId, Filter, Offset
from api.routes.events import event as event_route
from api.schemas import CompareRequest, ComparisonView, EventDetail
from core.errors import ParallaxError

router = APIRouter(include_in_schema=False)
templates = Jinja2Templates(directory=Path(__file__).parent / "templates")

EVENTS_PER_PAGE = 20
# An event's key differences come from its members' comparisons: the first ones published.
COMPARED_MEMBERS = 8
_COMPARE_REQUEST: TypeAdapter[CompareRequest] = TypeAdapter(CompareRequest)


def _page(request: Request, part: str, title: str, **context: Any) -> HTMLResponse:
    return templates.TemplateResponse(
        request, "page.html", {"part": part, "title": title, **context}
    )


@router.get("/", response_class=HTMLResponse)
async def events_page(request: Request) -> HTMLResponse:
    return _page(request, "/ui/parts/events", "Events", view="events")


@router.get("/ui/events/{event_id}", response_class=HTMLResponse)
async def event_page(request: Request, event_id: EventId) -> HTMLResponse:
    return _page(request, f"/ui/parts/events/{event_id}", f"Event {event_id}", view="event")


@router.get("/ui/articles/{article_id}", response_class=HTMLResponse)
async def article_page(
    request: Request, article_id: EventId, start: int = 0, end: int = 0
) -> HTMLResponse:
    part = f"/ui/parts/articles/{article_id}?{urlencode({'start': start, 'end': end})}"
    return _page(request, part, f"Article {article_id}", view="article")


@router.get("/ui/compare", response_class=HTMLResponse)
async def compare_page(request: Request) -> HTMLResponse:
    return _page(request, "", "Compare", view="compare")


@router.get("/ui/parts/events", response_class=HTMLResponse)
async def events_part(
    request: Request,
    runtime: RuntimeDep,
    _caller: CallerDep,
    query: Filter,
    offset: Offset = 0,
) -> HTMLResponse:
    page = event_page_out(
        await asyncio.to_thread(runtime.archive.events, query.page(EVENTS_PER_PAGE, offset))
    )
    filters = {"q": query.q or "", "outlet": query.outlet or ""}

    def link(to: int) -> str:
        return "/ui/parts/events?" + urlencode({**filters, "offset": to})

    previous = link(max(0, offset - EVENTS_PER_PAGE)) if offset else None
    following = link(page.next_offset) if page.next_offset is not None else None
    return templates.TemplateResponse(
        request,
        "events.html",
        {"page": page, "refresh": link(offset), "previous": previous, "next": following},
    )


async def _comparison(runtime: Runtime, article_id: int, event: EventDetail) -> ComparisonView:
    """One member's comparison, from the answer cache /compare fills, else made and kept."""
    key = (runtime.comparer.name, (article_id, event.id, event.version))
    answer = await runtime.cache.get(key)
    if answer is None:

        def prepare() -> PreparedAnswer:
            return PreparedAnswer(comparison_out(runtime.comparer.compare(article_id)))

        async with runtime.compare_gate.slot():
            answer = await asyncio.to_thread(prepare)
        await runtime.cache.put(key, answer)
    return ComparisonView.model_validate_json(answer.view("full"))


async def _member_comparisons(runtime: Runtime, event: EventDetail) -> list[ComparisonView]:
    found = []
    for entry in event.coverage[:COMPARED_MEMBERS]:
        try:
            found.append(await _comparison(runtime, entry.article_id, event))
        except ParallaxError:
            continue  # a member without comparable coverage adds no differences
    return found


@router.get("/ui/parts/events/{event_id}/differences", response_class=HTMLResponse)
async def differences_count_part(
    event_id: EventId, runtime: RuntimeDep, caller: CallerDep
) -> HTMLResponse:
    event = await event_route(event_id, runtime, caller)
    count = len(key_differences(await _member_comparisons(runtime, event)))
    return HTMLResponse(str(count))


@router.get("/ui/parts/events/{event_id}", response_class=HTMLResponse)
async def event_part(
    request: Request,
    event_id: EventId,
    runtime: RuntimeDep,
    caller: CallerDep,
    outlet: Annotated[list[str] | None, Query(max_length=100)] = None,
) -> HTMLResponse:
    event = await event_route(event_id, runtime, caller)
    matrix = build_matrix(event, await _member_comparisons(runtime, event), outlet or ())
    return templates.TemplateResponse(
        request,
        "event.html",
        {"event": event, "matrix": matrix, "chosen": set(outlet or matrix.outlets)},
    )


@router.get("/ui/parts/articles/{article_id}", response_class=HTMLResponse)
async def article_part(
    request: Request,
    article_id: EventId,
    runtime: RuntimeDep,
    caller: CallerDep,
    start: Annotated[int, Query(ge=0)] = 0,
    end: Annotated[int, Query(ge=0)] = 0,
) -> HTMLResponse:
    article = await article_route(article_id, runtime.archive, caller)
    start, end = min(start, len(article.text)), min(max(start, end), len(article.text))
    parts = (article.text[:start], article.text[start:end], article.text[end:])
    return templates.TemplateResponse(
        request, "article.html", {"article": article, "before_mark_after": parts}
    )


@router.post("/ui/parts/compare", response_class=HTMLResponse)
async def compare_part(
    request: Request,
    runtime: RuntimeDep,
    caller: CallerDep,
    url: Annotated[str, Form(max_length=4000)] = "",
    text: Annotated[str, Form()] = "",
    title: Annotated[str, Form(max_length=2000)] = "",
) -> HTMLResponse:
    fields: dict[str, str] = {"text": text, "title": title} if text.strip() else {"url": url}
    try:
        body = _COMPARE_REQUEST.validate_python(fields)
    except ValidationError as error:
        raise RequestValidationError(error.errors()) from None
    answer = await compare_body(body, request, runtime, caller)
    comparison = ComparisonView.model_validate_json(bytes(answer.body))
    return templates.TemplateResponse(request, "comparison.html", {"answer": comparison})
