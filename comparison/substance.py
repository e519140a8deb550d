"""Whether a passage is a claim worth a reader's attention when only one side reports it.

Subheads, photo captions, bylines, questions, fragments and boilerplate are not claims: they
were most of the top "unique" items on real coverage. A claim worth showing as unique or
omitted has an actor (a name, or a speaker its quotation is bound to) and something an editor
would check: a figure, a quotation bound to its speaker, or an accusation. A named actor raises
its score, which ranks it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

from comparison.attribution import contested
from comparison.model import PASSAGE_CACHE_SIZE
from comparison.voice import Voice

__all__ = ["MIN_CLAIM_WORDS", "Substance", "is_claim", "is_sentence", "substance"]

MIN_CLAIM_WORDS = 8
_BOILERPLATE = (
    "first published", "republished", "contributed to this report", "reporting by",
    "editing by", "writing by", "all rights reserved", "sign up", "subscribe", "newsletter",
    "click here", "follow us on", "follow him on", "follow her on", "advertisement",
    "getty images", "ap photo", "photograph:", "photo:", "image:", "caption", "read more",
    "related:", "watch:", "listen:", "copyright", "©", "this story has been updated",
    "this article was",
)  # fmt: skip
# A named actor denouncing someone charges them, as an accusation does.
_DENUNCIATION = re.compile(r"\b(?:condemn|denounc|decr(?:y|ied|ies))\w*", re.IGNORECASE)
_ENDS_AS_SENTENCE = re.compile(r"[.!…][\"”’)\]]*\s*$|[\"”’]\s*$")
# A capitalised word (or initials) that does not open a sentence: a named actor.
_NAME = re.compile(r"(?<![.!?:;]\s)(?<!^)(?<![\"“‘(])\b[A-Z][a-z]+|\b[A-Z]{2,}\b")
_TITLES = frozenset(
    [
        "Mr",
        "Mrs",
        "Ms",
        "Dr",
        "Gen",
        "Sen",
        "Rep",
        "Gov",
        "Lt",
        "Col",
        "Sgt",
        "Prof",
        "The",
        "A",
        "An",
        "He",
        "She",
        "They",
        "We",
        "I",
    ]
)
_FIGURE = re.compile(
    r"\d|\b(?:two|three|four|five|six|seven|eight|nine|ten|eleven|twelve|twenty|thirty|forty|"
    r"fifty|hundreds?|thousands?|millions?|billions?|dozens?|half|twice|triple|double)\b",
    re.IGNORECASE,
)


@dataclass(frozen=True, slots=True)
class Substance:
    """What a passage holds: a named actor, a figure, a bound quotation, an accusation."""

    actor: bool
    figure: bool
    quote: bool
    accusation: bool

    @property
    def worth_showing(self) -> bool:
        return self.figure or self.quote or self.accusation

    @property
    def score(self) -> float:
        """In [0, 1]: how much an editor would check in it."""
        return round(
            0.3 * self.actor + 0.25 * self.figure + 0.25 * self.quote + 0.2 * self.accusation, 3
        )


@lru_cache(maxsize=PASSAGE_CACHE_SIZE)
def is_claim(voice: Voice) -> bool:
    """Whether the passage is a sentence that states something (not a subhead, caption,
    byline, question, fragment or boilerplate)."""
    return not voice.passage.text.strip().endswith("?") and is_sentence(voice)


@lru_cache(maxsize=PASSAGE_CACHE_SIZE)
def is_sentence(voice: Voice) -> bool:
    """Whether the passage is a whole sentence, a question included (not a subhead, caption,
    byline, dateline, fragment or boilerplate)."""
    text = voice.passage.text.strip()
    if text.endswith("?"):
        text = f"{text[:-1]}."
    if len(text.split()) < MIN_CLAIM_WORDS:
        return False
    low = text.lower()
    if any(phrase in low for phrase in _BOILERPLATE) or not _ENDS_AS_SENTENCE.search(text):
        return False
    letters = sum(map(str.isalpha, text))
    capitals = sum(map(str.isupper, text))
    return not letters or capitals / letters < 0.5


@lru_cache(maxsize=PASSAGE_CACHE_SIZE)
def substance(voice: Voice, elsewhere: str | None = None) -> Substance:
    """What `voice`'s passage holds. With `elsewhere` (the other side's text), a quotation
    counts only when it gives a voice the other side never names: another line from a speaker
    both sides quote was, on judged coverage, almost always trivial."""
    text = voice.passage.text
    actor = voice.speaker is not None or _NAME.search(text[1:]) is not None
    # A sentence that continues someone's quotation is a fragment of it, not a claim.
    quote = bool(voice.quoted) and voice.speaker is not None and not voice.continues_quote
    if quote and elsewhere is not None:
        quote = _new_voice(voice.speaker or "", elsewhere)
    return Substance(
        actor=actor,
        figure=_FIGURE.search(text) is not None,
        quote=quote,
        accusation=contested(text) or _DENUNCIATION.search(text) is not None,
    )


def _new_voice(speaker: str, elsewhere: str) -> bool:
    names = [word for word in re.findall(r"[A-Z][\w’'-]+", speaker) if word not in _TITLES]
    return bool(names) and not any(name in elsewhere for name in names)
