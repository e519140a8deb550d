"""The comparison engine: same-event retrieval and grouping, passage alignment into claims, and
divergence detection. Pure logic over passages and vectors: no HTTP, no request handling."""

from __future__ import annotations

from comparison.alignment import ClaimGraph, align_event
from comparison.divergences import compare_article
from comparison.event_index import EventIndex
from comparison.model import DIVERGENCE_TYPES, ArticleView, Claim, Divergence, PassageView

__all__ = [
    "DIVERGENCE_TYPES",
    "ArticleView",
    "Claim",
    "ClaimGraph",
    "Divergence",
    "EventIndex",
    "PassageView",
    "align_event",
    "compare_article",
]
