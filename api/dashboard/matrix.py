"""An event's claim matrix as the dashboard shows it: rows are claims, columns are articles,
each cell an article's passage of the claim (or empty: an omission), marked with the types of
the divergences the articles' comparisons found on it."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

from api.schemas import ComparisonView, CoverageOut, DivergenceOut, EventDetail

KEY_DIFFERENCES_SHOWN = 5

# A passage is named by its article and span: counterparts carry no passage id.
PassageKey = tuple[int, int, int]


@dataclass(frozen=True, slots=True)
class Cell:
    article_id: int
    start: int
    end: int
    text: str
    marks: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class Row:
    claim_id: int
    cells: tuple[Cell | None, ...]


@dataclass(frozen=True, slots=True)
class Matrix:
    columns: tuple[CoverageOut, ...]
    rows: tuple[Row, ...]
    key_differences: tuple[DivergenceOut, ...] = ()
    outlets: tuple[str, ...] = field(default=())


def _marks(comparisons: Iterable[ComparisonView]) -> dict[PassageKey, set[str]]:
    marks: dict[PassageKey, set[str]] = {}
    for comparison in comparisons:
        own = comparison.article.id
        for item in comparison.divergences:
            if item.passage is not None:
                key = (own, item.passage.start, item.passage.end)
                marks.setdefault(key, set()).add(item.type)
            if item.type in {"numeric", "contradiction"}:
                for other in item.counterparts:
                    key = (other.article_id, other.start, other.end)
                    marks.setdefault(key, set()).add(item.type)
    return marks


def key_differences(comparisons: Iterable[ComparisonView]) -> tuple[DivergenceOut, ...]:
    """The articles' key differences, most important first, each told once: two outlets'
    different figures are one difference, seen from either side."""
    seen: set[tuple[str, frozenset[PassageKey]]] = set()
    found: list[DivergenceOut] = []
    for comparison in comparisons:
        own = comparison.article.id
        for item in comparison.key_differences:
            passages = {(part.article_id, part.start, part.end) for part in item.counterparts}
            if item.passage is not None:
                passages.add((own, item.passage.start, item.passage.end))
            else:
                passages.add((own, -1, -1))
            identity = (item.type, frozenset(passages))
            if identity not in seen:
                seen.add(identity)
                found.append(item)
    found.sort(key=lambda item: (-item.importance, -item.confidence))
    return tuple(found[:KEY_DIFFERENCES_SHOWN])


def build_matrix(
    event: EventDetail, comparisons: Sequence[ComparisonView], outlets: Sequence[str] = ()
) -> Matrix:
    """The matrix of `event`, its columns limited to `outlets` when any are named."""
    wanted = set(outlets)
    columns = tuple(entry for entry in event.coverage if not wanted or entry.outlet in wanted)
    marks = _marks(comparisons)
    rows = []
    for claim in event.claims:
        by_article = {other.article_id: other for other in claim.others}
        cells: list[Cell | None] = []
        for column in columns:
            other = by_article.get(column.article_id)
            if other is None:
                cells.append(None)
                continue
            key = (other.article_id, other.start, other.end)
            cells.append(
                Cell(
                    article_id=other.article_id,
                    start=other.start,
                    end=other.end,
                    text=other.text,
                    marks=tuple(sorted(marks.get(key, ()))),
                )
            )
        if any(cells):
            rows.append(Row(claim_id=claim.id, cells=tuple(cells)))
    return Matrix(
        columns=columns,
        rows=tuple(rows),
        key_differences=key_differences(comparisons),
        outlets=tuple(sorted({entry.outlet for entry in event.coverage})),
    )
