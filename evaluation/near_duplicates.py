"""Which SimHash distance separates wire copies from different articles on the same event.

    python -m evaluation.near_duplicates [--data ../shared/data] [--json]

Two populations from the dev events (articles of at least 500 characters; AllSides excerpts are
left out):
- edited copies: each article republished with a byline added, another headline, a trailing
  copyright paragraph, all three at once, or its last paragraph dropped; the worst of the five
  distances to the original is kept per article;
- same-event pairs, labelled by word-3-shingle Jaccard: "distinct" below 0.2 (separately written
  accounts), "copy" at 0.8 and above (real wire copies, e.g. in ECB+).
For each threshold it prints the share of edited copies and real copies caught (recall) and the
share of distinct pairs wrongly flagged.
"""

from __future__ import annotations

import itertools
import json
import re
import sys
from collections.abc import Sequence
from dataclasses import asdict, dataclass
from pathlib import Path

from evaluation._data import command, require
from ingest.dedupe import hamming, normalise_text, simhash

__all__ = ["Distances", "ThresholdRow", "edited_copies", "main", "measure"]

_BYLINE = "By Jane Doe and Omar Patel, Associated Press\n\n"
_HEADLINE = "Officials respond as the story develops\n\n"
_TAIL = (
    "\n\nCopyright 2019 The Associated Press. All rights reserved. This material may not be "
    "published, broadcast, rewritten or redistributed."
)
_WORD = re.compile(r"\w+")
MIN_CHARS = 500


@dataclass(frozen=True, slots=True)
class Distances:
    edited: tuple[int, ...]
    distinct: tuple[int, ...]
    copies: tuple[int, ...]


@dataclass(frozen=True, slots=True)
class ThresholdRow:
    threshold: int
    edited_recall: float
    copy_recall: float
    distinct_flagged: float
    distinct_flagged_count: int


def edited_copies(text: str) -> list[str]:
    """The small edits a republisher makes to a wire story."""
    copies = [_BYLINE + text, _HEADLINE + text, text + _TAIL, _BYLINE + _HEADLINE + text + _TAIL]
    paragraphs = text.split("\n\n")
    if len(paragraphs) > 3:
        copies.append("\n\n".join(paragraphs[:-1]))
    return copies


def _shingles(text: str) -> set[str]:
    words = _WORD.findall(normalise_text(text))
    return {" ".join(words[i : i + 3]) for i in range(len(words) - 2)}


def measure(events_file: Path) -> Distances:
    edited: list[int] = []
    distinct: list[int] = []
    copies: list[int] = []
    with events_file.open(encoding="utf-8") as lines:
        for line in lines:
            event = json.loads(line)
            if event["source_dataset"] == "AllSides-NeuS":
                continue
            texts = [a["text"] for a in event["articles"] if len(a.get("text") or "") >= MIN_CHARS]
            hashes = [simhash(t) for t in texts]
            shingles = [_shingles(t) for t in texts]
            for text, h in zip(texts, hashes, strict=True):
                edited.append(max(hamming(h, simhash(c)) for c in edited_copies(text)))
            for i, j in itertools.combinations(range(len(texts)), 2):
                union = shingles[i] | shingles[j]
                jaccard = len(shingles[i] & shingles[j]) / len(union) if union else 0.0
                distance = hamming(hashes[i], hashes[j])
                if jaccard < 0.2:
                    distinct.append(distance)
                elif jaccard >= 0.8:
                    copies.append(distance)
    return Distances(tuple(edited), tuple(distinct), tuple(copies))


def table(d: Distances, thresholds: Sequence[int] = range(2, 25, 1)) -> list[ThresholdRow]:
    def share(values: Sequence[int], t: int) -> float:
        return sum(v <= t for v in values) / len(values) if values else 0.0

    return [
        ThresholdRow(
            t,
            share(d.edited, t),
            share(d.copies, t),
            share(d.distinct, t),
            sum(v <= t for v in d.distinct),
        )
        for t in thresholds
    ]


def main(argv: Sequence[str] | None = None) -> int:
    parser = command("evaluation.near_duplicates", __doc__)
    args = parser.parse_args(argv)
    events = require(args.data / "events.dev.jsonl")
    if events is None:
        return 2
    distances = measure(events)
    rows = table(distances)
    if args.json:
        print(json.dumps([asdict(r) for r in rows], indent=2))
        return 0
    print(
        f"edited copies {len(distances.edited)} (max distance {max(distances.edited, default=0)}), "
        f"real copies {len(distances.copies)}, distinct pairs {len(distances.distinct)} "
        f"(min distance {min(distances.distinct, default=64)})"
    )
    print(f"{'max dist':>8}{'edited R':>10}{'copies R':>10}{'distinct flagged':>18}")
    for r in rows:
        print(
            f"{r.threshold:>8}{r.edited_recall:>10.3f}{r.copy_recall:>10.3f}"
            f"{r.distinct_flagged:>12.4f} ({r.distinct_flagged_count})"
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
