"""The comparison service: resolve an article, read its coverage, compare it, browse the archive.

Everything here answers in domain objects (`compare.model`, `compare.archive`); `api.mapping`
turns them into the API's schemas. Blocking calls are marked so; nothing heavy runs at import.
"""

from __future__ import annotations

from compare.archive import Archive, EventFilter
from compare.coverage import EventCoverage, event_coverage, store_views
from compare.engine import Comparer, ComparerFactory, EngineComparer
from compare.model import (
    Article,
    ArticleClaim,
    ClaimPassage,
    Comparison,
    ComparisonKey,
    CoverageEntry,
    Summary,
)
from compare.refresh import CoverageRefresher, PendingRefresh
from compare.resolve import ArticleSource, FromPage, FromText, FromUrl, Resolver
from compare.workspaces import EventWorkspaces
from core.lru import LruCache

__all__ = [
    "Archive",
    "Article",
    "ArticleClaim",
    "ArticleSource",
    "ClaimPassage",
    "Comparer",
    "ComparerFactory",
    "Comparison",
    "ComparisonKey",
    "CoverageEntry",
    "CoverageRefresher",
    "EngineComparer",
    "EventCoverage",
    "EventFilter",
    "EventWorkspaces",
    "FromPage",
    "FromText",
    "FromUrl",
    "LruCache",
    "PendingRefresh",
    "Resolver",
    "Summary",
    "event_coverage",
    "store_views",
]
