"""Sentence-boundary quality of the segmenter against the datasets' own sentence spans.

    python -m evaluation.segmentation [--data ../shared/data] [--mode sentences|passages] [--json]

A boundary is the end offset of a sentence; a predicted and a gold boundary match when only
whitespace lies between them. The end of the text is not counted (every splitter finds it).
`sentences` scores the raw splitter (`sentence_spans`); `passages` scores `segment()`, whose
fragment merging removes some true boundaries on purpose, so its recall is lower by design.
"""

from __future__ import annotations

import json
import sys
from collections import defaultdict
from collections.abc import Callable, Iterator, Sequence
from dataclasses import asdict, dataclass
from pathlib import Path

from evaluation._data import command, require
from ingest.segment import segment, sentence_spans

__all__ = ["BoundaryScore", "boundaries", "evaluate", "main"]

Splitter = Callable[[str], Sequence[tuple[int, int]]]


@dataclass(frozen=True, slots=True)
class BoundaryScore:
    dataset: str
    articles: int
    gold: int
    predicted: int
    matched: int
    precision: float
    recall: float
    f1: float


def boundaries(text: str, spans: Sequence[Sequence[int | None] | None]) -> set[int]:
    """End offsets of `spans`, moved back over whitespace, without the end of the text."""
    last = len(text.rstrip())
    ends: set[int] = set()
    for span in spans:
        end = span[1] if span is not None and len(span) > 1 else None
        if end is None:
            continue
        while end > 0 and text[end - 1].isspace():
            end -= 1
        if 0 < end < last:
            ends.add(end)
    return ends


def _articles(events_file: Path) -> Iterator[tuple[str, str, list[list[int | None] | None]]]:
    with events_file.open(encoding="utf-8") as lines:
        for line in lines:
            if not line.strip():
                continue
            event = json.loads(line)
            for article in event["articles"]:
                spans = article.get("sentence_spans")
                if article.get("text") and spans:
                    yield event["source_dataset"], article["text"], spans


def _score(dataset: str, articles: int, gold: int, predicted: int, matched: int) -> BoundaryScore:
    p = matched / predicted if predicted else 0.0
    r = matched / gold if gold else 0.0
    f = 2 * p * r / (p + r) if p + r else 0.0
    return BoundaryScore(dataset, articles, gold, predicted, matched, p, r, f)


def evaluate(events_file: Path, splitter: Splitter = sentence_spans) -> list[BoundaryScore]:
    """Per-dataset scores, then an "overall" row pooling every boundary."""
    counts: defaultdict[str, list[int]] = defaultdict(lambda: [0, 0, 0, 0])
    for dataset, text, spans in _articles(events_file):
        gold = boundaries(text, spans)
        predicted = boundaries(text, [list(s) for s in splitter(text)])
        row = counts[dataset]
        row[0] += 1
        row[1] += len(gold)
        row[2] += len(predicted)
        row[3] += len(gold & predicted)
    scores = [_score(name, *row) for name, row in sorted(counts.items())]
    totals = [sum(row[i] for row in counts.values()) for i in range(4)]
    scores.append(_score("overall", *totals))
    return scores


def _passage_spans(text: str) -> list[tuple[int, int]]:
    return [(p.start, p.end) for p in segment(text)]


def main(argv: Sequence[str] | None = None) -> int:
    parser = command("evaluation.segmentation", __doc__)
    parser.add_argument("--mode", choices=("sentences", "passages"), default="sentences")
    args = parser.parse_args(argv)
    events = require(args.data / "events.dev.jsonl")
    if events is None:
        return 2
    scores = evaluate(events, sentence_spans if args.mode == "sentences" else _passage_spans)
    if args.json:
        print(json.dumps([asdict(s) for s in scores], indent=2))
        return 0
    print(f"{'dataset':<16}{'articles':>9}{'gold':>8}{'pred':>8}{'P':>7}{'R':>7}{'F1':>7}")
    for s in scores:
        print(
            f"{s.dataset:<16}{s.articles:>9}{s.gold:>8}{s.predicted:>8}"
            f"{s.precision:>7.3f}{s.recall:>7.3f}{s.f1:>7.3f}"
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
