"""What the comparison service answers: frozen domain objects, no HTTP in them.

`api.mapping` turns them into the API's schemas; the CLI reads them directly. A new part of an
answer is a new field with a default, so every producer keeps working while it is rolled out.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime

from comparison.edits import Edit
from comparison.model import Divergence, PassageView

__all__ = [
    "Article",
    "ArticleClaim",
    "ClaimPassage",
    "Comparison",
    "ComparisonKey",
    "CoverageEntry",
    "Reprint",
    "Summary",
]

ComparisonKey = tuple[int, int | None, int]
"""(article id, event id, event version): a comparison holds while its event's version does."""


@dataclass(frozen=True, slots=True)
class Article:
    """A stored article with its passages (`text[start:end]` of each is its text)."""

    id: int
    url: str
    outlet: str
    title: str
    published_at: datetime | None
    language: str | None
    passages: tuple[PassageView, ...] = ()
    outlet_slug: str | None = None
    verified: bool = True


@dataclass(frozen=True, slots=True)
class CoverageEntry:
    """Another article of the event; `wire_copy_of` names the article it reprints."""

    article_id: int
    url: str
    outlet: str
    title: str
    published_at: datetime | None
    same_event_confidence: float
    wire_copy_of: int | None
    language: str | None


@dataclass(frozen=True, slots=True)
class ClaimPassage:
    """Another outlet's passage of a claim; `similarity` to this article's passage, in [0, 1]."""

    article_id: int
    outlet: str
    url: str
    passage_id: int
    start: int
    end: int
    text: str
    similarity: float


@dataclass(frozen=True, slots=True)
class ArticleClaim:
    """One claim: this article's passage (None in an event's matrix) beside the others'."""

    id: int
    passage: PassageView | None
    others: tuple[ClaimPassage, ...]


@dataclass(frozen=True, slots=True)
class Reprint:
    """One text published twice: `source_id` first, `reprint_id` after. `edits` lead from the
    source's text to the reprint's; none when it was reprinted unchanged."""

    source_id: int
    reprint_id: int
    edits: tuple[Edit, ...]


@dataclass(frozen=True, slots=True)
class Summary:
    """Divergences per type (every type listed); outlets that diverge somewhere, and outlets
    that share claims but never diverge; the share of the other outlets' passages the article
    states too (`comparison.agreement`), and whether that makes the accounts agree."""

    counts: Mapping[str, int]
    agreeing_outlets: tuple[str, ...]
    diverging_outlets: tuple[str, ...]
    shared: float = 0.0
    accounts_agree: bool = False


@dataclass(frozen=True, slots=True)
class Comparison:
    """One article's view of its event: coverage, claims and the engine's divergences, the few
    it opens with (`key_differences`, each also among `divergences`) first. `reprints` pairs
    the article with its source, or with its own reprints, and what each changed."""

    article: Article
    coverage: tuple[CoverageEntry, ...]
    claims: tuple[ArticleClaim, ...]
    divergences: tuple[Divergence, ...]
    summary: Summary
    model: str
    index_version: str
    engine: str
    key_differences: tuple[Divergence, ...] = ()
    reprints: tuple[Reprint, ...] = ()

    def url_of(self, article_id: int) -> str:
        """The URL of a covering article ("" for one outside the coverage)."""
        return next((item.url for item in self.coverage if item.article_id == article_id), "")
