"""Divergences against human media-bias labels: BASIL spans and PAC partisan events.

    python -m evaluation.bias [--data ../shared/data] [--events N] [--cache DIR] [--json]

Every dev event of a dataset goes through the real engine: each article is segmented and
embedded, the event is aligned (`align_event`), and every article in turn is the focus of
`compare_article` against the others. Then:

- `basil.lexical_recall`: of BASIL's lexical spans (loaded words chosen by one outlet), the
  share lying in a passage of that article flagged `framing` (sentence level).
  `basil.framing_passage_rate` is the share of all passages flagged `framing`: the recall a
  random flagger of that rate would get. `basil.lexical_recall_term` is the strict word level:
  one of the framing divergence's evidence terms lies inside the span.
- `basil.informational_recall`: of BASIL's informational spans (content an outlet chose to
  include), the share lying in a passage of that article flagged `unique_claim`, or in a
  counterpart of an `omission` found when a sibling article is the focus. The annotation does not
  promise the content is missing elsewhere, so `basil.informational_aligned_rate` reports how
  many of those spans sit in a passage aligned with another outlet; `basil.unique_passage_rate`
  is the base rate of `unique_claim` passages.
- `basil.framing_precision`: of the framing divergences, the share whose flagged words lie in an
  annotated lexical span; `basil.unique_informational_precision`: of the `unique_claim` and
  `omission` items, the share whose passage (an omission's counterparts) overlaps an
  informational span, beside `basil.informational_passage_rate`, the share of all passages that
  do (the precision of a random flagger).
- `pac.partisan_auroc`: each PAC event mention (Partisan or Neutral, annotator-removed ones
  dropped) gets the divergence score of the passage holding its trigger: the highest confidence
  of any divergence on that passage (0 where none). AUROC of that score for Partisan vs
  Neutral, both articles of every story scored the same way; `pac.auroc.<type>` uses only one
  type's divergences.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from comparison.alignment import align_event
from comparison.divergences import compare_article
from comparison.model import DIVERGENCE_TYPES, ArticleView, Divergence, PassageView
from evaluation._data import command, emit, require
from evaluation.planted import PassageVectors, article_view, load_events
from index.embedder import Embedder


@dataclass(frozen=True, slots=True)
class EventRun:
    """One event through the engine: its articles, and each article's divergences as focus."""

    sources: tuple[dict[str, Any], ...]
    views: tuple[ArticleView, ...]
    divergences: tuple[tuple[Divergence, ...], ...]
    aligned: frozenset[int]


def run_event(event: dict[str, Any], vectors: PassageVectors) -> EventRun:
    sources = tuple(event["articles"])
    views = tuple(
        article_view(i + 1, str(a.get("outlet") or f"outlet {i + 1}"), str(a["text"]), vectors)
        for i, a in enumerate(sources)
    )
    graph = align_event(views)
    aligned = frozenset(
        m.passage.passage_id
        for claim in graph.claims()
        if len({m.passage.article_id for m in claim.members}) > 1
        for m in claim.members
    )
    found = tuple(tuple(compare_article(view, views, graph)) for view in views)
    return EventRun(sources, views, found, aligned)


def _overlaps(a: tuple[int, int], b: tuple[int, int]) -> bool:
    return a[0] < b[1] and b[0] < a[1]


def _spans(article: dict[str, Any], kind: str) -> Iterator[tuple[int, int]]:
    for span in article["annotations"].get("bias_spans", []):
        if span["bias"] == kind and span["start"] is not None:
            yield int(span["start"]), int(span["end"])


def _term_offsets(divergence: Divergence) -> list[tuple[int, int]]:
    passage = divergence.passage
    if passage is None:
        return []
    terms = divergence.evidence.get("focus_terms", [])
    out = []
    for term in terms if isinstance(terms, list) else [terms]:
        for match in re.finditer(re.escape(term), passage.text):
            out.append((passage.start + match.start(), passage.start + match.end()))
    return out


def _rate(hits: int, total: int) -> float:
    return round(hits / total, 4) if total else float("nan")


def basil_metrics(runs: Sequence[EventRun]) -> dict[str, float]:
    lexical = lexical_term = lexical_sentence = 0
    informational = informational_hit = informational_aligned = 0
    passages = framing_passages = unique_passages = 0
    framing_items = framing_in_span = one_sided = one_sided_in_span = informational_passages = 0
    for run in runs:
        spans = {
            view.article_id: list(_spans(source, "informational"))
            for source, view in zip(run.sources, run.views, strict=True)
        }
        omitted: list[PassageView] = [
            c.passage
            for found in run.divergences
            for d in found
            if d.type == "omission"
            for c in d.counterparts
        ]
        for source, view, found in zip(run.sources, run.views, run.divergences, strict=True):
            framing = [d for d in found if d.type == "framing" and d.passage is not None]
            unique = [d.passage for d in found if d.type == "unique_claim" and d.passage]
            passages += len(view.passages)
            framing_passages += len({d.passage.passage_id for d in framing if d.passage})
            unique_passages += len(unique)
            lexical_spans = list(_spans(source, "lexical"))
            terms = [t for d in framing for t in _term_offsets(d)]
            framing_items += len(framing)
            framing_in_span += sum(
                any(_overlaps(span, t) for span in lexical_spans for t in _term_offsets(d))
                for d in framing
            )
            informational_passages += sum(
                any(_overlaps(span, (p.start, p.end)) for span in spans[view.article_id])
                for p in view.passages
            )
            for d in found:
                if d.type not in ("unique_claim", "omission"):
                    continue
                flagged_parts = [d.passage] if d.passage else [c.passage for c in d.counterparts]
                one_sided += 1
                one_sided_in_span += any(
                    _overlaps(span, (p.start, p.end))
                    for p in flagged_parts
                    for span in spans[p.article_id]
                )
            for span in lexical_spans:
                lexical += 1
                lexical_term += any(_overlaps(span, t) for t in terms)
                lexical_sentence += any(
                    d.passage is not None and _overlaps(span, (d.passage.start, d.passage.end))
                    for d in framing
                )
            flagged = unique + [p for p in omitted if p.article_id == view.article_id]
            for span in spans[view.article_id]:
                informational += 1
                informational_hit += any(_overlaps(span, (p.start, p.end)) for p in flagged)
                informational_aligned += any(
                    p.passage_id in run.aligned and _overlaps(span, (p.start, p.end))
                    for p in view.passages
                )
    return {
        "basil.lexical_recall": _rate(lexical_sentence, lexical),
        "basil.lexical_recall_term": _rate(lexical_term, lexical),
        "basil.framing_passage_rate": _rate(framing_passages, passages),
        "basil.framing_precision": _rate(framing_in_span, framing_items),
        "basil.lexical_spans": lexical,
        "basil.informational_recall": _rate(informational_hit, informational),
        "basil.informational_aligned_rate": _rate(informational_aligned, informational),
        "basil.unique_passage_rate": _rate(unique_passages, passages),
        "basil.unique_informational_precision": _rate(one_sided_in_span, one_sided),
        "basil.informational_passage_rate": _rate(informational_passages, passages),
        "basil.informational_spans": informational,
    }


def auroc(scores: Sequence[float], labels: Sequence[int]) -> float:
    """Area under the ROC curve (ties count half): P(score of a positive > score of a negative)."""
    s = np.asarray(scores, dtype=np.float64)
    y = np.asarray(labels, dtype=bool)
    positives, negatives = s[y], s[~y]
    if not len(positives) or not len(negatives):
        return float("nan")
    order = np.argsort(np.concatenate([positives, negatives]), kind="mergesort")
    ranks = np.empty(len(order), dtype=np.float64)
    combined = np.concatenate([positives, negatives])[order]
    i = 0
    while i < len(combined):
        j = i
        while j + 1 < len(combined) and combined[j + 1] == combined[i]:
            j += 1
        ranks[order[i : j + 1]] = (i + j) / 2 + 1
        i = j + 1
    rank_sum = ranks[: len(positives)].sum()
    u = rank_sum - len(positives) * (len(positives) + 1) / 2
    return round(float(u / (len(positives) * len(negatives))), 4)


def pac_metrics(runs: Sequence[EventRun]) -> dict[str, float]:
    scores: dict[str, list[float]] = {"all": [], **{t: [] for t in DIVERGENCE_TYPES}}
    labels: list[int] = []
    for run in runs:
        for source, found in zip(run.sources, run.divergences, strict=True):
            for mention in source["annotations"].get("events", []):
                if mention["removed_by_annotators"] or mention["start"] is None:
                    continue
                if mention["partisanship"] not in ("Partisan", "Neutral"):
                    continue
                where = (int(mention["start"]), int(mention["end"]))
                on = [
                    d
                    for d in found
                    if d.passage is not None and _overlaps(where, (d.passage.start, d.passage.end))
                ]
                labels.append(int(mention["partisanship"] == "Partisan"))
                scores["all"].append(max((d.confidence for d in on), default=0.0))
                for kind in DIVERGENCE_TYPES:
                    scores[kind].append(
                        max((d.confidence for d in on if d.type == kind), default=0.0)
                    )
    metrics: dict[str, float] = {"pac.partisan_auroc": auroc(scores["all"], labels)}
    for kind in DIVERGENCE_TYPES:
        metrics[f"pac.auroc.{kind}"] = auroc(scores[kind], labels)
    metrics["pac.mentions"] = len(labels)
    metrics["pac.partisan_share"] = _rate(sum(labels), len(labels))
    return metrics


def run(
    events_path: Path,
    embedder: Embedder,
    *,
    limit: int | None = None,
    cache_dir: Path | None = None,
    datasets: Sequence[str] = ("BASIL", "PAC"),
) -> dict[str, float]:
    """The `basil.*` and `pac.*` metrics on the dev events (the first `limit` of each set)."""
    vectors = PassageVectors(embedder, cache_dir)
    events = load_events(events_path)
    metrics: dict[str, float] = {}
    for dataset, compute in (("BASIL", basil_metrics), ("PAC", pac_metrics)):
        if dataset not in datasets:
            continue
        chosen = [e for e in events if e["source_dataset"] == dataset][:limit]
        metrics.update(compute([run_event(e, vectors) for e in chosen]))
    return metrics


def main(argv: Sequence[str] | None = None) -> int:
    parser = command("evaluation.bias", __doc__)
    parser.add_argument("--events", type=int, default=None, help="events per dataset (all)")
    parser.add_argument("--cache", type=Path, default=None, help="embedding cache (not the repo)")
    parser.add_argument(
        "--dataset", action="append", choices=("BASIL", "PAC"), help="only these (default: both)"
    )
    args = parser.parse_args(argv)
    events = require(args.data / "events.dev.jsonl")
    if events is None:
        return 2
    from core.config import Settings
    from index.embedder import load_embedder

    metrics = run(
        events,
        load_embedder(Settings()),
        limit=args.events,
        cache_dir=args.cache,
        datasets=tuple(args.dataset or ("BASIL", "PAC")),
    )
    emit(metrics, args.json)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
