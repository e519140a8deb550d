"""Tokens and stems: the engine's one tokeniser and crude stemmer for content words.

Alignment's overlap features read stems from here; its coefficients were fitted on these stems,
so a change here moves the evaluation figures (`python -m evaluation.alignment`).
"""

from __future__ import annotations

import re
from functools import lru_cache

from comparison.model import PASSAGE_CACHE_SIZE
from comparison.quantities import words

__all__ = ["STOP_WORDS", "content_stems", "predicate_stem", "stem", "tokens"]

_TOKEN = re.compile(r"[A-Za-z][A-Za-z'’-]*")
STOP_WORDS = frozenset(
    words(
        "a an the of and or to in on at by for from with as than that which who whom whose were "
        "was are is be been being have has had will would could should may might can do did does "
        "it its this these those he she they we i you his her their our there here said says say "
        "told also but if so about after before over into more most other such only just not no "
        "him them us me my your what when where while how all any some then up out new"
    )
)


def tokens(text: str) -> list[str]:
    """The word tokens of `text`: runs of letters, apostrophes and hyphens opening with a letter."""
    return _TOKEN.findall(text)


@lru_cache(maxsize=PASSAGE_CACHE_SIZE)
def content_stems(text: str) -> frozenset[str]:
    """Lower-case crude stems of the content words of `text`."""
    stems = {stem(token) for token in tokens(text)}
    stems.discard("")
    return frozenset(stems)


@lru_cache(maxsize=65536)
def stem(token: str) -> str:
    """The crude stem of one token, or "" for a stop word or a single letter."""
    word = token.lower().strip("'’-")
    if len(word) < 2 or word in STOP_WORDS:
        return ""
    for suffix in ("ing", "ed", "es", "s"):
        if word.endswith(suffix) and len(word) - len(suffix) >= 3:
            word = word[: -len(suffix)]
            break
    if word.endswith("y"):
        word = word[:-1] + "i"
    if len(word) > 3 and word.endswith("e"):
        word = word[:-1]
    return word


_IRREGULAR_VERBS = {
    "said": "say",
    "says": "say",
    "went": "go",
    "gone": "go",
    "made": "make",
    "took": "take",
    "taken": "take",
    "gave": "give",
    "given": "give",
    "left": "left",
    "lost": "lost",
    "won": "won",
    "rose": "rose",
    "fell": "fell",
    "began": "began",
}


@lru_cache(maxsize=65536)
def predicate_stem(word: str) -> str:
    """The stem polarity rules compare: every word kept, irregular verbs mapped, "cross" and
    "crisis" left whole, so "resigned"/"resigns"/"resign" and "denied"/"deny" meet. Content-word
    overlap uses `stem`, whose figures the alignment model was fitted on."""
    w = word.lower().replace("’", "'")
    if w in _IRREGULAR_VERBS:
        return _IRREGULAR_VERBS[w]
    for suffix in ("ingly", "ing", "edly", "ed", "es", "s"):
        if suffix == "s" and w.endswith(("ss", "us", "is")):
            break  # "cross", "census", "crisis" are not plurals
        if w.endswith(suffix) and len(w) - len(suffix) >= 3:
            w = w[: -len(suffix)]
            break
    if w.endswith("y"):
        w = w[:-1] + "i"
    if len(w) > 3 and w.endswith("e"):
        w = w[:-1]
    if len(w) > 3 and w[-1] == w[-2] and w[-1] not in "aeiouls":
        w = w[:-1]
    return w
