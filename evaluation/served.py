"""Planted edits through the served path: pages fetched from loopback outlets, ingested, compared.

    python -m evaluation.served [--data ../shared/data] [--articles 40] [--seed 13] [--json]

The articles and edits are `evaluation.planted`'s (real dev articles, one edit per copy). Here
Meridian Wire publishes each article and The Harbour Gazette republishes it once per edit, as
pages of the demo outlets' HTTP server on loopback. Every page goes to the ingest service by URL
(fetch, extraction, dedupe, near-duplicate folding, event assignment) and each copy is compared
by the engine behind `/compare`. Per planted type:
- `served.<type>.edit_recall`: the answer's `reprints` name the original as source and list an
  edit of the matching kind in the edited passage (`EDIT_KIND` below);
- `served.<type>.divergence_recall`: a divergence of the type sits there;
`served.reprint_found` is the share of copies whose answer names their original as source, and
`served.untouched_flag_rate` the share of copy passages left as the source printed them that
carry an edit or a divergence all the same.
"""

from __future__ import annotations

import asyncio
import sys
import tempfile
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

from sqlalchemy import select

from compare import EngineComparer
from compare.model import Comparison
from comparison.edits import Edit, EditKind
from comparison.model import DIVERGENCE_TYPES, PassageView
from core.config import Settings
from core.db.schema import ArticleRow
from demo.articles import DemoArticle
from demo.server import DemoSite
from evaluation._data import command, emit, require
from evaluation.planted import Planted, load_events, plant
from index.embedder import Embedder
from ingest.service import IngestService, ingest_service
from ingest.urls import canonicalize

EDIT_KIND: dict[str, EditKind] = {
    "numeric": "figure",
    "contradiction": "negation",
    "attribution": "attribution",
    "framing": "wording",
    "omission": "sentence_removed",
    "unique_claim": "sentence_added",
}
SOURCE_OUTLET, COPY_OUTLET = "meridianwire", "harbourgazette"
_PUBLISHED = datetime(2026, 11, 2, 8, tzinfo=UTC)
_WAIT_SECONDS = 1800


def _flat(text: str) -> str:
    return " ".join(text.split())


def _meets(passage: str, region: str) -> bool:
    """Whether a passage lies in the edited region or holds it (segmentation may split it)."""
    a, b = _flat(passage), _flat(region)
    return bool(a) and bool(b) and (a in b or b in a)


@dataclass(frozen=True, slots=True)
class Page:
    item: Planted | None
    article: DemoArticle


def pages(items: Sequence[Planted]) -> list[Page]:
    """Each original once (Meridian Wire), then one Harbour Gazette copy per planted item."""
    numbers: dict[str, int] = {}
    out: list[Page] = []
    for item in items:
        if item.source_id not in numbers:
            numbers[item.source_id] = len(numbers)
            published = _PUBLISHED + timedelta(hours=3 * numbers[item.source_id])
            original = _article(
                SOURCE_OUTLET, f"{numbers[item.source_id]}/original", item, published
            )
            out.append(Page(None, original))
        number = numbers[item.source_id]
        published = _PUBLISHED + timedelta(hours=3 * number + 1)
        copy = _article(COPY_OUTLET, f"{number}/{item.type}", item, published, text=item.copy)
        out.append(Page(item, copy))
    return out


def _article(
    outlet: str, path: str, item: Planted, published: datetime, *, text: str | None = None
) -> DemoArticle:
    paragraphs = tuple(p for p in (text or item.original).split("\n\n") if p.strip())
    return DemoArticle(
        outlet=outlet,
        path=f"planted/{path}",
        title=f"Planted article {item.source_id}",
        authors=("Planted Desk",),
        published_at=published,
        paragraphs=paragraphs,
        event=item.source_id,
    )


@dataclass(frozen=True, slots=True)
class Outcome:
    item: Planted
    reprint_found: bool
    edit_found: bool
    divergence_found: bool
    untouched: int
    flagged: int


def _region(item: Planted) -> str:
    text = item.original if item.type == "omission" else item.copy
    return text[item.span[0] : item.span[1]]


def _edit_passage(edit: Edit) -> PassageView | None:
    return edit.source_passage if edit.kind == "sentence_removed" else edit.copy_passage


def judge(item: Planted, comparison: Comparison, source_id: int) -> Outcome:
    """Whether the answer for the copy shows the planted edit, and what else it flags."""
    region = _region(item)
    reprint = next((r for r in comparison.reprints if r.source_id == source_id), None)
    edits = reprint.edits if reprint is not None else ()
    edit_found = any(
        edit.kind == EDIT_KIND[item.type]
        and (passage := _edit_passage(edit)) is not None
        and _meets(passage.text, region)
        for edit in edits
    )
    divergence_found = any(
        d.type == item.type
        and any(
            _meets(p.text, region)
            for p in ([d.passage] if d.passage is not None else [c.passage for c in d.counterparts])
        )
        for d in comparison.divergences
    )
    touched = {p.passage_id for p in comparison.article.passages if _meets(p.text, region)}
    if item.type == "omission":
        touched = set()
    untouched = [p for p in comparison.article.passages if p.passage_id not in touched]
    marked = {e.copy_passage.passage_id for e in edits if e.copy_passage is not None}
    marked |= {d.passage.passage_id for d in comparison.divergences if d.passage is not None}
    stray_removals = sum(
        1
        for e in edits
        if e.kind == "sentence_removed"
        and e.source_passage is not None
        and not _meets(e.source_passage.text, region)
    )
    flagged = sum(p.passage_id in marked for p in untouched) + stray_removals
    return Outcome(item, reprint is not None, edit_found, divergence_found, len(untouched), flagged)


def evaluate(outcomes: Sequence[Outcome]) -> dict[str, float]:
    """The `served.*` metrics of a set of outcomes."""
    metrics: dict[str, float] = {}
    for kind in DIVERGENCE_TYPES:
        mine = [o for o in outcomes if o.item.type == kind]
        for name, hit in (
            ("edit_recall", lambda o: o.edit_found),
            ("divergence_recall", lambda o: o.divergence_found),
        ):
            metrics[f"served.{kind}.{name}"] = (
                round(sum(map(hit, mine)) / len(mine), 4) if mine else float("nan")
            )
        metrics[f"served.{kind}.n"] = len(mine)
    total = len(outcomes)
    metrics["served.reprint_found"] = (
        round(sum(o.reprint_found for o in outcomes) / total, 4) if total else float("nan")
    )
    untouched = sum(o.untouched for o in outcomes)
    metrics["served.untouched_flag_rate"] = (
        round(sum(o.flagged for o in outcomes) / untouched, 4) if untouched else float("nan")
    )
    metrics["served.untouched_passages"] = untouched
    return metrics


async def _ingest(service: IngestService, urls: Sequence[str]) -> dict[str, int]:
    """Article id by canonical URL, once the batch has run."""
    batch = service.submit_urls(urls).id
    for _ in range(_WAIT_SECONDS * 10):
        status = service.queue.batch_status(batch)
        if status is not None and status.finished:
            break
        await asyncio.sleep(0.1)
    else:
        raise TimeoutError("the ingest batch did not finish")
    with service.sessions() as session:
        rows = session.execute(select(ArticleRow.canonical_url, ArticleRow.id)).all()
    return {str(url): int(article_id) for url, article_id in rows}


async def serve_and_compare(
    items: Sequence[Planted], settings: Settings, embedder: Embedder
) -> list[Outcome]:
    """Serve, ingest and compare every planted copy; judge each answer."""
    served = pages(items)
    with DemoSite(articles=[page.article for page in served]) as site:
        async with ingest_service(
            settings, embedder=embedder, extra_outlets=site.outlets(), include_registry=False
        ) as service:
            urls = [site.url_of(page.article) for page in served]
            ids = await _ingest(service, urls)
            comparer = EngineComparer(service, index_version=lambda: "served-evaluation")
            originals = {
                page.article.event: ids.get(canonicalize(site.url_of(page.article)))
                for page in served
                if page.item is None
            }
            outcomes: list[Outcome] = []
            for page in served:
                if page.item is None:
                    continue
                copy_id = ids.get(canonicalize(site.url_of(page.article)))
                source_id = originals.get(page.item.source_id)
                if copy_id is None or source_id is None:
                    outcomes.append(Outcome(page.item, False, False, False, 0, 0))
                    continue
                comparison = await asyncio.to_thread(comparer.compare, copy_id)
                outcomes.append(judge(page.item, comparison, source_id))
    return outcomes


def run(
    events_path: Path,
    embedder: Embedder,
    *,
    articles: int,
    seed: int,
    settings: Settings | None = None,
) -> tuple[dict[str, float], list[Outcome]]:
    """Plant, serve, ingest and compare; on a throwaway store unless `settings` name one."""
    items = plant(load_events(events_path), articles, seed)
    if settings is not None:
        outcomes = asyncio.run(serve_and_compare(items, settings, embedder))
        return evaluate(outcomes), outcomes
    with tempfile.TemporaryDirectory(prefix="parallax-served-") as data_dir:
        throwaway = Settings(
            data_dir=Path(data_dir),
            allowed_private_hosts=["127.0.0.1"],
            per_host_delay=0.0,
            scheduler_enabled=False,
        )
        outcomes = asyncio.run(serve_and_compare(items, throwaway, embedder))
    return evaluate(outcomes), outcomes


def main(argv: Sequence[str] | None = None) -> int:
    parser = command("evaluation.served", __doc__)
    parser.add_argument("--articles", type=int, default=40, help="articles sampled (6 edits each)")
    parser.add_argument("--seed", type=int, default=13)
    parser.add_argument("--verbose", action="store_true", help="list misses")
    args = parser.parse_args(argv)
    events = require(args.data / "events.dev.jsonl")
    if events is None:
        return 2
    from index.embedder import load_embedder

    metrics, outcomes = run(
        events, load_embedder(Settings()), articles=args.articles, seed=args.seed
    )
    if args.verbose:
        for o in outcomes:
            if not (o.edit_found and o.divergence_found):
                print(
                    f"MISS {o.item.type} {o.item.source_id} edit={o.edit_found} "
                    f"divergence={o.divergence_found}: {o.item.note[:120]!r}",
                    file=sys.stderr,
                )
    emit(metrics, args.json)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
