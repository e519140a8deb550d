"""Ranking divergences by news value, and the few key differences an answer opens with.

A reader's picture of an event changes most when the accounts disagree on a figure or a fact,
then when they name the same actors differently or hold a claim at a different distance, then
when one reports a substantial claim the others leave out. `importance` puts a pairwise
finding on that scale, weighted by how many other outlets stand on the other side;
`key_differences` takes the top of the list, at most three of a kind, one per passage and one per
word framed, so the answer opens with a short, varied list rather than the first lines of a long
one.
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import replace

from comparison.model import Divergence, DivergenceType, Finding, PassageView

__all__ = [
    "FRAMING_JUDGED",
    "KEY_DIFFERENCES",
    "LEAD_CONFIDENCE",
    "TYPE_JUDGED",
    "TYPE_WEIGHT",
    "calibrated",
    "importance",
    "judged_of",
    "key_differences",
    "plausibly_right",
    "smoothed",
]
EXCERPT_CHARS = 110

KEY_DIFFERENCES = 5
# At most three of a kind lead: judged out of fold on 417 events, two a kind left keys below the
# lead in answers with few kinds (keys found 50 -> 55 of 279 with three, key precision 0.479 ->
# 0.484, 1.33 -> 1.59 key differences an answer); on the 24 read after it was chosen, one key
# more, and right (key precision 13 of 20 -> 14 of 21), as many editors' keys found (5 of 21).
# On 441, keys found 52 -> 56 of 292, key precision 0.476 -> 0.475.
MAX_PER_TYPE = 3
# A divergence leads the answer only when items of its kind may be right this often: unless the
# judged items of its kind make that less likely than `KEY_MIN_PLAUSIBILITY` (a kind judged a few
# times is not yet known to fall short; one judged 10 times and never right is). An item that
# carries its own calibrated chance of being right needs that chance to reach it too (an edit, a
# gated unique claim), or `LEAD_CONFIDENCE` (a gated omission).
KEY_MIN_CONFIDENCE = 0.4
KEY_MIN_PLAUSIBILITY = 0.2
MIN_LEADING_SUPPORT = 2
# Kinds whose items carry their own calibrated chance of being right (the one-sided gate's), and
# the chance they need to lead. Omissions lead when the gate gives them 0.6. Chosen on 297
# judged events, where out of fold it doubled the editors' keys found (12 to 25 of 198), and
# checked on the 24 judged next: key precision 0.450 -> 0.467, key hit 0.167 -> 0.208, as many
# empty answers where the accounts agree. Out of fold on all 321 the keys are as often right
# (0.479 -> 0.487) and hit (0.293 -> 0.290), and agreeing answers are empty less often (0.764 ->
# 0.651). Under the earlier isotonic gate, omissions leading had cost key hits and empty answers
# on five batches running (docs/comparison.md).
LEAD_CONFIDENCE: dict[DivergenceType, float] = {"unique_claim": KEY_MIN_CONFIDENCE, "omission": 0.6}
TYPE_WEIGHT: dict[DivergenceType, float] = {
    "numeric": 1.0,
    "contradiction": 1.0,
    "framing": 0.8,
    "attribution": 0.7,
    "unique_claim": 0.6,
    "omission": 0.6,
}
# Judged items per kind reported by the engine, (right and worth showing, judged), each event
# answered with a one-sided gate fitted without it:
# `python -m evaluation.one_sided_fit --judged --calibrate` prints these.
TYPE_JUDGED: dict[DivergenceType, tuple[int, int]] = {
    "numeric": (3, 18),
    "contradiction": (2, 12),
    "unique_claim": (419, 907),
    "omission": (255, 559),
    "framing": (10, 41),
    "attribution": (0, 22),
}
# Framing's three detectors are right at different rates, so each is judged on its own (the
# same command prints these): scare quotes and different words for the same actor or act against
# a lexicon's word of judgment ("so-called") added to what the others report plainly. A kind not
# judged yet counts as framing as a whole.
FRAMING_JUDGED: dict[str, tuple[int, int]] = {
    "label": (3, 14),
    "loaded": (1, 9),
    "scare_quotes": (6, 18),
    "sentiment": (0, 0),
}
_FRAMING_KIND_WEIGHT = {"label": 1.0, "scare_quotes": 1.0, "loaded": 0.6}


def importance(finding: Finding, outlets: int) -> float:
    """How much a pairwise finding changes a reader's picture, in [0, 1]: its kind's weight,
    the detector's own score and the number of outlets on the other side."""
    weight = 1.0
    if finding.type == "framing":
        weight = _FRAMING_KIND_WEIGHT.get(str(finding.evidence.get("kind", "")), 0.6)
    support = min(1.0, 0.7 + 0.15 * max(0, outlets - 1))
    return round(weight * support * finding.score, 3)


def _rank(divergence: Divergence) -> float:
    return TYPE_WEIGHT[divergence.type] * divergence.importance * _precision(divergence)


def _precision(divergence: Divergence) -> float:
    """How often items like this one are right: an edit a reprint made to its source (a diff,
    not a reading of two accounts) carries its own measured confidence; every other item its
    kind's judged precision."""
    if "edit" in divergence.evidence:
        return divergence.confidence
    return calibrated(divergence.type, divergence.evidence)


def judged_of(
    kind: DivergenceType, evidence: Mapping[str, object] | None = None
) -> tuple[int, int]:
    """(right, judged) items like this one: its kind's, or for framing its detector's."""
    if kind == "framing":
        detector = FRAMING_JUDGED.get(str((evidence or {}).get("kind", "")), (0, 0))
        if detector[1]:
            return detector
    return TYPE_JUDGED[kind]


def smoothed(right: int, judged: int) -> float:
    """Judged precision under a Beta(1, 1) prior: 0.5 with no judgments, the record with many."""
    return round((right + 1) / (judged + 2), 3)


def calibrated(kind: DivergenceType, evidence: Mapping[str, object] | None = None) -> float:
    """P(an item of this kind, with this evidence, is right and worth showing), from the judged
    set (`smoothed`)."""
    return smoothed(*judged_of(kind, evidence))


def excerpt(passage: PassageView, limit: int = EXCERPT_CHARS) -> str:
    """The passage's opening words, cut at a word boundary."""
    text = " ".join(passage.text.split()).strip('“”"')
    if len(text) <= limit:
        return text
    return text[:limit].rsplit(" ", 1)[0].rstrip(",;:") + "…"


def _names(outlets: Sequence[str]) -> str:
    names = list(dict.fromkeys(outlets))
    return names[0] if len(names) == 1 else f"{', '.join(names[:-1])} and {names[-1]}"


def lead(divergence: Divergence, focus_outlet: str) -> str:
    """One sentence that names the outlets and quotes both sides."""
    others = [m.outlet for m in divergence.counterparts]
    if divergence.type == "omission":
        first = divergence.counterparts[0].passage
        verb = "reports" if len(set(others)) == 1 else "report"
        return f"{_names(others)} {verb} “{excerpt(first)}”; {focus_outlet} leaves it out."
    assert divergence.passage is not None
    mine = excerpt(divergence.passage)
    if not divergence.counterparts:
        return f"Only {focus_outlet} reports “{mine}”."
    theirs = excerpt(divergence.counterparts[0].passage)
    what = divergence.explanation.rstrip(".")
    return f"{what}: {focus_outlet} writes “{mine}”, {others[0]} “{theirs}”."


def plausibly_right(
    kind: DivergenceType,
    rate: float = KEY_MIN_CONFIDENCE,
    evidence: Mapping[str, object] | None = None,
) -> float:
    """P(items like this one are right at least `rate` of the time), given their judged items
    (`judged_of`) and a Beta(1, 1) prior: for integer shapes a and b,
    P(p >= x) = P(Binomial(a + b - 1, x) < a)."""
    right, judged = judged_of(kind, evidence)
    a, n = right + 1, judged + 1
    return sum(math.comb(n, k) * rate**k * (1 - rate) ** (n - k) for k in range(a))


def _may_lead(divergence: Divergence) -> bool:
    """Kinds that may be right often enough, and edits; an item whose confidence is
    its own calibrated chance of being right (an edit, a gated unique claim or omission) only
    when that chance is high enough (`LEAD_CONFIDENCE`); an omission only when it has the
    support `_omission_leads` asks for."""
    edit = "edit" in divergence.evidence
    bar = KEY_MIN_CONFIDENCE if edit else LEAD_CONFIDENCE.get(divergence.type, 0.0)
    if divergence.confidence < bar:
        return False
    if not edit and (
        plausibly_right(divergence.type, evidence=divergence.evidence) < KEY_MIN_PLAUSIBILITY
    ):
        return False
    return divergence.type != "omission" or _omission_leads(divergence)


def _omission_leads(divergence: Divergence) -> bool:
    """Whether two independent outlets carry the omission, or the only other outlet does.

    Among several other outlets, one outlet's extra fact is its own detail more often than this
    article's gap. Against a single other outlet the two cannot be told apart by support, and
    such omissions were the likeliest to be right (judged out of fold on 153 events): 76 of 139,
    against 31 of 88 against two outlets and 27 of 61 against three."""
    support = int(str(divergence.evidence["support"]))
    if "of_outlets" not in divergence.evidence:  # a reprint's diff: one copy against its source
        return support >= MIN_LEADING_SUPPORT
    return support >= min(MIN_LEADING_SUPPORT, int(str(divergence.evidence["of_outlets"])))


def key_differences(
    divergences: Sequence[Divergence],
    limit: int = KEY_DIFFERENCES,
    *,
    focus_outlet: str = "",
    agreeing: bool = False,
    max_per_type: int = MAX_PER_TYPE,
) -> list[Divergence]:
    """The divergences an answer opens with, most important first (possibly none), each
    explained by `lead` when `focus_outlet` is given. Where the accounts agree
    (`comparison.agreement`), only the edits a reprint made to its source may lead: they are
    diffs, sure whatever the rest of the text shares."""
    chosen: list[Divergence] = []
    per_type: Counter[DivergenceType] = Counter()
    passages: set[int] = set()
    framed: set[frozenset[str]] = set()
    for divergence in sorted(divergences, key=_rank, reverse=True):
        if len(chosen) == limit:
            break
        passage = divergence.passage
        if per_type[divergence.type] >= max_per_type or not _may_lead(divergence):
            continue
        if agreeing and "edit" not in divergence.evidence:
            continue
        if passage is not None and passage.passage_id in passages:
            continue
        words = _framed_words(divergence)
        if words and words in framed:
            continue
        if focus_outlet:
            divergence = replace(divergence, explanation=lead(divergence, focus_outlet))
        chosen.append(divergence)
        per_type[divergence.type] += 1
        if passage is not None:
            passages.add(passage.passage_id)
        if words:
            framed.add(words)
    return chosen


def _framed_words(divergence: Divergence) -> frozenset[str]:
    """The focus article's words a framing item is about (empty for other kinds): the same
    word framed in several passages leads once."""
    if divergence.type != "framing":
        return frozenset()
    terms = divergence.evidence.get("focus_terms", [])
    if isinstance(terms, str):
        terms = [terms]
    return frozenset(str(term).strip("\"'“”‘’").lower() for term in terms)
