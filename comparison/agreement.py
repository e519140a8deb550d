"""How much of what the other outlets report an article states too, against how many
differences the engine found: where it states enough, the accounts agree, and an answer opens
with no difference.

Judged out of fold on 177 dev events, the share told the events whose accounts agree from those
with a real difference better than anything the items themselves carry (AUROC 0.71). On 369
events it told them apart at 0.65, and the share together with the number of differences found
at 0.72: an article that states much of the others' account and differs from it in few places
tells their story.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from comparison.divergences import blas_controller, independent_others
from comparison.model import ArticleView
from comparison.one_sided_features import SUPPORT_COSINE

__all__ = ["AGREEING_SHARE", "SHARE_PER_DIFFERENCE", "accounts_agree", "shared_share"]

# The accounts agree at a share of AGREEING_SHARE plus SHARE_PER_DIFFERENCE for each difference
# found (0.25 with one, 0.4 with two, 0.55 with three). Judged out of fold on 369 events, against
# a share of 0.4 whatever was found, agreeing answers were empty more often (73 -> 79 of 119),
# the editors' key was found more often (34 -> 38 of 250), and an answer called agreeing was
# right about it more often (0.46 -> 0.52); on 417, empty answers 0.623 -> 0.659, keys found 48 ->
# 50 of 279. On the ten batches of 24 read after it was chosen, three keys fewer in 144 and
# seven more empty answers in 96: docs/comparison.md, "Agreement that counts the differences" and
# seeds 20 to 30.
AGREEING_SHARE = 0.1
SHARE_PER_DIFFERENCE = 0.15


def shared_share(focus: ArticleView, event_articles: Sequence[ArticleView]) -> float:
    """The share of the independent other outlets' passages that some passage of `focus`
    states (cosine at `SUPPORT_COSINE` or above); 0.0 when no other outlet covers the event."""
    others, _ = independent_others(focus, event_articles)
    vectors = [a.vectors for a in others if len(a.passages)]
    if not vectors or not len(focus.passages):
        return 0.0
    with blas_controller().limit(limits=1, user_api="blas"):
        similarity = focus.vectors @ np.concatenate(vectors).T
    return round(float((similarity.max(axis=0) >= SUPPORT_COSINE).mean()), 3)


def accounts_agree(shared: float, differences: int) -> bool:
    """Whether an article that states `shared` of the others' passages, and differs from them
    in `differences` reported divergences, tells their story."""
    return shared >= round(AGREEING_SHARE + SHARE_PER_DIFFERENCE * differences, 3)
