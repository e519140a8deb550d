"""What a reprint changed in its source's text: a word-level diff over aligned sentences.

A copy and its source are the same story, so their differences are the surest divergences there
are, and a diff finds them exactly where embeddings blur them. Passages are first matched whole
(an identical passage is untouched); the rest are paired one to one by word overlap within each
changed stretch, and each pair is diffed word by word. Every change is one `Edit` with offsets
into both articles' texts:
- `figure`: a number changed, added or dropped;
- `negation`: a negator added or dropped ("was" → "was not");
- `attribution`: a reporting verb or hedge changed ("said" → "claimed", "allegedly" added);
- `wording`: other words changed, `loaded` when the copy's words are loaded or scare-quoted;
- `sentence_removed` / `sentence_added`: a passage of one side with no counterpart.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from difflib import SequenceMatcher
from typing import Literal

from comparison.contradiction import NEGATORS
from comparison.framing import loaded_terms
from comparison.lexicons import (
    DISTANCING,
    HEDGE_PHRASES,
    MODAL_HEDGES,
    NEUTRAL_ATTRIBUTION,
    NEUTRAL_PHRASES,
)
from comparison.model import ArticleView, PassageView

__all__ = ["EDIT_KINDS", "Edit", "EditKind", "Span", "edits_from_source", "sentence_key"]

EditKind = Literal[
    "figure", "negation", "attribution", "wording", "sentence_removed", "sentence_added"
]
EDIT_KINDS: tuple[EditKind, ...] = (
    "figure",
    "negation",
    "attribution",
    "wording",
    "sentence_removed",
    "sentence_added",
)
# Two changed passages are one sentence edited when this share of their words survives; below
# it, the copy dropped one sentence and wrote another.
SAME_SENTENCE_RATIO = 0.5
# Sentence pairs compared within one changed stretch at most: the work stays bounded when a
# long article shares a short one's text.
MAX_PAIRINGS = 2500
# Words inserted into or dropped from a passage that end a sentence are one when this many.
SENTENCE_WORDS = 6

_QUOTE_MARKS = "\"'“”‘’„«»"
_QUOTATION = re.compile(r"[\"“‘]([^\"“”‘’\n]{1,200})[\"”’]")
_TOKEN = re.compile(r"\d+(?:[.,]\d+)*(?:[’']?\w+)?|\w+(?:[’']\w+)*|[^\w\s]")
_QUOTES = str.maketrans({"“": '"', "”": '"', "‘": "'", "’": "'", "„": '"', "«": '"', "»": '"'})
_REPORTING = frozenset(
    word
    for phrase in (*NEUTRAL_PHRASES, *HEDGE_PHRASES)
    for word in phrase.split()
    if word not in {"to", "a", "in", "is", "are", "was", "were", "it"}
)
_ATTRIBUTION_WORDS = NEUTRAL_ATTRIBUTION | DISTANCING | MODAL_HEDGES | _REPORTING


@dataclass(frozen=True, slots=True)
class Span:
    """`text` is the article's text from `start` to `end` (empty where words were inserted)."""

    start: int
    end: int
    text: str


@dataclass(frozen=True, slots=True)
class Edit:
    """One change from the source's text to the copy's. `source` is None for an added sentence,
    `copy` None for a removed one; `source_passage`/`copy_passage` are the passages they sit in."""

    kind: EditKind
    source: Span | None
    copy: Span | None
    source_passage: PassageView | None
    copy_passage: PassageView | None
    loaded: bool = False

    def describe(self, source_outlet: str, copy_outlet: str) -> str:
        if self.kind == "sentence_removed":
            return f"{copy_outlet} leaves out this sentence of {source_outlet}'s text."
        if self.kind == "sentence_added":
            return f"{copy_outlet} adds this sentence to {source_outlet}'s text."
        before = self.source.text if self.source is not None else ""
        after = self.copy.text if self.copy is not None else ""
        if before and after.strip(_QUOTE_MARKS) == before:
            return f"{copy_outlet} puts “{before}” in quotation marks in {source_outlet}'s text."
        if not before:
            change = f"adds “{after}”"
        elif not after:
            change = f"removes “{before}”"
        else:
            change = f"changes “{before}” to “{after}”"
        label = "loaded wording" if self.loaded else self.kind
        return f"{copy_outlet} {change} in {source_outlet}'s text ({label})."


@dataclass(frozen=True, slots=True)
class _Token:
    key: str
    start: int
    end: int


def _tokens(text: str) -> list[_Token]:
    return [
        _Token(m.group().translate(_QUOTES).casefold(), m.start(), m.end())
        for m in _TOKEN.finditer(text)
    ]


def sentence_key(text: str) -> str:
    """A passage's words and punctuation, case, quotation marks and spacing aside."""
    return " ".join(token.key for token in _tokens(text))


def _ratio(a: str, b: str) -> float:
    return SequenceMatcher(None, a.split(), b.split(), autojunk=False).ratio()


def _pair_sentences(
    source: Sequence[str], copy: Sequence[str]
) -> list[tuple[int | None, int | None]]:
    """Pairs of one changed stretch, in order: (i, j) edited, (i, None) removed, (None, j) added.
    The most alike pairs are taken first, keeping both sides in order. A stretch too long to
    pair within `MAX_PAIRINGS` comparisons is all removed and added."""
    if len(source) * len(copy) > MAX_PAIRINGS:
        return [(i, None) for i in range(len(source))] + [(None, j) for j in range(len(copy))]
    candidates = sorted(
        (
            (ratio, i, j)
            for i, a in enumerate(source)
            for j, b in enumerate(copy)
            if (ratio := _ratio(a, b)) >= SAME_SENTENCE_RATIO
        ),
        reverse=True,
    )
    pairs: dict[int, int] = {}
    for _, i, j in candidates:
        if i in pairs or j in pairs.values():
            continue
        if all((i < k) == (j < v) for k, v in pairs.items()):
            pairs[i] = j
    out: list[tuple[int | None, int | None]] = []
    next_j = 0
    for i in range(len(source)):
        if i in pairs:
            out.extend((None, j) for j in range(next_j, pairs[i]))
            out.append((i, pairs[i]))
            next_j = pairs[i] + 1
        else:
            out.append((i, None))
    out.extend((None, j) for j in range(next_j, len(copy)))
    return out


def _words(tokens: Sequence[_Token]) -> list[str]:
    return [t.key.replace("'", "") for t in tokens if t.key[0].isalnum()]


def _span(passage: PassageView, tokens: Sequence[_Token], at: int) -> Span:
    """The article-text span of `tokens` (or the empty span at token index `at`)."""
    if tokens:
        start, end = passage.start + tokens[0].start, passage.start + tokens[-1].end
    else:
        start = end = passage.start + (at if at >= 0 else len(passage.text))
    return Span(start, end, passage.text[start - passage.start : end - passage.start])


def _whole_sentence(tokens: Sequence[_Token]) -> bool:
    """Whether inserted or dropped words are a sentence of their own: the segmenter keeps a
    sentence that follows another without a space in one passage with it."""
    return len(_words(tokens)) >= SENTENCE_WORDS and tokens[-1].key in {".", "!", "?"}


def _kind(before: Sequence[str], after: Sequence[str]) -> EditKind:
    changed = {*before, *after}
    if any(any(c.isdigit() for c in word) for word in changed):
        return "figure"
    if bool(NEGATORS & set(before)) != bool(NEGATORS & set(after)):
        return "negation"
    if changed & _ATTRIBUTION_WORDS:
        return "attribution"
    return "wording"


def _loaded_terms(copy_passage: PassageView, span: Span) -> list[Span]:
    """The loaded words and scare-quoted phrases of the copy that `span` touches."""
    offset = copy_passage.start
    return [
        Span(term.start + offset, term.end + offset, term.term)
        for term in loaded_terms(copy_passage.text)
        if term.start + offset < span.end and span.start < term.end + offset
    ]


def _quoted(copy: PassageView, mark: Span) -> Span | None:
    """The quoted words of the copy whose opening or closing quotation mark is `mark`."""
    for match in _QUOTATION.finditer(copy.text):
        start, end = copy.start + match.start(), copy.start + match.end()
        if mark.start in (start, end - 1):
            return Span(start, end, match.group())
    return None


def _unquoted(source: PassageView, quoted: str, near: int) -> Span:
    """The source's words that the copy put in quotation marks (from `near`, where they open)."""
    inner = quoted.strip(_QUOTE_MARKS)
    at = source.text.find(inner, max(0, near - source.start - len(inner)))
    if at < 0:
        return Span(near, near, "")
    return Span(source.start + at, source.start + at + len(inner), inner)


def _word_edits(source: PassageView, copy: PassageView) -> list[Edit]:
    a, b = _tokens(source.text), _tokens(copy.text)
    matcher = SequenceMatcher(None, [t.key for t in a], [t.key for t in b], autojunk=False)
    edits: list[Edit] = []
    for tag, i1, i2, j1, j2 in matcher.get_opcodes():
        if tag == "equal":
            continue
        before, after = _words(a[i1:i2]), _words(b[j1:j2])
        source_span = _span(source, a[i1:i2], a[i1].start if i1 < len(a) else -1)
        copy_span = _span(copy, b[j1:j2], b[j1].start if j1 < len(b) else -1)
        if not before and not after:
            # Punctuation alone: only quotation marks put around words are an edit, reported
            # once, over the quoted words; loaded when they read as scare quotes.
            quoted = _quoted(copy, copy_span) if '"' in {t.key for t in b[j1:j2]} else None
            if quoted is not None and all(edit.copy != quoted for edit in edits):
                unquoted = _unquoted(source, quoted.text, source_span.start)
                loaded = bool(_loaded_terms(copy, quoted))
                edits.append(Edit("wording", unquoted, quoted, source, copy, loaded=loaded))
            continue
        kind = _kind(before, after)
        if not before and _whole_sentence(b[j1:j2]):
            kind = "sentence_added"
        elif not after and _whole_sentence(a[i1:i2]):
            kind = "sentence_removed"
        loaded = kind == "wording" and bool(_loaded_terms(copy, copy_span))
        edits.append(Edit(kind, source_span, copy_span, source, copy, loaded=loaded))
    return edits


def edits_from_source(source: ArticleView, copy: ArticleView) -> tuple[Edit, ...]:
    """Every change from `source`'s text to `copy`'s, in the copy's order (empty: unchanged)."""
    a = [sentence_key(p.text) for p in source.passages]
    b = [sentence_key(p.text) for p in copy.passages]
    edits: list[Edit] = []
    matcher = SequenceMatcher(None, a, b, autojunk=False)
    for tag, i1, i2, j1, j2 in matcher.get_opcodes():
        if tag == "equal":
            continue
        for i, j in _pair_sentences(a[i1:i2], b[j1:j2]):
            mine = source.passages[i1 + i] if i is not None else None
            theirs = copy.passages[j1 + j] if j is not None else None
            if mine is not None and theirs is not None:
                edits.extend(_word_edits(mine, theirs))
            elif mine is not None:
                span = Span(mine.start, mine.end, mine.text)
                edits.append(Edit("sentence_removed", span, None, mine, None))
            elif theirs is not None:
                span = Span(theirs.start, theirs.end, theirs.text)
                edits.append(Edit("sentence_added", None, span, None, theirs))
    return tuple(edits)
