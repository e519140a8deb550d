"""Whose words a passage holds: the outlet's own, or a quoted speaker's.

Quoted words belong to their speaker, not to the outlet, so framing must not read them and
attribution must not call them "stated as fact". Quotations are found over the whole article,
because news style runs a quote across sentences and paragraphs: a paragraph that opens a curly
quote and never closes it continues into the next paragraph, which opens again. A quotation is
bound to its speaker from the non-quoted words of the passage that holds it ("…," Mr. Sayegh
said) or, for a passage that is all quote, from the passage that introduces it ("He added:").

`Voice.own_text` is the passage with every quotation blanked out by spaces, so offsets into it
are offsets into the passage.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache

from comparison.model import PASSAGE_CACHE_SIZE, ArticleView, PassageView

__all__ = ["Voice", "article_voices", "as_voice", "passage_voice", "quote_spans"]

_OPEN = "“"
_CLOSE = "”"
_STRAIGHT = '"'
# A quote this long or longer is speech; shorter ones may be the outlet's scare quotes.
SPEECH_MIN_WORDS = 4
# A passage at least this much inside quotation marks speaks in its speaker's voice.
QUOTE_SHARE = 0.5

_SPEECH_VERBS = (
    r"said|says|say|told|tells|added|adds|wrote|writes|asked|asks|stated|states|declared|"
    r"insisted|insists|argued|argues|explained|continued|recalled|warned|claimed|claims|"
    r"alleged|noted|replied|responded|tweeted|posted|summarized|summarised|acknowledged|"
    r"conceded|announced|testified|remarked|complained|predicted|suggested"
)
_TITLE = r"(?:(?:Mr|Mrs|Ms|Dr|Gen|Sen|Rep|Gov|Lt|Col|Sgt|Prof)\.?\s)?"
_NAME = rf"{_TITLE}[A-Z][\w’'.-]*(?:\s[A-Z][\w’'.-]*){{0,3}}"
_PRONOUN = r"[Hh]e|[Ss]he|[Tt]hey|[Ww]e|I"
_NOUN = r"(?:the|a|an|one|another|his|her|their)\s(?:[a-z-]+\s){0,3}?[a-z-]+"
_SPEAKER = rf"(?P<who>{_NAME}|{_PRONOUN}|{_NOUN})"
_SPEAKER_BEFORE = re.compile(
    rf"{_SPEAKER}(?:,[^,]{{1,80}},)?\s(?:has\s|had\s)?(?:{_SPEECH_VERBS})\b"
)
_SPEAKER_AFTER = re.compile(rf"\b(?:{_SPEECH_VERBS})\s{_SPEAKER}")
_ACCORDING = re.compile(rf"\b[Aa]ccording to\s(?P<who>{_NAME}|{_NOUN})")


@dataclass(frozen=True, slots=True)
class Voice:
    """Who speaks in one passage.

    `quoted`: (start, end) of each quotation in passage offsets, marks included;
    `own_text`: the passage with speech quotations (`SPEECH_MIN_WORDS` words or more) blanked;
    `quote_share`: the share of the passage's non-space characters inside quotation marks;
    `speaker`: who the passage's quotations or reported speech are bound to, if anyone;
    `continues_quote`: the speaker was named in an earlier passage, so this one continues a
    quotation rather than opening it.
    """

    passage: PassageView
    quoted: tuple[tuple[int, int], ...]
    own_text: str
    quote_share: float
    speaker: str | None
    continues_quote: bool = False

    @property
    def is_quote(self) -> bool:
        return self.quote_share >= QUOTE_SHARE

    def inside_quote(self, start: int, end: int) -> bool:
        """Whether passage offsets [start, end) lie within one quotation."""
        return any(s <= start and end <= e for s, e in self.quoted)


@lru_cache(maxsize=1024)
def quote_spans(text: str) -> tuple[tuple[int, int], ...]:
    """(start, end) of every quotation of an article's text, marks included, in order."""
    spans: list[tuple[int, int]] = []
    position = 0
    for paragraph in re.split(r"(\n\s*\n|\n)", text):
        spans.extend((position + s, position + e) for s, e in _paragraph_quotes(paragraph))
        position += len(paragraph)
    return tuple(spans)


def _paragraph_quotes(paragraph: str) -> list[tuple[int, int]]:
    spans: list[tuple[int, int]] = []
    opened: int | None = None
    closer = ""
    for i, char in enumerate(paragraph):
        if opened is None:
            if char == _OPEN:
                opened, closer = i, _CLOSE
            elif char == _STRAIGHT:
                opened, closer = i, _STRAIGHT
        elif char == closer:
            spans.append((opened, i + 1))
            opened = None
    if opened is not None:
        # A quote left open runs to the paragraph's end: the next paragraph reopens it.
        end = len(paragraph.rstrip())
        if end - opened > 1:
            spans.append((opened, end))
    return spans


def _words(text: str) -> int:
    return len(text.split())


def _speaker(own: str) -> str | None:
    for pattern in (_SPEAKER_AFTER, _SPEAKER_BEFORE, _ACCORDING):
        match = pattern.search(own)
        if match is not None:
            return match.group("who")
    return None


def _voice(passage: PassageView, spans: Sequence[tuple[int, int]], previous: Voice | None) -> Voice:
    quoted = tuple(
        (max(s, passage.start) - passage.start, min(e, passage.end) - passage.start)
        for s, e in spans
        if s < passage.end and e > passage.start
    )
    chars = list(passage.text)
    speech = [(s, e) for s, e in quoted if _words(passage.text[s:e]) >= SPEECH_MIN_WORDS]
    for s, e in speech:
        chars[s:e] = " " * (e - s)
    own = "".join(chars)
    inside = sum(len(passage.text[s:e].replace(" ", "")) for s, e in quoted)
    share = inside / max(1, len(passage.text.replace(" ", "")))
    speaker = _speaker(own)
    continues = speaker is None and previous is not None and share >= QUOTE_SHARE
    if continues and previous is not None:
        speaker = previous.speaker
    return Voice(passage, quoted, own, round(share, 3), speaker, continues)


def article_voices(article: ArticleView) -> dict[int, Voice]:
    """Every passage's voice, by passage id."""
    return dict(_voices(article.text, article.passages))


@lru_cache(maxsize=256)
def _voices(text: str, passages: tuple[PassageView, ...]) -> tuple[tuple[int, Voice], ...]:
    spans = quote_spans(text)
    out: list[tuple[int, Voice]] = []
    previous: Voice | None = None
    for passage in passages:
        voice = _voice(passage, spans, previous)
        out.append((passage.passage_id, voice))
        previous = voice
    return tuple(out)


@lru_cache(maxsize=PASSAGE_CACHE_SIZE)
def passage_voice(passage: PassageView) -> Voice:
    """A passage's voice read from its own text alone, for a passage without its article."""
    spans = tuple(
        (passage.start + s, passage.start + e) for s, e in _paragraph_quotes(passage.text)
    )
    return _voice(passage, spans, None)


def as_voice(item: Voice | PassageView) -> Voice:
    """`item` itself, or the voice of a passage read without its article."""
    return item if isinstance(item, Voice) else passage_voice(item)
