"""Content only one side reports: the focus article's unique claims and its omissions.

A passage is one-sided only when no passage of the other side states it, one to one or spread
over a few adjacent passages: its best cosine to any of them stays under `COVER_THRESHOLD`, and
no window of `WINDOW` adjacent passages of one other article holds `COVER_SHARE` of its content
words (a claim one outlet writes in one sentence, another often splits in two). Figures count
as terms beside content-word stems. Then it must be
a claim (`comparison.substance`): a caption or a subhead is not news. A unique claim also needs
substance (a figure, a new voice, an accusation); an omission has its own, the two independent
outlets that carry it.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

import numpy as np
import numpy.typing as npt

from comparison.model import ArticleView, ClaimMember, Divergence
from comparison.ranking import calibrated
from comparison.substance import is_claim, substance
from comparison.text import content_stems
from comparison.voice import Voice

__all__ = ["COVER_THRESHOLD", "Cover", "omissions", "outlet_list", "unique_claims"]

# At or above this cosine (all-MiniLM-L6-v2) another passage states the same thing even where
# the alignment left it out of the claim. Of the passages called unique on real coverage, a
# quarter were reported by another outlet in other words, most of them above 0.7.
COVER_THRESHOLD = 0.7
WINDOW = 3
COVER_SHARE = 0.6
MIN_CONTENT_WORDS = 4
MIN_OMISSION_SUPPORT = 2
# The most supported and substantial omissions only: the answer stays short.
MAX_OMISSIONS = 5
_NUMBER = re.compile(r"\d+(?:\.\d+)?")


def _terms(text: str) -> frozenset[str]:
    """Content-word stems and figures: "about 800 were due to be moved" and "about 800 had been
    expected to cross" share their figure, which words alone miss."""
    return content_stems(text) | frozenset(_NUMBER.findall(text.replace(",", "")))


class Cover:
    """Whether passages of one side are stated by the other side's articles."""

    def __init__(self, articles: Sequence[ArticleView]) -> None:
        self._windows: list[frozenset[str]] = []
        for article in articles:
            stems = [_terms(p.text) for p in article.passages]
            for start in range(len(stems)):
                self._windows.append(frozenset().union(*stems[start : start + WINDOW]))

    def lexical(self, text: str) -> float:
        """The largest share of `text`'s terms one window of the other side holds."""
        terms = _terms(text)
        if len(terms) < MIN_CONTENT_WORDS:
            return 0.0
        return max((len(terms & window) / len(terms) for window in self._windows), default=0.0)

    def covers(self, text: str, best_cosine: float) -> bool:
        return best_cosine >= COVER_THRESHOLD or self.lexical(text) >= COVER_SHARE


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
    similarity: npt.NDArray[np.float32],
    aligned: set[int],
) -> list[Divergence]:
    """The focus passages no other outlet states, with substance. `similarity` is the cosine of
    every focus passage against every other passage, in `others`' order: (n_focus, n_other)."""
    if similarity.shape[1] == 0:
        return []
    cover = Cover(others)
    elsewhere = "\n".join(a.text for a in others)
    outlets = [a.outlet for a in others]
    other_passages = [p for a in others for p in a.passages]
    outlet_of = {a.article_id: a.outlet for a in others}
    out: list[Divergence] = []
    columns = similarity.argmax(axis=1)
    for row, passage in enumerate(focus.passages):
        voice = voices[passage.passage_id]
        if passage.passage_id in aligned or not is_claim(voice):
            continue
        held = substance(voice, elsewhere)
        best = float(similarity[row, int(columns[row])])
        if not held.worth_showing or cover.covers(passage.text, best):
            continue
        nearest = other_passages[int(columns[row])]
        margin = min(1.0, 0.5 + (COVER_THRESHOLD - best))
        out.append(
            Divergence(
                type="unique_claim",
                confidence=calibrated("unique_claim"),
                passage=passage,
                counterparts=(),
                evidence={
                    "best_similarity": f"{best:.2f}",
                    "nearest_outlet": outlet_of[nearest.article_id],
                    "nearest_passage": nearest.text,
                },
                explanation=(
                    f"Only {focus.outlet} reports this: none of the {len(outlets)} other "
                    f"outlets covering the event ({outlet_list(outlets)}) states it."
                ),
                importance=round(held.score * margin, 3),
            )
        )
    return out


def omissions(
    focus: ArticleView,
    groups: dict[int, int],
    claims: Sequence[Sequence[ClaimMember]],
    voices: dict[int, Voice],
    best_focus: dict[int, float],
) -> list[Divergence]:
    """Claims other outlets carry and the focus article states nowhere, most supported first.

    `groups` maps article ids to independence groups (wire copies count once); `best_focus`
    gives each other passage's best cosine to any focus passage.
    """
    all_groups = {groups[a] for a in groups if a != focus.article_id}
    all_groups.discard(groups[focus.article_id])
    cover = Cover([focus])
    held_by = {
        m.passage.passage_id: substance(voices[m.passage.passage_id], focus.text)
        for members in claims
        for m in members
    }
    ranked: list[tuple[int, float, Divergence]] = []
    for members in claims:
        # Two independent outlets carrying a claim are its substance: judged, such omissions
        # were right as often without a figure, quote or accusation as with one.
        shown = [m for m in members if is_claim(voices[m.passage.passage_id])]
        if not shown or any(
            cover.covers(m.passage.text, best_focus[m.passage.passage_id]) for m in members
        ):
            continue
        by_group: dict[int, ClaimMember] = {}
        for member in shown:
            by_group.setdefault(groups[member.passage.article_id], member)
        support = len(by_group)
        # With several other outlets, a fact only one of them carries is that outlet's own
        # detail more often than this article's gap: judged, such omissions were right 22% of
        # the time, against 45% for facts two independent outlets carry.
        if support < min(MIN_OMISSION_SUPPORT, len(all_groups)):
            continue
        best = max(best_focus[m.passage.passage_id] for m in shown)
        share = support / max(1, len(all_groups))
        margin = min(1.0, 0.5 + (COVER_THRESHOLD - best))
        held = max(held_by[m.passage.passage_id].score for m in shown)
        outlets = [m.outlet for m in by_group.values()]
        noun = "outlet" if support == 1 else "independent outlets"
        ranked.append(
            (
                support,
                margin,
                Divergence(
                    type="omission",
                    confidence=calibrated("omission"),
                    passage=None,
                    counterparts=tuple(by_group.values()),
                    evidence={
                        "support": str(support),
                        "outlets": outlets,
                        "best_similarity": f"{best:.2f}",
                    },
                    explanation=(
                        f"Reported by {support} {noun} ({outlet_list(outlets)}) but absent "
                        f"from {focus.outlet}."
                    ),
                    importance=round(held * margin * (0.5 + 0.5 * share), 3),
                ),
            )
        )
    ranked.sort(key=lambda item: (-item[0], -item[2].importance))
    return [divergence for _, _, divergence in ranked[:MAX_OMISSIONS]]
