"""The outlets Parallax follows, and adding one."""

from __future__ import annotations

import asyncio
import re
from urllib.parse import urlsplit

from fastapi import APIRouter, status

from api.deps import AdminDep, ArchiveDep, CallerDep, IngestDep, SettingsDep
from api.mapping import outlet_out
from api.problems import problem_responses
from api.schemas import OutletIn, OutletOut
from compare.archive import OutletStats
from core.errors import InvalidInput
from core.models import Outlet

router = APIRouter(tags=["browse"], responses=problem_responses(401, 429))


@router.get("/outlets", summary="Every configured outlet, with feed and article counts")
async def outlets(archive: ArchiveDep, _caller: CallerDep) -> list[OutletOut]:
    return [outlet_out(stats) for stats in await asyncio.to_thread(archive.outlets)]


@router.post(
    "/outlets",
    status_code=status.HTTP_201_CREATED,
    summary="Follow a new outlet: its articles are attributed to it, its feeds polled",
    tags=["ingest"],
    responses=problem_responses(400, 403, 409, 422),
)
async def add_outlet(
    body: OutletIn, service: IngestDep, settings: SettingsDep, _admin: AdminDep
) -> OutletOut:
    """With keys required, this takes an admin key. The homepage and every feed pass the same
    address checks as any fetch (`invalid-url`, `refused-address`); a slug or feed already
    followed is `already-exists`. The outlet is kept in the store and followed at every start;
    `POST /ingest {"feeds": [slug]}` polls its feeds at once."""
    if len(body.feeds) > settings.max_outlet_feeds:
        raise InvalidInput(
            f"an outlet may list at most {settings.max_outlet_feeds} feeds",
            limit=settings.max_outlet_feeds,
        )
    service.check_url(body.homepage)
    outlet = Outlet(
        slug=body.slug or _slug(body.name),
        name=body.name,
        domains=(_domain(body.homepage),),
        feeds=tuple(dict.fromkeys(body.feeds)),
        language=body.language,
        country=body.country,
    )
    added = await asyncio.to_thread(service.add_outlet, outlet)
    return outlet_out(OutletStats(added, feeds=len(added.feeds), articles=0))


def _slug(name: str) -> str:
    slug = re.sub(r"[^a-z0-9]+", "-", name.casefold()).strip("-")[:100]
    if not slug:
        raise InvalidInput("give the outlet a slug: its name has no letters or digits to make one")
    return slug


def _domain(homepage: str) -> str:
    host = (urlsplit(homepage).hostname or "").rstrip(".")
    return host.removeprefix("www.")
