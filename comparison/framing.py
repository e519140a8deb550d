"""Framing divergences: the same actor, place or act named with different or loaded words.

Three signals, all lexical (no model names loaded language reliably, and this runs per pair):
- contrast labels: the two passages use different members of one naming group, one of them
  loaded ("terrorists" / "volunteer rescuers", "regime" / "government", "riot" / "protest");
- scare quotes: a word put in quotation marks that the other passage uses plainly;
- loaded words: a word from the loaded or sentiment lexicon that the other passage lacks.
Words the two passages share are never evidence, so a verbatim copy never diverges.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from functools import lru_cache
from typing import Literal

from comparison.lexicons import (
    LOADED_WEIGHTS,
    contrast_group,
    loaded_weight,
    word_forms,
    words,
)
from comparison.model import PASSAGE_CACHE_SIZE, Finding, PassageView

TermKind = Literal["label", "loaded", "sentiment", "scare_quotes"]

# A short phrase (at most three words) in double or curly quotes, standing inside a sentence.
_SCARE = re.compile(r"(?<![\w])[\"“‘]([A-Za-z][\w’'-]*(?:\s[\w’'-]+){0,2})[\"”’](?![\w])")
_MIN_CONFIDENCE = 0.5


@dataclass(frozen=True, slots=True)
class LoadedTerm:
    """A loaded span of one text: `text[start:end] == term`; weight in (0, 1]."""

    start: int
    end: int
    term: str
    kind: TermKind
    weight: float


@lru_cache(maxsize=PASSAGE_CACHE_SIZE)
def loaded_terms(text: str) -> tuple[LoadedTerm, ...]:
    """Every loaded word and scare-quoted phrase of a single text, in order of position."""
    found: list[LoadedTerm] = []
    for match in _SCARE.finditer(text):
        found.append(LoadedTerm(match.start(), match.end(), match.group(), "scare_quotes", 0.8))
    for word, start, end in words(text):
        weight = loaded_weight(word)
        if weight <= 0:
            continue
        group = contrast_group(word)
        forms = word_forms(word)
        if group is not None and group[1]:
            kind: TermKind = "label"
        elif any(form in LOADED_WEIGHTS for form in forms):
            kind = "loaded"
        else:
            kind = "sentiment"
        found.append(LoadedTerm(start, end, word, kind, weight))
    return tuple(sorted(found, key=lambda term: term.start))


@lru_cache(maxsize=PASSAGE_CACHE_SIZE)
def _vocabulary(text: str) -> frozenset[str]:
    return frozenset(form for word, _, _ in words(text) for form in word_forms(word))


def _plain_occurrence(phrase: str, text: str) -> bool:
    """Whether `phrase` occurs in `text` outside quotation marks."""
    for match in re.finditer(rf"(?<![\w\"“‘]){re.escape(phrase)}(?![\w\"”’])", text, re.I):
        if match.start() == 0 or text[match.start() - 1] not in '"“‘':
            return True
    return False


@dataclass(frozen=True, slots=True)
class _Candidate:
    confidence: float
    kind: str
    focus_terms: tuple[str, ...]
    other_terms: tuple[str, ...]
    explanation: str


def _quoted(terms: Iterable[str]) -> str:
    return ", ".join(f"“{term}”" for term in terms)


@lru_cache(maxsize=PASSAGE_CACHE_SIZE)
def _label_words(text: str) -> tuple[tuple[str, int, bool, frozenset[str], int, int], ...]:
    """(word, contrast group, is loaded, word forms, start, end) of every contrast-group word."""
    out = []
    for word, start, end in words(text):
        group = contrast_group(word)
        if group is not None:
            out.append((word, group[0], group[1], frozenset(word_forms(word)), start, end))
    return tuple(out)


def _labels(text: str, vocab_other: frozenset[str]) -> dict[int, list[tuple[str, bool]]]:
    """Per contrast group, the phrases (adjacent words joined) the other text does not use."""
    by_group: dict[int, list[tuple[str, bool]]] = {}
    last: tuple[int, int] | None = None
    for word, group, loaded, forms, start, end in _label_words(text):
        if forms & vocab_other:
            continue
        entries = by_group.setdefault(group, [])
        if entries and last is not None and last[0] == group and not text[last[1] : start].strip():
            phrase, was_loaded = entries[-1]
            entries[-1] = (f"{phrase} {word}", was_loaded or loaded)
        else:
            entries.append((word, loaded))
        last = (group, end)
    return by_group


def _contrast(focus: str, other: str, names: tuple[str, str]) -> _Candidate | None:
    mine = _labels(focus, _vocabulary(other))
    theirs = _labels(other, _vocabulary(focus))
    for group in sorted(set(mine) & set(theirs)):
        loaded_mine = [w for w, loaded in mine[group] if loaded]
        loaded_theirs = [w for w, loaded in theirs[group] if loaded]
        if bool(loaded_mine) == bool(loaded_theirs):
            continue
        focus_words = tuple(dict.fromkeys(w for w, _ in mine[group]))
        other_words = tuple(dict.fromkeys(w for w, _ in theirs[group]))
        return _Candidate(
            0.9 if loaded_mine else 0.8,
            "label",
            focus_words,
            other_words,
            f"{names[0]} says {_quoted(focus_words)} where {names[1]} says "
            f"{_quoted(other_words)} for the same thing.",
        )
    return None


def _scare_quotes(focus: str, other: str, names: tuple[str, str]) -> _Candidate | None:
    for text, counterpart, sign in ((focus, other, 1), (other, focus, -1)):
        for match in _SCARE.finditer(text):
            phrase = match.group(1)
            if re.search(rf"[\"“‘]{re.escape(phrase)}[\"”’]", counterpart, re.I):
                continue
            plain = _plain_occurrence(phrase, counterpart)
            if sign > 0:
                confidence = 0.85 if plain else 0.55
                explanation = f"{names[0]} puts “{phrase}” in quotation marks, " + (
                    f"a word {names[1]} uses plainly."
                    if plain
                    else f"a wording {names[1]} does not use."
                )
                return _Candidate(confidence, "scare_quotes", (match.group(),), (), explanation)
            if plain:
                return _Candidate(
                    0.7,
                    "scare_quotes",
                    (phrase,),
                    (match.group(),),
                    f"{names[1]} puts “{phrase}” in quotation marks; {names[0]} uses it plainly.",
                )
    return None


def _loaded_words(focus: str, other: str, names: tuple[str, str]) -> _Candidate | None:
    def unshared(text: str, vocab: frozenset[str]) -> list[LoadedTerm]:
        return [
            term
            for term in loaded_terms(text)
            if term.kind != "scare_quotes" and not set(word_forms(term.term)) & vocab
        ]

    mine = unshared(focus, _vocabulary(other))
    theirs = unshared(other, _vocabulary(focus))
    best: _Candidate | None = None
    if mine:
        weight = max(term.weight for term in mine)
        terms = tuple(dict.fromkeys(t.term for t in mine if t.weight >= weight - 0.2))
        best = _Candidate(
            0.4 + 0.45 * weight,
            "loaded",
            terms,
            tuple(t.term for t in theirs),
            f"{names[0]} uses loaded wording ({_quoted(terms)}) that {names[1]} does not.",
        )
    if theirs:
        weight = max(term.weight for term in theirs)
        terms = tuple(dict.fromkeys(t.term for t in theirs if t.weight >= weight - 0.2))
        confidence = 0.8 * (0.4 + 0.45 * weight)
        if best is None or confidence > best.confidence:
            best = _Candidate(
                confidence,
                "loaded",
                tuple(t.term for t in mine),
                terms,
                f"{names[1]} uses loaded wording ({_quoted(terms)}) where {names[0]} does not.",
            )
    return best


def detect_framing(
    focus: PassageView,
    other: PassageView,
    *,
    focus_outlet: str = "This account",
    other_outlet: str = "the other account",
) -> Finding | None:
    """A Finding when two aligned passages name the same thing with different or loaded words."""
    if focus.text == other.text:
        return None
    names = (focus_outlet, other_outlet)
    candidates = [
        candidate
        for detector in (_contrast, _scare_quotes, _loaded_words)
        if (candidate := detector(focus.text, other.text, names)) is not None
    ]
    candidates = [c for c in candidates if c.confidence >= _MIN_CONFIDENCE]
    if not candidates:
        return None
    best = max(candidates, key=lambda c: c.confidence)
    evidence: dict[str, str | list[str]] = {
        "kind": best.kind,
        "focus_terms": list(best.focus_terms),
        "other_terms": list(best.other_terms),
    }
    return Finding("framing", round(min(best.confidence, 1.0), 3), evidence, best.explanation)


def detect_loaded_language(
    focus: PassageView,
    event_vocabulary: frozenset[str],
    *,
    focus_outlet: str = "This account",
) -> Finding | None:
    """Framing of a passage no other outlet matches: loaded words no other outlet uses at all.

    `event_vocabulary` is `vocabulary(...)` of the other outlets' texts. Confidence stays below
    the pairwise signals, since there is no counterpart naming the same thing.
    """
    terms = [
        term
        for term in loaded_terms(focus.text)
        if term.kind == "scare_quotes" or not set(word_forms(term.term)) & event_vocabulary
    ]
    if not terms:
        return None
    weight = max(term.weight for term in terms)
    confidence = 0.3 + 0.4 * weight
    if confidence < _MIN_CONFIDENCE:
        return None
    chosen = [t.term for t in terms if t.weight >= weight - 0.2]
    evidence: dict[str, str | list[str]] = {
        "kind": "event_vocabulary",
        "focus_terms": chosen,
        "other_terms": [],
    }
    explanation = (
        f"{focus_outlet} uses loaded wording ({_quoted(chosen)}) that no other outlet covering "
        "this event uses."
    )
    return Finding("framing", round(confidence, 3), evidence, explanation)


def vocabulary(texts: Iterable[str]) -> frozenset[str]:
    """Every word form of `texts`, for `detect_loaded_language`."""
    return frozenset().union(*(_vocabulary(text) for text in texts))
