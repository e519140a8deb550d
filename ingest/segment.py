"""Passages: sentences with exact character offsets, fragments merged, long sentences cut.

`segment(text)` guarantees `text[p.start:p.end] == p.text` for every passage: whitespace is
trimmed by moving offsets, never by editing the text. Sentences come from blingfire, which was
measured against syntok and pysbd with `python -m evaluation.segmentation`.
"""

from __future__ import annotations

import re

import blingfire

from core.models import PassageSpan

__all__ = [
    "MAX_PASSAGE_CHARS",
    "MIN_PASSAGE_CHARS",
    "MIN_PASSAGE_WORDS",
    "segment",
    "sentence_spans",
]

MIN_PASSAGE_CHARS = 25
MIN_PASSAGE_WORDS = 4
# all-MiniLM-L6-v2 truncates at 256 word pieces, roughly 1,000 characters of English.
MAX_PASSAGE_CHARS = 1000

_PARAGRAPH_BREAK = re.compile(r"\n[^\S\n]*\n\s*")
_LINE_BREAK = re.compile(r"[^\S\n]*\n[^\S\n]*")
# Where a too-long sentence may be cut, best first: after a clause mark, then at any space.
_CUTS = (
    re.compile(r"[;:]\s+"),
    re.compile(r"\s[—–-]{1,2}\s"),
    re.compile(r",\s+"),
    re.compile(r"\s+"),
)
_WORD = re.compile(r"\w+")
_TITLES = (
    r"(?:Mr|Mrs|Ms|Mx|Dr|Sen|Sens|Rep|Reps|Gov|Gen|Lt|Col|Sgt"
    r"|Capt|Cmdr|Adm|Prof|Rev|Hon|Pres|Det)\."
)
_ENDS_WITH_TITLE = re.compile(rf"(?<!\S)({_TITLES})\s*$")
_ENDS_SENTENCE = re.compile(r"[a-z0-9%)][.!?…][\"”’')\]]*\s*$")
_MISSED_CUT = re.compile(
    rf"(?<=[a-z0-9%)][.!?])\s+(?={_TITLES}\s+[A-Z])"  # "… he said. Mrs. Clinton …"
    r"|(?<=[.!?…][”\"])\s+(?=[“\"][A-Z])"  # "… opinion.” “You know …"
)
# A photo's credit ends its caption, which a page's text often runs into the next sentence:
# "… in Kabul UGC via AP British forces …", "Mandel Andel via Getty Images Within two days …".
_AFTER_CREDIT = re.compile(
    r"\bvia (?:AP|Getty Images|Reuters|AFP|EPA|Bloomberg)(?:, [Ff]ile)?\s+(?=[“\"]?[A-Z])"
)

Span = tuple[int, int]


def _trim(text: str, start: int, end: int) -> Span:
    while start < end and text[start].isspace():
        start += 1
    while end > start and text[end - 1].isspace():
        end -= 1
    return start, end


def _blocks(text: str) -> list[tuple[Span, bool]]:
    """Spans split at paragraph breaks and at line breaks that end a sentence.

    The flag is True when a paragraph break (not just a line break) follows the block. A single
    newline between a lower-case end and a lower-case start is a hard wrap, not a break.
    """
    blocks: list[tuple[Span, bool]] = []
    for para in _split(text, _PARAGRAPH_BREAK, 0, len(text)):
        lines = _split(text, _LINE_BREAK, *para)
        current = lines[0] if lines else None
        for nxt in lines[1:]:
            assert current is not None
            before, after = text[current[1] - 1], text[nxt[0]]
            if (before.islower() or before in ",-") and after.islower():
                current = (current[0], nxt[1])
            else:
                blocks.append((current, False))
                current = nxt
        if current is not None:
            blocks.append((current, True))
    return blocks


def _split(text: str, pattern: re.Pattern[str], start: int, end: int) -> list[Span]:
    spans: list[Span] = []
    cursor = start
    for match in pattern.finditer(text, start, end):
        spans.append(_trim(text, cursor, match.start()))
        cursor = match.end()
    spans.append(_trim(text, cursor, end))
    return [s for s in spans if s[0] < s[1]]


def _sentences_in(text: str, start: int, end: int) -> list[Span]:
    chunk = text[start:end]
    _, offsets = blingfire.text_to_sentences_and_offsets(chunk)
    spans: list[Span] = []
    cursor = 0
    for s, e in offsets:
        # Offsets are trusted only while they move forward inside the chunk; anything
        # else falls back to one span for the rest of the chunk.
        if s < cursor or e > len(chunk) or s >= e:
            break
        spans.append((start + s, start + e))
        cursor = e
    if cursor < len(chunk):
        if spans:
            spans[-1] = (spans[-1][0], end)
        else:
            spans.append((start, end))
    cuts = _fix_cuts(text, start, [s for s, _ in spans[1:]], end)
    # Sentences tile the chunk, so nothing between them is lost.
    edges = [start, *cuts, end]
    tiled = (_trim(text, edges[i], edges[i + 1]) for i in range(len(edges) - 1))
    return [t for t in tiled if t[0] < t[1]]


def _fix_cuts(text: str, start: int, cuts: list[int], end: int) -> list[int]:
    """Repair blingfire around titles ("… peace. Mr. | Obama said") and quotes, and end a
    caption at its photo credit."""
    fixed: set[int] = set()
    previous = start
    for cut in cuts:
        title = _ENDS_WITH_TITLE.search(text, previous, cut)
        if title is None:
            fixed.add(cut)
        elif _ENDS_SENTENCE.search(text, previous, title.start(1)):
            fixed.add(title.start(1))
        previous = cut
    fixed.update(m.end() for m in _MISSED_CUT.finditer(text, start, end))
    fixed.update(m.end() for m in _AFTER_CREDIT.finditer(text, start, end))
    ordered = sorted(c for c in fixed if start < c < end)
    # A piece without a word (a stray closing quote or bracket) belongs to the sentence before.
    nexts = [*ordered[1:], end]
    return [c for c, nxt in zip(ordered, nexts, strict=False) if _WORD.search(text, c, nxt)]


def _cut_long(text: str, start: int, end: int, limit: int) -> list[Span]:
    pieces: list[Span] = []
    while end - start > limit:
        low, high = start + limit // 3, start + limit
        for pattern in _CUTS:
            cuts = [m.end() for m in pattern.finditer(text, low, high)]
            if cuts:
                cut = cuts[-1]
                break
        else:
            cut = high
        head = _trim(text, start, cut)
        tail = _trim(text, cut, end)
        if head[0] >= head[1] or tail[0] >= tail[1]:
            break
        pieces.append(head)
        start, end = tail
    pieces.append((start, end))
    return pieces


def sentence_spans(text: str) -> list[Span]:
    """(start, end) of every sentence, never across a line or paragraph break; no merging."""
    spans: list[Span] = []
    for (start, end), _ in _blocks(text):
        spans.extend(_sentences_in(text, start, end))
    return spans


def _is_fragment(text: str, start: int, end: int) -> bool:
    return (
        end - start < MIN_PASSAGE_CHARS or len(_WORD.findall(text, start, end)) < MIN_PASSAGE_WORDS
    )


def segment(text: str, *, max_chars: int = MAX_PASSAGE_CHARS) -> list[PassageSpan]:
    """Passages of `text`, indexed 0..n-1, in order, with exact offsets, none longer than
    `max_chars`."""
    units: list[tuple[Span, int]] = []  # (span, paragraph number)
    paragraph = 0
    for (start, end), ends_paragraph in _blocks(text):
        units.extend((span, paragraph) for span in _sentences_in(text, start, end))
        if ends_paragraph:
            paragraph += 1
    merged = _merge_fragments(text, units)
    spans = [piece for span in merged for piece in _cut_long(text, *span, max_chars)]
    return [PassageSpan(i, s, e, text[s:e]) for i, (s, e) in enumerate(spans)]


def _merge_fragments(text: str, units: list[tuple[Span, int]]) -> list[Span]:
    """Fold each fragment into a neighbour: the previous sentence of its paragraph, else the
    next of its paragraph, else (a paragraph that is only a fragment) the next paragraph."""
    out: list[tuple[Span, int]] = []
    pending: tuple[Span, int] | None = None  # a fragment waiting for the unit after it
    for span, para in units:
        if pending is not None:
            span, para = (pending[0][0], span[1]), para
            pending = None
        elif _is_fragment(text, *span) and out and out[-1][1] == para:
            prev, _ = out.pop()
            out.append(((prev[0], span[1]), para))
            continue
        if _is_fragment(text, *span):
            pending = (span, para)
            continue
        out.append((span, para))
    if pending is not None:
        if out:
            prev, para = out.pop()
            out.append(((prev[0], pending[0][1]), para))
        else:
            out.append(pending)
    return [span for span, _ in out]
