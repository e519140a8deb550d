"""Attribution divergences: one account states as fact what another attributes or hedges.

Each passage gets a stance level: 0 states the content as fact; 1 attributes it neutrally
("said", "according to"); 2 distances or hedges it ("claimed", "alleged", "reportedly", "may").
Two aligned passages at different levels diverge: "said" → "claimed" is 1 → 2, a fact turned
into "according to officials" is 0 → 1. Rules only: no model serves this, and it runs per pair.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

from comparison.framing import loaded_terms
from comparison.lexicons import (
    ACCUSATION_MARKERS,
    ACCUSATION_STEMS,
    DISTANCING,
    HEDGE_PHRASES,
    MODAL_HEDGES,
    NEUTRAL_ATTRIBUTION,
    NEUTRAL_PHRASES,
)
from comparison.model import PASSAGE_CACHE_SIZE, Finding, PassageView
from comparison.voice import Voice, as_voice

FACT, ATTRIBUTED, HEDGED = 0, 1, 2
CREDITING_HEDGE = "reportedly"
_LEVEL_NAMES = {FACT: "states it as fact", ATTRIBUTED: "attributes it", HEDGED: "hedges it"}


def _alternation(items: frozenset[str] | tuple[str, ...]) -> str:
    return "|".join(re.escape(item) for item in sorted(items, key=len, reverse=True))


# Single verbs are matched in lower case: "the United States" is no attribution.
_NEUTRAL = re.compile(
    rf"\b(?:(?i:{_alternation(NEUTRAL_PHRASES)})|{_alternation(NEUTRAL_ATTRIBUTION)})\b"
)
_DISTANCING = re.compile(
    rf"\b(?:{_alternation(HEDGE_PHRASES)}|{_alternation(DISTANCING)})\b", re.IGNORECASE
)
# Modals are matched in lower case only: "May 5" is a date, and "could not be reached" a formula.
_MODAL = re.compile(rf"\b(?:{_alternation(MODAL_HEDGES)})\b(?! not be reached| not immediately)")
_NAME = r"(?:(?:Mr|Mrs|Ms|Dr|Gen|Sen|Rep|Gov|Pres)\.\s)?[A-Z][\w’'.-]*(?:\s[A-Z][\w’'.-]*){0,3}"
_SOURCE_PATTERNS = (
    re.compile(rf"\b(?i:according to)\s((?:the\s)?{_NAME}|(?:the\s|some\s)?[a-z]+(?:\s[a-z]+)?)"),
    re.compile(
        rf"({_NAME}|\b(?:he|she|they|officials|police|witnesses))\s(?:has\s|have\s)?"
        r"(?:said|says|claimed|claims|alleged|alleges|insisted|insists|told|asserted)\b"
    ),
    re.compile(rf"\b(?:said|says|claimed|claims|alleged|insisted|told\s\w+)\s({_NAME})"),
)


@dataclass(frozen=True, slots=True)
class Stance:
    """How one passage holds its content: level, the cue words found, and the source named."""

    level: int
    cues: tuple[str, ...]
    source: str


@lru_cache(maxsize=PASSAGE_CACHE_SIZE)
def stance(text: str) -> Stance:
    """The attribution stance of one passage (cached per text: the orchestrator asks often)."""
    neutral = [m.group().lower() for m in _NEUTRAL.finditer(text)]
    hedged = [m.group().lower() for m in _DISTANCING.finditer(text)]
    hedged += [m.group() for m in _MODAL.finditer(text)]
    level = HEDGED if hedged else ATTRIBUTED if neutral else FACT
    source = ""
    if level != FACT:
        for pattern in _SOURCE_PATTERNS:
            match = pattern.search(text)
            if match:
                source = match.group(1).strip(" ,.")
                break
    return Stance(level, tuple(dict.fromkeys(hedged + neutral)), source)


_CONFIDENCE = {
    frozenset({FACT, HEDGED}): 0.9,
    frozenset({ATTRIBUTED, HEDGED}): 0.85,
    frozenset({FACT, ATTRIBUTED}): 0.75,
}


def _held(voice: Voice) -> Stance:
    """The stance of a passage's own words; a passage that is mostly a quotation is attributed
    to its speaker, whatever its narration says. Modal words alone ("may", "could") hedge a
    forecast as often as a claim, so they do not make a passage hedged."""
    own = stance(voice.own_text)
    level = HEDGED if _distanced(own) else ATTRIBUTED if own.level != FACT else FACT
    source = own.source
    if voice.is_quote:
        level = max(level, ATTRIBUTED)
        source = source or voice.speaker or "a quoted speaker"
    return Stance(level, own.cues, source)


def _distanced(held: Stance) -> bool:
    """Whether a distancing cue holds the content; "reportedly" beside a speech verb ("X
    reportedly said") credits other reporting for the quote, as "said" alone would."""
    speech = any(cue.lower() in NEUTRAL_ATTRIBUTION for cue in held.cues)
    return any(
        cue.lower() not in MODAL_HEDGES and not (speech and cue.lower() == CREDITING_HEDGE)
        for cue in held.cues
        if _is_hedge(cue)
    )


def _is_hedge(cue: str) -> bool:
    return cue.lower() in DISTANCING or cue.lower() in MODAL_HEDGES or cue.lower() in HEDGE_PHRASES


# Verbs that report someone's act of speech or blame: a sentence holding one is no outlet's own
# assertion, even without "said" ("The DNC blames Russia", "Trump has denied").
_REPORTING = re.compile(
    r"\b(?:blam|deni|deny|accus|charg|argu|contend|maintain|believ|insist|assert|accord|"
    r"claim|alleg|said|says|say|told|tell|stat|report|announc|testif|wrote|writ|tweet|"
    r"call|describ|suggest|warn|acknowledg|admit|dispute|reject|confirm)\w*",
    re.IGNORECASE,
)


@lru_cache(maxsize=PASSAGE_CACHE_SIZE)
def plain_accusation(voice: Voice) -> bool:
    """Whether a passage states an accusation in the outlet's own voice, in loaded words, and
    attributes it to no one. Neutral reports of a lawsuit or an indictment ("the indictment
    documented lies") state no charge of the outlet's own: all were judged wrong as attribution
    items. This is the divergence the defining example turns on ("the group are terrorists who stage
    chemical attacks" where the others report that the government says so)."""
    own = voice.own_text
    return (
        not voice.quoted
        and contested(own)
        and _REPORTING.search(own) is None
        and any(term.kind == "label" or term.weight >= 1.0 for term in loaded_terms(own))
    )


@lru_cache(maxsize=PASSAGE_CACHE_SIZE)
def contested(text: str) -> bool:
    """Whether `text` carries an accusation or a grave charge."""
    low = text.lower()
    return any(stem in low for stem in ACCUSATION_STEMS)


@lru_cache(maxsize=PASSAGE_CACHE_SIZE)
def accusations(text: str) -> frozenset[str]:
    """The stems of what `text` charges someone with ("terror", "stage"), markers left out."""
    low = text.lower()
    return frozenset(
        stem for stem in ACCUSATION_STEMS if stem in low and stem not in ACCUSATION_MARKERS
    )


def _describe(name: str, held: Stance) -> str:
    if held.level == FACT:
        return f"{name} states it as fact"
    cues = ", ".join(f"“{cue}”" for cue in held.cues[:3])
    source = f" to {held.source}" if held.source and held.level == ATTRIBUTED else ""
    verb = "attributes it" + source if held.level == ATTRIBUTED else "hedges it"
    return f"{name} {verb}" + (f" ({cues})" if cues else "")


def detect_attribution(
    focus: Voice | PassageView,
    other: Voice | PassageView,
    *,
    focus_outlet: str = "This account",
    other_outlet: str = "the other account",
) -> Finding | None:
    """A Finding when the two aligned passages hold their content at different stance levels.

    A distancing word on one side ("claimed", "allegedly", "could not be verified") diverges from
    the other's plain or neutrally attributed account. Fact against neutral attribution ("police
    said X" against a bare X) diverges only when the claim is contested: an accusation or a
    grave charge. Confidence is highest for fact vs hedge, then "said" vs "claimed", then fact vs
    attribution; a little lower when it is the focus passage that states plainly what the other
    hedges.
    """
    mine_voice, their_voice = as_voice(focus), as_voice(other)
    mine, theirs = _held(mine_voice), _held(their_voice)
    if mine.level == theirs.level:
        return None
    levels = frozenset({mine.level, theirs.level})
    if HEDGED not in levels and not (
        contested(mine_voice.own_text) or contested(their_voice.own_text)
    ):
        return None
    confidence = _CONFIDENCE[levels]
    if mine.level < theirs.level:
        confidence *= 0.9
    evidence: dict[str, str | list[str]] = {
        "focus_stance": _LEVEL_NAMES[mine.level],
        "other_stance": _LEVEL_NAMES[theirs.level],
        "focus_cues": list(mine.cues),
        "other_cues": list(theirs.cues),
    }
    source = mine.source or theirs.source
    if source:
        evidence["source"] = source
    explanation = f"{_describe(focus_outlet, mine)}, while {_describe(other_outlet, theirs)}."
    return Finding("attribution", round(confidence, 3), evidence, explanation)
