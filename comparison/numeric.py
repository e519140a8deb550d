"""Numeric divergence between two aligned passages: the same claim with different quantities.

Quantities are paired by kind, unit and what is counted, and by the words around them, so that
"about 800 were to be evacuated" meets "422 arrived" with both contexts shown rather than as a
blind mismatch. Values agree when they overlap within a rounding tolerance (wider when either
side is approximate), and a count agrees with the sum of the other side's counts of the same
kind of thing ("98 members and 324 relatives" vs "422 people").
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache
from itertools import combinations

from comparison.model import PASSAGE_CACHE_SIZE, Finding, PassageView
from comparison.quantities import (
    Quantity,
    clause_context,
    extract_quantities,
    is_planned,
    singular,
    words,
)

EXACT_TOLERANCE = 0.01
APPROX_TOLERANCE = 0.1
MIN_PAIR_SCORE = 0.6
# Dates differ between accounts mostly by the day each reports from ("on Friday" against "on
# Sunday"): a date pair must share more of its clause to be about the same thing.
MIN_DATE_PAIR_SCORE = 0.75

_PERSON_HEADS = frozenset(
    words(
        "person man woman child adult civilian resident member relative volunteer rescuer worker "
        "soldier officer troop fighter victim passenger refugee migrant student patient employee "
        "protester demonstrator citizen family dependant dependent evacuee helmet casualty "
        "survivor hostage prisoner detainee voter"
    )
)
_CONTEXT_STOP = frozenset(
    words(
        "a an the of and or to in on at by for from with as than that which who were was are is be "
        "been have has had will would said says about around nearly some more over it its their "
        "his her they this those these there"
    )
)
_WORDS = re.compile(r"[a-z]+")
# A stretch of time a figure is counted over: a game's total and its deciding run, a season and
# a career, are different quantities however alike the words around them.
_SCOPE = re.compile(
    r"\b(?:first|second|third|fourth|final|last|opening|closing|deciding)[\s-]+"
    r"(?:half|quarter|period|inning|set|round|run|stretch|minutes?|hours?|days?|weeks?)\b"
    r"|\b(?:career|season|all-time|overtime|so far|to date)\b|\b\d+-\d+ run\b",
    re.IGNORECASE,
)


@dataclass(frozen=True, slots=True)
class _Mention:
    quantity: Quantity
    context: str
    words: frozenset[str]
    planned: bool
    rel_position: float


@lru_cache(maxsize=PASSAGE_CACHE_SIZE)
def _mentions(text: str) -> tuple[_Mention, ...]:
    """The pairable quantities of one passage text with their contexts (cached: passages
    recur); trivial ones ("one of the", a bare "a") are left out."""
    size = max(len(text), 1)
    found = []
    for q in extract_quantities(text):
        if _is_trivial(q):
            continue
        context = clause_context(text, q.start, q.end)
        words_in = frozenset(
            singular(w) for w in _WORDS.findall(context.lower()) if w not in _CONTEXT_STOP
        )
        found.append(_Mention(q, context, words_in, is_planned(context), q.start / size))
    return tuple(found)


MAX_VALUE_RATIO = 10.0


def _comparable(a: Quantity, b: Quantity) -> bool:
    if a.kind != b.kind or a.unit != b.unit:
        return False
    if a.kind == "date":
        return any(x and y for x, y in zip(a.date_parts, b.date_parts, strict=True))
    # Accounts that differ on one figure rarely differ tenfold; such pairs count other things
    # ("422 arrived" against "100,000 pulled from the rubble").
    low, high = sorted((abs(a.value), abs(b.value)))
    return low > 0 and high / low <= MAX_VALUE_RATIO


def _agree(a: Quantity, b: Quantity) -> bool:
    if a.kind == "date" and a.unit != "weekday":
        return all(
            not x or not y or x == y for x, y in zip(a.date_parts, b.date_parts, strict=True)
        )
    approx = a.approximate or b.approximate
    tolerance = APPROX_TOLERANCE if approx else EXACT_TOLERANCE
    if a.high is not None and b.high is not None:
        # Two ranges agree only end by end: "470 to 1,400" is not "470 to 2,100".
        ends = ((a.value, b.value), (a.high, b.high))
        slack = max(a.resolution, b.resolution)
        return all(abs(x - y) <= max(slack, tolerance * max(abs(x), abs(y))) for x, y in ends)
    return a.overlaps(b.value, b.high, tolerance=tolerance, resolution=b.resolution)


def _head_class(head: str) -> str:
    return "person" if head in _PERSON_HEADS else head


def _head_score(a: Quantity, b: Quantity) -> float:
    """How surely two quantities measure the same thing, from their kinds and counted heads."""
    if a.kind not in ("count", "ordinal"):
        return 0.7
    if a.head and b.head:
        if a.head == b.head:
            return 1.0
        return 0.7 if _head_class(a.head) == _head_class(b.head) else 0.1
    return 0.6 if a.head or b.head else 0.5


def _pair_score(a: _Mention, b: _Mention) -> float:
    union = a.words | b.words
    overlap = len(a.words & b.words) / len(union) if union else 0.0
    position = 1.0 - abs(a.rel_position - b.rel_position)
    return 0.4 * _head_score(a.quantity, b.quantity) + 0.45 * overlap + 0.15 * position


# Sums of two or three parts: C(12, 3) = 220 at most per figure, where a passage listing 250
# counts would try 2.6 million. A real passage's breakdown names a handful.
MAX_SUM_PARTS = 12


def _sums_to(target: Quantity, parts: list[Quantity]) -> bool:
    """Whether two or three counts of things of the target's class (among the first
    MAX_SUM_PARTS of the passage) add up to `target`: members and relatives make people, but
    points and games make nothing."""
    kind = _head_class(target.head) if target.head else None
    counts = [
        q
        for q in parts
        if q.kind == "count"
        and q.high is None
        and (kind is None or not q.head or _head_class(q.head) == kind)
    ][:MAX_SUM_PARTS]
    for size in (2, 3):
        for combo in combinations(counts, size):
            if len({q.head for q in combo}) < size:
                continue
            total = sum(q.value for q in combo)
            tolerance = APPROX_TOLERANCE if target.approximate else EXACT_TOLERANCE
            if target.overlaps(total, None, tolerance=tolerance):
                return True
    return False


@lru_cache(maxsize=PASSAGE_CACHE_SIZE)
def _scopes(text: str) -> frozenset[str]:
    """The stretches of time a passage counts over ("second half", "career"), if it names any."""
    return frozenset(
        " ".join(m.group(0).lower().replace("-", " ").split()) for m in _SCOPE.finditer(text)
    )


def _is_trivial(q: Quantity) -> bool:
    # "one of the", "a" and bare small word numbers are too common to pair without a head.
    return q.kind == "count" and q.value <= 1 and not q.head and not q.text[-1].isdigit()


def compare_quantities(focus: PassageView, other: PassageView) -> Finding | None:
    """The strongest quantity disagreement between two aligned passages, or None.

    Evidence keys: ``kind``, ``focus_value``, ``focus_context``, ``focus_start``, ``focus_end``,
    ``other_value``, ``other_context``, ``other_start``, ``other_end`` (article offsets).
    """
    focus_m = _mentions(focus.text)
    other_m = _mentions(other.text)
    if not focus_m or not other_m or _scopes(focus.text) != _scopes(other.text):
        return None
    other_q = [m.quantity for m in other_m]
    focus_q = [m.quantity for m in focus_m]
    comparable = [[_comparable(f, o) for o in other_q] for f in focus_q]
    options = []
    for fi, fm in enumerate(focus_m):
        for oi, om in enumerate(other_m):
            if comparable[fi][oi]:
                agree = _agree(fm.quantity, om.quantity)
                options.append((_pair_score(fm, om) + (0.3 if agree else 0.0), agree, fi, oi))
    # One-to-one: a figure both accounts give is paired first, so it cannot also stand in
    # for a different figure of the other account.
    used_f: set[int] = set()
    used_o: set[int] = set()
    best: tuple[float, _Mention, _Mention] | None = None
    for score, agree, fi, oi in sorted(options, key=lambda o: (-o[0], o[2], o[3])):
        if fi in used_f or oi in used_o:
            continue
        used_f.add(fi)
        used_o.add(oi)
        fm, om = focus_m[fi], other_m[oi]
        if agree or (
            fm.quantity.kind == "count"
            and (_sums_to(fm.quantity, other_q) or _sums_to(om.quantity, focus_q))
        ):
            continue
        if fm.planned != om.planned or _head_score(fm.quantity, om.quantity) < 0.7:
            # A plan against an outcome, or counts of different things: both can be true.
            continue
        rivals_f = sum(comparable[fi])
        rivals_o = sum(row[oi] for row in comparable)
        if rivals_f == 1 and rivals_o == 1:
            score += 0.15
        floor = MIN_DATE_PAIR_SCORE if fm.quantity.kind == "date" else MIN_PAIR_SCORE
        if score >= floor and (best is None or score > best[0]):
            best = (score, fm, om)
    if best is None:
        return None
    score, fm, om = best
    return _finding(focus, other, fm, om, min(score, 1.0))


def _finding(
    focus: PassageView, other: PassageView, fm: _Mention, om: _Mention, score: float
) -> Finding:
    fq, oq = fm.quantity, om.quantity
    confidence = min(0.95, 0.35 + 0.65 * score)
    evidence: dict[str, str | list[str]] = {
        "kind": fq.kind,
        "focus_value": fq.text,
        "focus_context": fm.context,
        "focus_start": str(focus.start + fq.start),
        "focus_end": str(focus.start + fq.end),
        "other_value": oq.text,
        "other_context": om.context,
        "other_start": str(other.start + oq.start),
        "other_end": str(other.start + oq.end),
    }
    explanation = (
        f'This account gives {fq.text} ("{fm.context}") where the other gives {oq.text} '
        f'("{om.context}").'
    )
    return Finding("numeric", round(confidence, 3), evidence, explanation)
