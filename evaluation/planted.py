"""Planted divergences: recall per type and the false-alarm rate, on real dev articles.

    python -m evaluation.planted [--data ../shared/data] [--articles 40] [--seed 13]
                                 [--cache DIR] [--json]

Each sampled article (BASIL, PAC and NewsWCL50 full texts) is published a second time by an
invented outlet, with ONE controlled edit per planted item at a known passage:
- numeric: a figure changed (422 → 633);
- contradiction: a statement negated ("was" → "was not");
- omission: a sentence removed from the copy (the original still carries it);
- unique_claim: a sentence from an unrelated article inserted into the copy;
- attribution: "said" → "claimed", or a contested plain statement (an accusation) turned into
  "According to officials, …";
Removed and inserted sentences are claims with substance (`comparison.substance`): the engine
never reports a caption or a sentence without a figure, quotation or accusation as one-sided.
- framing: a neutral word swapped for a loaded one ("government" → "regime"), or a plain word
  put in scare quotes.
Both texts go through the real pipeline pieces (segment, embed, align, `compare_article` with
the copy as focus). An item counts as found when a divergence of its type sits on a copy passage
overlapping the edit (for an omission: an omission whose counterpart overlaps the removed
sentence). `planted.false_alarm_rate` is the share of untouched copy passages that get any
divergence, spurious omissions of untouched original passages counted too.
"""

from __future__ import annotations

import hashlib
import json
import os
import random
import re
import sys
import tempfile
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

import numpy as np

from comparison.alignment import align_event
from comparison.attribution import ATTRIBUTED, FACT, contested, stance
from comparison.divergences import compare_article
from comparison.model import DIVERGENCE_TYPES, ArticleView, Divergence, PassageView, Vectors
from comparison.substance import is_claim, substance
from comparison.voice import passage_voice
from evaluation._data import command, emit, require
from index.embedder import Embedder
from ingest.segment import segment

SOURCES = ("BASIL", "PAC", "NewsWCL50")
ORIGINAL_OUTLET, COPY_OUTLET = "Original Desk", "Planted Copy"


class PassageVectors:
    """Embeds passage texts once per run; optionally persisted in `cache_dir` (never the repo)."""

    def __init__(self, embedder: Embedder, cache_dir: Path | None = None) -> None:
        self._embedder = embedder
        self._cache: dict[str, Vectors] = {}
        self._dir = cache_dir

    def _key(self, text: str) -> str:
        return hashlib.sha256(f"{self._embedder.name}\n{text}".encode()).hexdigest()[:32]

    def _save(self, text: str, row: Vectors) -> None:
        assert self._dir is not None
        self._dir.mkdir(parents=True, exist_ok=True)
        # Atomic, so that two evaluation runs can share one cache directory.
        with tempfile.NamedTemporaryFile(dir=self._dir, suffix=".tmp", delete=False) as handle:
            np.save(handle, row)
        os.replace(handle.name, self._dir / f"{self._key(text)}.npy")

    def encode(self, texts: Sequence[str]) -> Vectors:
        """float32 (len(texts), d), rows L2-normalised."""
        missing = [t for t in dict.fromkeys(texts) if t not in self._cache]
        if self._dir is not None:
            for text in list(missing):
                path = self._dir / f"{self._key(text)}.npy"
                if path.exists():
                    self._cache[text] = np.load(path)
                    missing.remove(text)
        if missing:
            for text, row in zip(missing, self._embedder.encode(missing), strict=True):
                self._cache[text] = row
                if self._dir is not None:
                    self._save(text, row)
        if not texts:
            return np.zeros((0, self._embedder.dimension), dtype=np.float32)
        return np.stack([self._cache[t] for t in texts]).astype(np.float32, copy=False)


def article_view(
    article_id: int,
    outlet: str,
    text: str,
    vectors: PassageVectors,
    title: str = "",
    published_at: datetime | None = None,
) -> ArticleView:
    """Segment and embed one text into the engine's view (passage ids unique per article)."""
    spans = segment(text)
    passages = tuple(
        PassageView(article_id * 100_000 + s.index, article_id, s.index, s.start, s.end, s.text)
        for s in spans
    )
    return ArticleView(
        article_id=article_id,
        outlet=outlet,
        url=f"https://example.org/{outlet.lower().replace(' ', '-')}/{article_id}",
        title=title,
        text=text,
        published_at=published_at,
        passages=passages,
        vectors=vectors.encode([p.text for p in passages]),
    )


@dataclass(frozen=True, slots=True)
class Planted:
    """One edited copy: `span` is in the copy, except for an omission (in the original)."""

    type: str
    source_id: str
    original: str
    copy: str
    span: tuple[int, int]
    note: str


_NUMBER = re.compile(r"(?<![\w.,$])(\d{1,3}(?:,\d{3})+|\d+)(?![\w,.]\d)(?!\s?(?:st|nd|rd|th)\b)")
_AUX = re.compile(
    r"\b(?:is|are|was|were|has|have|had|will|would|can|did|does)\s"
    # "not just", "not only", "not never" would not negate the statement.
    r"(?!(?:not|n[o']t|no|said|told|says|just|merely|only|never|even|also|simply|always)\b)"
    r"(?=[a-z])"
)
# A number next to a month, a clock time, a tally ("420-7") or a list marker ("1)") is no figure.
_NOT_A_FIGURE_BEFORE = re.compile(
    r"(?:jan|feb|mar|apr|may|jun|jul|aug|sep|sept|oct|nov|dec|day)[a-z]*\.?\s*$|[-–]$", re.I
)
_NOT_A_FIGURE_AFTER = re.compile(r"^(?:\s*[ap]\.?m\b|:\d|\)|[-–]\d)", re.I)
_SAID = re.compile(r"\bsaid\b")
_SWAPS = {
    "government": "regime",
    "protesters": "rioters",
    "protest": "riot",
    "protests": "riots",
    "criticized": "slammed",
    "criticised": "slammed",
    "operation": "invasion",
    "plan": "scheme",
    "supporters": "cronies",
    "allies": "cronies",
    "statement": "propaganda",
    "immigrants": "illegals",
    "migrants": "illegals",
    "fighters": "terrorists",
    "rebels": "terrorists",
    "militants": "terrorists",
    "group": "gang",
    "killed": "slaughtered",
}
_QUOTABLE = re.compile(r"(?<![\w\"“‘’-])([a-z]{5,})(?![\w\"”’'-])")
_STOP = frozenset(
    str.split(
        "about after again against their there these those which while would could should because "
        "before being between during other since until where whether under among within without "
        "people years still said says also first through around every never often might shall "
        "whose whom almost already always another anything either enough however rather really "
        "something though together toward towards until upon whether which"
    )
)


def _substantive(passages: Sequence[PassageView]) -> list[PassageView]:
    return [p for p in passages if 8 <= len(p.text.split()) <= 60 and p.index > 0]


def _worth_showing(passage: PassageView, elsewhere: str | None = None) -> bool:
    voice = passage_voice(passage)
    return is_claim(voice) and substance(voice, elsewhere).worth_showing


def _replace(text: str, start: int, end: int, new: str) -> str:
    return text[:start] + new + text[end:]


def _plant_one(
    kind: str, text: str, passages: Sequence[PassageView], rng: random.Random, filler: str
) -> tuple[str, tuple[int, int], str] | None:
    """(copy, edited span, note) for one edit of `kind`, or None where the article has no spot."""
    candidates = _substantive(passages)
    if kind == "omission":
        candidates = [p for p in candidates if _worth_showing(p, text[: p.start] + text[p.end :])]
    if kind == "framing":
        # Words inside a quotation, or in reported speech, are the speaker's: an edit there is
        # no outlet's framing.
        candidates = [
            p for p in candidates if not passage_voice(p).quoted and stance(p.text).level == FACT
        ]
    rng.shuffle(candidates)
    for p in candidates:
        edited = _edit_passage(kind, p, rng, filler)
        if edited is None:
            continue
        if kind == "omission":
            end = p.end + len(text[p.end :]) - len(text[p.end :].lstrip(" "))
            return text[: p.start] + text[end:], (p.start, p.end), f"removed: {p.text[:60]}"
        copy = _replace(text, p.start, p.end, edited)
        return copy, (p.start, p.start + len(edited)), edited
    return None


def _edit_passage(kind: str, p: PassageView, rng: random.Random, filler: str) -> str | None:
    text = p.text
    if kind == "omission":
        return text
    if kind == "unique_claim":
        return f"{text} {filler}"
    if kind == "numeric":
        numbers = [
            m
            for m in _NUMBER.finditer(text)
            if not 1900 <= int(m.group().replace(",", "")) <= 2099
            and not _NOT_A_FIGURE_BEFORE.search(text[max(0, m.start() - 10) : m.start()])
            and not _NOT_A_FIGURE_AFTER.search(text[m.end() : m.end() + 5])
        ]
        if not numbers:
            return None
        m = rng.choice(numbers)
        value = int(m.group().replace(",", ""))
        new = value + max(1, value // 2) if value else 7
        new_text = f"{new:,}" if "," in m.group() else str(new)
        return _replace(text, m.start(), m.end(), new_text)
    if kind == "contradiction":
        aux = _AUX.search(text)
        return None if aux is None else _replace(text, aux.end(), aux.end(), "not ")
    if kind == "attribution":
        held = stance(text)
        said = _SAID.search(text)
        if held.level == ATTRIBUTED and said is not None:
            return _replace(text, said.start(), said.end(), "claimed")
        if held.level == FACT and text[0].isupper() and text[-1] in ".!" and contested(text):
            first = text.split(" ", 1)[0]
            lowered = first.lower() + text[len(first) :] if first in ("The", "A", "An") else text
            return f"According to officials, {lowered}"
        return None
    if kind == "framing":
        swaps = [
            m
            for m in re.finditer(r"\b[a-z]+\b", text)
            if m.group() in _SWAPS and _SWAPS[m.group()].rstrip("s") not in text
        ]
        if swaps and rng.random() < 0.5:
            m = rng.choice(swaps)
            return _replace(text, m.start(), m.end(), _SWAPS[m.group()])
        words = [m for m in _QUOTABLE.finditer(text) if m.group(1) not in _STOP]
        if not words:
            return None
        m = rng.choice(words)
        return _replace(text, m.start(), m.end(), f"“{m.group()}”")
    raise ValueError(f"unknown planted type {kind!r}")


def _filler(texts: Sequence[str], rng: random.Random) -> str:
    """A sentence of a random ECB+ or AllSides article: unrelated to the sampled articles."""
    for _ in range(1000):
        sentences = [
            span.text
            for span in segment(rng.choice(texts))
            if 10 <= len(span.text.split()) <= 35
            and span.text[-1] in ".!"
            and _worth_showing(PassageView(0, 0, 0, 0, len(span.text), span.text))
        ]
        if sentences:
            return rng.choice(sentences)
    raise ValueError("no filler sentence found")


def load_events(path: Path) -> list[dict[str, Any]]:
    with path.open(encoding="utf-8") as handle:
        return [json.loads(line) for line in handle if line.strip()]


def plant(events: Sequence[dict[str, Any]], articles: int, seed: int) -> list[Planted]:
    """One planted copy per type for each of `articles` sampled articles (deterministic)."""
    rng = random.Random(seed)
    pool = [
        (str(a["article_id"]), str(a["text"]))
        for e in events
        if e["source_dataset"] in SOURCES
        for a in e["articles"]
        if len(str(a["text"])) >= 1500
    ]
    pool.sort()
    rng.shuffle(pool)
    fillers = [
        str(a["text"])
        for e in events
        if e["source_dataset"] in ("ECB+", "AllSides-NeuS")
        for a in e["articles"]
    ]
    return plant_articles(pool[:articles], fillers, seed, rng)


def plant_articles(
    articles: Sequence[tuple[str, str]],
    fillers: Sequence[str],
    seed: int,
    rng: random.Random | None = None,
) -> list[Planted]:
    """One planted copy per type for each (id, text) of `articles`; an inserted sentence comes
    from one of `fillers`, texts about other stories."""
    rng = rng or random.Random(seed)
    out: list[Planted] = []
    for source_id, text in articles:
        passages = tuple(
            PassageView(i, 0, i, s.start, s.end, s.text) for i, s in enumerate(segment(text))
        )
        for kind in DIVERGENCE_TYPES:
            filler = _filler(fillers, rng) if kind == "unique_claim" else ""
            planted = _plant_one(
                kind, text, passages, random.Random(f"{seed}:{source_id}:{kind}"), filler
            )
            if planted is not None:
                copy, span, note = planted
                out.append(Planted(kind, source_id, text, copy, span, note))
    return out


def _overlaps(a: tuple[int, int], b: tuple[int, int]) -> bool:
    return a[0] < b[1] and b[0] < a[1]


@dataclass(frozen=True, slots=True)
class Outcome:
    item: Planted
    found: bool
    untouched: int
    false_alarms: int
    divergences: tuple[Divergence, ...]


def score(item: Planted, vectors: PassageVectors) -> Outcome:
    """Run the engine on one planted pair and judge it."""
    original = article_view(1, ORIGINAL_OUTLET, item.original, vectors)
    copy = article_view(2, COPY_OUTLET, item.copy, vectors)
    claims = align_event([original, copy])
    found_divergences = compare_article(copy, [original, copy], claims)
    found = False
    flagged: set[int] = set()
    spurious = 0
    for d in found_divergences:
        if d.passage is not None:
            on_edit = item.type != "omission" and _overlaps(
                (d.passage.start, d.passage.end), item.span
            )
            if on_edit and d.type == item.type:
                found = True
            if not on_edit:
                flagged.add(d.passage.passage_id)
            continue
        hits = [
            c
            for c in d.counterparts
            if c.passage.article_id == original.article_id
            and _overlaps((c.passage.start, c.passage.end), item.span)
        ]
        if hits and item.type == "omission":
            found = True
        elif not hits:
            spurious += 1
    untouched = [
        p
        for p in copy.passages
        if item.type == "omission" or not _overlaps((p.start, p.end), item.span)
    ]
    alarms = len(flagged) + spurious
    return Outcome(item, found, len(untouched), alarms, tuple(found_divergences))


def evaluate(outcomes: Sequence[Outcome]) -> dict[str, float]:
    """The `planted.*` metrics of a set of outcomes."""
    metrics: dict[str, float] = {}
    for kind in DIVERGENCE_TYPES:
        mine = [o for o in outcomes if o.item.type == kind]
        metrics[f"planted.{kind}.recall"] = (
            round(sum(o.found for o in mine) / len(mine), 4) if mine else float("nan")
        )
        metrics[f"planted.{kind}.n"] = len(mine)
    untouched = sum(o.untouched for o in outcomes)
    metrics["planted.false_alarm_rate"] = (
        round(sum(o.false_alarms for o in outcomes) / untouched, 4) if untouched else float("nan")
    )
    metrics["planted.untouched_passages"] = untouched
    return metrics


def run(
    events_path: Path,
    embedder: Embedder,
    *,
    articles: int = 40,
    seed: int = 13,
    cache_dir: Path | None = None,
) -> tuple[dict[str, float], list[Outcome]]:
    vectors = PassageVectors(embedder, cache_dir)
    items = plant(load_events(events_path), articles, seed)
    outcomes = [score(item, vectors) for item in items]
    return evaluate(outcomes), outcomes


def _misses(outcomes: Sequence[Outcome]) -> Iterator[str]:
    for o in outcomes:
        if not o.found:
            yield f"MISS {o.item.type} {o.item.source_id}: {o.item.note[:140]!r}"
        if o.false_alarms:
            for d in o.divergences:
                yield f"  alarm {o.item.type} {o.item.source_id}: {d.type} {d.explanation[:140]!r}"


def main(argv: Sequence[str] | None = None) -> int:
    parser = command("evaluation.planted", __doc__)
    parser.add_argument("--articles", type=int, default=40, help="articles sampled (6 edits each)")
    parser.add_argument("--seed", type=int, default=13)
    parser.add_argument(
        "--cache", type=Path, default=None, help="embedding cache dir (not the repo)"
    )
    parser.add_argument("--verbose", action="store_true", help="list misses and false alarms")
    args = parser.parse_args(argv)
    events = require(args.data / "events.dev.jsonl")
    if events is None:
        return 2
    from core.config import Settings
    from index.embedder import load_embedder

    metrics, outcomes = run(
        events,
        load_embedder(Settings()),
        articles=args.articles,
        seed=args.seed,
        cache_dir=args.cache,
    )
    if args.verbose:
        for line in _misses(outcomes):
            print(line, file=sys.stderr)
    emit(metrics, args.json)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
