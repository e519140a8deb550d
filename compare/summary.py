"""The summary that opens a comparison: counts per type, and which outlets diverge or agree."""

from __future__ import annotations

from collections.abc import Sequence

from compare.model import ArticleClaim, Summary
from comparison.agreement import accounts_agree
from comparison.model import DIVERGENCE_TYPES, Divergence

__all__ = ["summarize"]


def summarize(
    outlet: str,
    claims: Sequence[ArticleClaim],
    divergences: Sequence[Divergence],
    shared: float = 0.0,
) -> Summary:
    """Counts per type; outlets that diverge somewhere, and outlets that share claims with
    `outlet`'s article but never diverge from it; `shared`, the share of the other outlets'
    passages the article states too, which with the number of divergences says whether the
    accounts agree."""
    counts: dict[str, int] = dict.fromkeys(DIVERGENCE_TYPES, 0)
    diverging: set[str] = set()
    for divergence in divergences:
        counts[divergence.type] += 1
        diverging.update(part.outlet for part in divergence.counterparts)
    sharing = {
        other.outlet for claim in claims if claim.passage is not None for other in claim.others
    }
    diverging.discard(outlet)
    return Summary(
        counts=counts,
        agreeing_outlets=tuple(sorted(sharing - diverging - {outlet})),
        diverging_outlets=tuple(sorted(diverging)),
        shared=shared,
        accounts_agree=accounts_agree(shared, len(divergences)),
    )
