"""`parallax coverage`: who else covered one article, as `/compare` answers in `coverage`.

The article is found in the store by id or canonical URL, or ingested now through the service's
safe pipeline (fetched, or read from a saved page), as `/compare` resolves it; its event's other
members are ranked by `compare.event_coverage`, the function behind every comparison.
"""

from __future__ import annotations

import asyncio
import json
from dataclasses import dataclass

from rich.table import Table
from rich.text import Text

from api.mapping import article_out, coverage_out
from compare import EventCoverage, FromPage, FromUrl, Resolver, event_coverage, store_views
from comparison.evidence import Evidence
from core.config import Settings
from index.embedder import load_embedder
from ingest.pipeline import Outcome
from ingest.service import IngestService, ingest_service

_SHARED_SHOWN = 4


@dataclass(frozen=True, slots=True)
class FoundCoverage:
    """A lookup's answer; `ingested` when the lookup added the article to the store."""

    coverage: EventCoverage
    ingested: bool


async def find_coverage(
    settings: Settings, article: int | str, html: str | None = None
) -> FoundCoverage:
    """The coverage of a stored article id, or of the article at a URL (`html`: its saved page).

    Raises NotFound for an unknown id, InvalidURL or RefusedAddress for a URL that may not be
    fetched, and FetchError or NotAnArticle when the page cannot be fetched or read.
    """
    async with ingest_service(
        settings, embedder=load_embedder(settings), run_workers=False, schedule_feeds=False
    ) as service:
        if isinstance(article, int):
            article_id, ingested = article, False
        else:
            article_id, ingested = await _resolve(service, article, html)
        coverage = await asyncio.to_thread(_event_coverage, service, article_id)
    return FoundCoverage(coverage, ingested)


async def _resolve(service: IngestService, url: str, html: str | None) -> tuple[int, bool]:
    """The article's id, and whether it was ingested now; resolved as `/compare` does."""
    source = FromPage(url, html) if html is not None else FromUrl(url)
    article_id, result = await Resolver.of(service).resolve(source)
    return article_id, result is not None and result.outcome is not Outcome.DUPLICATE


def _event_coverage(service: IngestService, article_id: int) -> EventCoverage:
    with service.sessions() as session:
        return event_coverage(
            session,
            service.events.index,
            article_id,
            load_views=store_views(
                model_id=service.indexes.model_id, dimension=service.embedder.dimension
            ),
        )


def coverage_header(coverage: EventCoverage) -> str:
    article = coverage.article
    event = f"event {coverage.event_id}" if coverage.event_id is not None else "no event"
    return f"article {article.article_id} · {article.outlet} · {article.title} · {event}"


def coverage_table(coverage: EventCoverage) -> Table:
    table = Table()
    table.add_column("id", justify="right", no_wrap=True)
    table.add_column("outlet", min_width=8)
    table.add_column("title")
    table.add_column("published")
    table.add_column("same event", justify="right")
    table.add_column("copy of", justify="right")
    table.add_column("evidence")
    for entry in coverage.entries():
        match = coverage.matches.get(entry.article_id)
        published = entry.published_at
        table.add_row(
            str(entry.article_id),
            Text(entry.outlet),
            Text(entry.title),
            f"{published:%Y-%m-%d %H:%M}" if published is not None else "",
            f"{entry.same_event_confidence:.2f}",
            str(entry.wire_copy_of) if entry.wire_copy_of is not None else "",
            Text(evidence_summary(match.evidence) if match is not None else ""),
        )
    return table


def evidence_summary(evidence: Evidence) -> str:
    """Why a member counts as the same event, in a few words: the article cosine, the passages
    aligned, and the first names, places and figures both articles mention."""
    parts = [f"cosine {evidence.cosine:.2f}"]
    if evidence.aligned_passages:
        parts.append(f"{evidence.aligned_passages} passages aligned")
    groups = (evidence.shared_names, evidence.shared_places, evidence.shared_figures)
    shared = [item for group in groups for item in sorted(group)]
    if shared:
        parts.append("both mention " + ", ".join(shared[:_SHARED_SHOWN]))
    return "; ".join(parts)


def coverage_json(coverage: EventCoverage) -> str:
    """{"article", "event_id", "coverage"}: the article and coverage fields of `/compare`,
    written by the API's mapper so that the two cannot drift apart."""
    article = article_out(coverage.as_article(with_passages=False))
    answer = {
        "article": article.model_dump(mode="json", exclude={"passages"}),
        "event_id": coverage.event_id,
        "coverage": [coverage_out(entry).model_dump(mode="json") for entry in coverage.entries()],
    }
    return json.dumps(answer, indent=2, ensure_ascii=False)
