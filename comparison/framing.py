"""Framing divergences: the same actor, place or act named with different words.

Only the outlet's own words count: speech quotations are blanked first (`comparison.voice`), and a
capitalised word inside a sentence is a name, never framing ("United" in "United States"). Three
signals, all lexical (no model names loaded language reliably, and this runs per pair):
- contrast labels: the two passages use different members of one naming group, one of them
  loaded ("terrorists" / "volunteer rescuers", "regime" / "government", "riot" / "protest");
- scare quotes: a short phrase put in quotation marks that the other passage uses plainly;
- words of judgment ("so-called", "phony", "sham") on what the other passage names plainly.
A loaded word with no contrasting word is not evidence on its own: "fierce criticism", "furor"
and "hoping" were the bulk of the wrong framing items on real coverage. A label that modifies a
kind of act ("terrorist attacks") names no actor.
Words the two passages share are never evidence, so a verbatim copy never diverges.
`event_framing` reads the same signals against a whole event's other accounts, for passages
that no other outlet's passage matches one to one.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from functools import lru_cache
from typing import Literal

from comparison.lexicons import (
    JUDGMENT_WORDS,
    LABEL_MODIFIED,
    LOADED_WEIGHTS,
    contrast_group,
    loaded_weight,
    word_forms,
    words,
)
from comparison.model import PASSAGE_CACHE_SIZE, Finding, PassageView
from comparison.voice import Voice, as_voice

TermKind = Literal["label", "loaded", "sentiment", "scare_quotes"]

# A short phrase (at most three words) in double or curly quotes, standing inside a sentence.
_SCARE = re.compile(r"(?<![\w])[\"“‘]([A-Za-z][\w’'-]*(?:\s[\w’'-]+){0,2})[\"”’](?![\w])")
# A short quote right after a speech or naming verb is a partial quotation of a speaker
# ("called the deal a “disaster”"), not the outlet's distance; "so-called" is the outlet's.
_QUOTING_VERB = re.compile(
    r"(?:\b(?<!so-)(?:called|dubbed|described|labell?ed|termed|branded)|\b(?:said|says|told|"
    r"wrote|tweeted|added|calling|describing|blamed)\b)[^.!?]{0,80}$",
)
_QUOTING_VERB_AFTER = re.compile(
    r"^[^.!?]{0,60}\b(?:said|says|told|wrote|tweeted|added|insisted|argued)\b"
)
# Several short quotes in one passage quote someone's wording ("upgraded from “critical” to
# “serious”", "“limited” exemptions for “certain transfers”"); scare quotes stand alone, or
# after "so-called". A letter or a two-letter word in quotes is a grade or a quoted answer
# ("“A” ratings", a "no" vote).
_SO_CALLED = re.compile(r"\bso-called\s$", re.IGNORECASE)
MIN_SCARE_CHARS = 3
_SENTENCE_START = re.compile(r"(?:^|[.!?:;—–-]\s*|[\"“‘(]\s*)$")


@dataclass(frozen=True, slots=True)
class LoadedTerm:
    """A loaded span of one text: `text[start:end] == term`; weight in (0, 1]."""

    start: int
    end: int
    term: str
    kind: TermKind
    weight: float


def _is_name(text: str, start: int) -> bool:
    """Whether the capitalised word at `start` is a name rather than a sentence's first word."""
    return text[start].isupper() and _SENTENCE_START.search(text[max(0, start - 3) : start]) is None


@lru_cache(maxsize=PASSAGE_CACHE_SIZE)
def loaded_terms(text: str) -> tuple[LoadedTerm, ...]:
    """Every loaded word and scare-quoted phrase of a single text, in order of position."""
    found: list[LoadedTerm] = []
    quoted = list(_SCARE.finditer(text))
    for match in quoted:
        if (
            len(match.group(1)) >= MIN_SCARE_CHARS
            and (len(quoted) == 1 or _SO_CALLED.search(text[: match.start()]))
            and _QUOTING_VERB.search(text[: match.start()]) is None
            and _QUOTING_VERB_AFTER.search(text[match.end() :]) is None
        ):
            found.append(LoadedTerm(match.start(), match.end(), match.group(), "scare_quotes", 0.8))
    for word, start, end in words(text):
        weight = loaded_weight(word)
        if weight <= 0 or _is_name(text, start):
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
    tokens = words(text)
    for i, (word, start, end) in enumerate(tokens):
        group = contrast_group(word)
        following = tokens[i + 1][0].lower() if i + 1 < len(tokens) else ""
        if group is None or _is_name(text, start) or following in LABEL_MODIFIED:
            continue
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


def _scare_phrases(text: str) -> list[tuple[str, str]]:
    """(phrase, phrase with its marks) of each scare-quote candidate of `text`."""
    return [
        (term.term[1:-1], term.term) for term in loaded_terms(text) if term.kind == "scare_quotes"
    ]


def _common_occurrence(phrase: str, text: str) -> bool:
    """Whether `phrase` occurs plainly in `text` as common words, not as a name or a title: a
    quoted "Twilight" or "Moon" names a work, and quoting it distances nothing."""
    return any(
        match.group()[0].islower()
        for match in re.finditer(rf"(?<![\w\"“‘]){re.escape(phrase)}(?![\w\"”’])", text, re.I)
    ) and _plain_occurrence(phrase, text)


def _scare_quotes(focus: str, other: str, names: tuple[str, str]) -> _Candidate | None:
    for phrase, marked in _scare_phrases(focus):
        if _common_occurrence(phrase, other):
            return _Candidate(
                0.85,
                "scare_quotes",
                (marked,),
                (phrase,),
                f"{names[0]} puts “{phrase}” in quotation marks, a word {names[1]} uses plainly.",
            )
    for phrase, marked in _scare_phrases(other):
        if _common_occurrence(phrase, focus):
            return _Candidate(
                0.7,
                "scare_quotes",
                (phrase,),
                (marked,),
                f"{names[1]} puts “{phrase}” in quotation marks; {names[0]} uses it plainly.",
            )
    return None


def _judgments(text: str, vocab: frozenset[str]) -> list[str]:
    # "the so-called Comey memos" is a name in common use, not a judgment on it.
    return list(
        dict.fromkeys(
            term.term
            for term in loaded_terms(text)
            if term.term.lower() in JUDGMENT_WORDS
            and not set(word_forms(term.term)) & vocab
            and not text[term.end : term.end + 2].strip()[:1].isupper()
        )
    )


def _loaded_words(focus: str, other: str, names: tuple[str, str]) -> _Candidate | None:
    mine = _judgments(focus, _vocabulary(other))
    theirs = _judgments(other, _vocabulary(focus))
    if mine:
        return _Candidate(
            0.75,
            "loaded",
            tuple(mine),
            tuple(theirs),
            f"{names[0]} adds loaded wording ({_quoted(mine)}) to what {names[1]} reports plainly.",
        )
    if theirs:
        return _Candidate(
            0.6,
            "loaded",
            (),
            tuple(theirs),
            f"{names[1]} adds loaded wording ({_quoted(theirs)}) to what {names[0]} reports "
            "plainly.",
        )
    return None


def detect_framing(
    focus: Voice | PassageView,
    other: Voice | PassageView,
    *,
    focus_outlet: str = "This account",
    other_outlet: str = "the other account",
) -> Finding | None:
    """A Finding when two aligned passages name the same thing with different or loaded words."""
    mine, theirs = as_voice(focus), as_voice(other)
    if mine.passage.text == theirs.passage.text:
        return None
    names = (focus_outlet, other_outlet)
    candidates = [
        candidate
        for detector in (_contrast, _scare_quotes, _loaded_words)
        if (candidate := detector(mine.own_text, theirs.own_text, names)) is not None
    ]
    if not candidates:
        return None
    best = max(candidates, key=lambda c: c.confidence)
    evidence: dict[str, str | list[str]] = {
        "kind": best.kind,
        "focus_terms": list(best.focus_terms),
        "other_terms": list(best.other_terms),
    }
    return Finding("framing", round(min(best.confidence, 1.0), 3), evidence, best.explanation)


# Plain names too general to say the other accounts name the same actor ("militia groups").
GENERIC_NAMES = frozenset(["group", "groups", "members", "member", "workers", "worker"])


@dataclass(frozen=True, slots=True)
class EventUsage:
    """How the other accounts of an event use contrast labels and plain phrases.

    `labels`: per contrast group, the plain members the other accounts use; `text`: their own
    words (speech quotations blanked), for plain occurrences of a scare-quoted phrase.
    """

    vocabulary: frozenset[str]
    labels: dict[int, tuple[str, ...]]
    text: str


@lru_cache(maxsize=256)
def event_usage(own_texts: tuple[str, ...]) -> EventUsage:
    """The `EventUsage` of the other accounts' own words."""
    labels: dict[int, list[str]] = {}
    for text in own_texts:
        for word, group, loaded, _, _, _ in _label_words(text):
            if word.lower() in GENERIC_NAMES:
                continue
            if not loaded and word.lower() not in labels.setdefault(group, []):
                labels[group].append(word.lower())
    return EventUsage(
        vocabulary(own_texts),
        {group: tuple(names) for group, names in labels.items()},
        "\n".join(own_texts),
    )


def event_framing(
    focus: Voice | PassageView, usage: EventUsage, *, focus_outlet: str = "This account"
) -> Finding | None:
    """Framing of a passage against the event's other accounts as a whole: a loaded label where
    they use a plain member of its group and never the loaded one, or a scare-quoted phrase they
    use plainly. A loaded word with no such counterpart is not a divergence."""
    voice = as_voice(focus)
    labels = _label_words(voice.own_text)
    # A passage that names the group plainly itself uses the loaded word for someone else
    # ("rescuers ... filmed alongside armed militants").
    plain_here = {group for _, group, loaded, _, _, _ in labels if not loaded}
    for word, group, loaded, forms, _, _ in labels:
        plain = usage.labels.get(group)
        if loaded and plain and group not in plain_here and not forms & usage.vocabulary:
            evidence: dict[str, str | list[str]] = {
                "kind": "label",
                "focus_terms": [word],
                "other_terms": list(plain[:3]),
            }
            explanation = (
                f"{focus_outlet} says “{word}” where the other outlets covering this event say "
                f"{_quoted(plain[:3])}."
            )
            return Finding("framing", 0.85, evidence, explanation)
    for phrase, marked in _scare_phrases(voice.own_text):
        if _common_occurrence(phrase, usage.text):
            evidence = {"kind": "scare_quotes", "focus_terms": [marked], "other_terms": [phrase]}
            explanation = (
                f"{focus_outlet} puts “{phrase}” in quotation marks, a word the other outlets "
                "covering this event use plainly."
            )
            return Finding("framing", 0.8, evidence, explanation)
    return None


def vocabulary(texts: Iterable[str]) -> frozenset[str]:
    """Every word form of `texts`."""
    return frozenset().union(*(_vocabulary(text) for text in texts))


__all__ = [
    "EventUsage",
    "LoadedTerm",
    "detect_framing",
    "event_framing",
    "event_usage",
    "loaded_terms",
    "vocabulary",
]
