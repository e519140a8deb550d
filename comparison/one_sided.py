"""Content only one side reports: the focus article's unique claims and its omissions.

Every passage of one side is a candidate, featured against the other side
(`comparison.one_sided_features`): how closely any passage or pair of adjacent passages of the
other side states it, how central it is to the event, whether it is a claim with substance, and
how many independent outlets carry it. Passages that are not claims (captions, subheads,
questions, boilerplate) and passages aligned with the other side are never one-sided. The
learned gate (`comparison.one_sided_model`) gives the rest a calibrated probability that an
editor would want it shown; only those at their kind's threshold are reported, with that
probability as confidence and importance.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from functools import lru_cache

import numpy as np
import numpy.typing as npt

from comparison.model import ArticleView, ClaimMember, Divergence, PassageView
from comparison.one_sided_features import Candidate, candidates, same_fact
from comparison.one_sided_model import Gate, OneSidedGate
from comparison.pair_cover import PairCover
from comparison.substance import is_claim, substance
from comparison.voice import Voice

__all__ = [
    "COVER_THRESHOLD",
    "MAX_OMISSIONS",
    "default_gate",
    "omissions",
    "outlet_list",
    "unique_claims",
]

# At or above this cosine (all-MiniLM-L6-v2) another passage states the same thing even where
# the alignment left it out of the claim. Of the passages called unique on real coverage, a
# quarter were reported by another outlet in other words, most of them above 0.7.
COVER_THRESHOLD = 0.7
COVER_SHARE = 0.6
MIN_OMISSION_SUPPORT = 2
# An omission is this article's gap when most of the other independent outlets carry the fact.
# Judged, facts two of three other outlets carried were right a quarter of the time (5 of 19),
# against half for facts all three carried; on 24 events judged after the rule was chosen it
# dropped 10 omissions, none of them right.
MIN_OMISSION_SHARE = 0.75
# The most widely carried omissions only: the answer stays short. Judged out of fold on 249
# events, three rather than five took omissions from 0.38 right (505 judged) to 0.39 (382), and
# on the newest 24 from 0.33 (61) to 0.38 (42), at recall 0.24 -> 0.20.
MAX_OMISSIONS = 3


@lru_cache(maxsize=1)
def default_gate() -> OneSidedGate:
    return OneSidedGate.load()


def outlet_list(outlets: Sequence[str], limit: int = 3) -> str:
    names = list(dict.fromkeys(outlets))
    if len(names) > limit:
        return f"{', '.join(names[:limit])} and {len(names) - limit} more"
    if len(names) > 1:
        return f"{', '.join(names[:-1])} and {names[-1]}"
    return names[0] if names else "no other outlet"


def unique_claims(
    focus: ArticleView,
    others: Sequence[ArticleView],
    voices: dict[int, Voice],
    groups: dict[int, int],
    aligned: set[int],
    gate: Gate,
    cover: PairCover | None = None,
) -> list[Divergence]:
    """The focus passages no other outlet states that the gate finds worth showing (and, given
    `cover`, that it does not read as stated by another outlet's passage)."""
    outlets = [a.outlet for a in others]
    outlet_of = {p.passage_id: a.outlet for a in others for p in a.passages}
    elsewhere = "\n".join(a.text for a in others)
    out: list[Divergence] = []
    open_passages = {
        p.passage_id
        for p in focus.passages
        if p.passage_id not in aligned and is_claim(voices[p.passage_id])
    }
    prior = gate.prior("unique_claim")
    for candidate in candidates([focus], others, voices, groups, open_passages, prior):
        passage = candidate.passage
        voice = voices[passage.passage_id]
        if _covered(candidate):
            continue
        held = substance(voice, elsewhere)
        if not held.worth_showing:
            continue
        confidence = round(gate.confidence("unique_claim", candidate.features), 3)
        if not gate.passes("unique_claim", confidence):
            continue
        if cover is not None and cover.covered(passage, _vector(focus, passage), others):
            continue
        out.append(
            Divergence(
                type="unique_claim",
                confidence=confidence,
                passage=passage,
                counterparts=(),
                evidence={
                    "best_similarity": f"{candidate.best_cosine:.2f}",
                    "nearest_outlet": outlet_of.get(candidate.nearest, ""),
                },
                explanation=(
                    f"Only {focus.outlet} reports this: none of the {len(outlets)} other "
                    f"outlets covering the event ({outlet_list(outlets)}) states it."
                ),
                importance=round(held.score * _margin(candidate.best_cosine), 3),
            )
        )
    return out


def omissions(
    focus: ArticleView,
    others: Sequence[ArticleView],
    voices: dict[int, Voice],
    groups: dict[int, int],
    claims: Sequence[Sequence[ClaimMember]],
    gate: Gate,
) -> list[Divergence]:
    """Claims other outlets carry and the focus article states nowhere: those the most
    independent outlets carry first, the likeliest first among equals.

    `claims` are the other outlets' claims without a focus passage; `groups` maps article ids
    to independence groups (wire copies count once)."""
    member_ids = {m.passage.passage_id for claim in claims for m in claim}
    featured = {
        c.passage.passage_id: c
        for c in candidates(others, [focus], voices, groups, member_ids, gate.prior("omission"))
    }
    all_groups = {groups[a.article_id] for a in others}
    ranked: list[tuple[int, Divergence]] = []
    for members in claims:
        shown = [m for m in members if is_claim(voices[m.passage.passage_id])]
        if not shown or any(_covered(featured[m.passage.passage_id]) for m in members):
            continue
        # With several other outlets, a fact only one of them carries is that outlet's own
        # detail more often than this article's gap: judged, such omissions were right 22% of
        # the time, against 45% for facts two independent outlets carry.
        if len({groups[m.passage.article_id] for m in shown}) < min(
            MIN_OMISSION_SUPPORT, len(all_groups)
        ):
            continue
        scored = [
            (gate.confidence("omission", featured[m.passage.passage_id].features), m) for m in shown
        ]
        confidence = round(max(score for score, _ in scored), 3)
        if not gate.passes("omission", confidence):
            continue
        by_group: dict[int, ClaimMember] = {}
        for _, member in sorted(scored, key=lambda item: -item[0]):
            by_group.setdefault(groups[member.passage.article_id], member)
            for supporter in _supporters(featured[member.passage.passage_id], by_group, groups):
                by_group.setdefault(groups[supporter.passage.article_id], supporter)
        support = len(by_group)
        if support < math.ceil(MIN_OMISSION_SHARE * len(all_groups)):
            continue
        held = max(substance(voices[m.passage.passage_id], focus.text).score for m in shown)
        best = max(featured[m.passage.passage_id].best_cosine for m in shown)
        lead = next(iter(by_group.values())).passage.text
        stating = [m for m in by_group.values() if same_fact(lead, m.passage.text)]
        if len(stating) < min(MIN_OMISSION_SUPPORT, len(all_groups)):
            continue
        share = len(stating) / max(1, len(all_groups))
        outlets = [m.outlet for m in stating]
        noun = "outlet" if len(stating) == 1 else "independent outlets"
        ranked.append(
            (
                len(stating),
                Divergence(
                    type="omission",
                    confidence=confidence,
                    passage=None,
                    counterparts=tuple(stating),
                    evidence={
                        "support": str(len(stating)),
                        "outlets": outlets,
                        "of_outlets": str(len(all_groups)),
                    },
                    explanation=(
                        f"Reported by {len(stating)} {noun} ({outlet_list(outlets)}) but absent "
                        f"from {focus.outlet}."
                    ),
                    importance=round(held * _margin(best) * (0.5 + 0.5 * min(1.0, share)), 3),
                ),
            )
        )
    # Omissions are weighted by how many independent outlets state the claim, as shown: the
    # gate's own ranking of omissions is barely better than chance (out-of-fold AUROC 0.56).
    ranked.sort(key=lambda item: (-item[0], -item[1].confidence))
    return [divergence for _, divergence in ranked[:MAX_OMISSIONS]]


def _margin(best_cosine: float) -> float:
    """How far the other side's closest passage stays from stating it, in (0, 1]."""
    return min(1.0, 0.5 + (COVER_THRESHOLD - best_cosine))


def _vector(article: ArticleView, passage: PassageView) -> npt.NDArray[np.float32]:
    row = next(i for i, p in enumerate(article.passages) if p.passage_id == passage.passage_id)
    vector: npt.NDArray[np.float32] = article.vectors[row]
    return vector


def _covered(candidate: Candidate) -> bool:
    """Whether the other side states the passage: one passage of it at `COVER_THRESHOLD`, or
    a window of adjacent passages holding `COVER_SHARE` of its terms."""
    return (
        candidate.best_cosine >= COVER_THRESHOLD
        or candidate.feature("lexical_cover") >= COVER_SHARE
    )


def _supporters(
    candidate: Candidate, by_group: dict[int, ClaimMember], groups: dict[int, int]
) -> list[ClaimMember]:
    return [
        ClaimMember(p, outlet, 1.0)
        for p, outlet in candidate.supporters
        if groups[p.article_id] not in by_group
    ]
