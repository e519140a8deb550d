"""Extraction quality: token precision, recall and F1 against hand-checked article bodies.

    python -m evaluation.extraction [--data ../shared/data] [--json]

Tokens are case-folded `\\w+` runs compared as multisets (bag of words), per page; "micro" pools
the counts of every page, "macro" averages the per-page scores. A page the extractor refuses
(`NotAnArticle`) scores zero.
"""

from __future__ import annotations

import json
import re
import sys
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass
from pathlib import Path

from core.errors import NotAnArticle
from evaluation._data import command, require
from ingest.extract import extract_article

__all__ = ["ExtractionReport", "PageScore", "evaluate", "main", "token_scores"]

_TOKEN = re.compile(r"\w+")


@dataclass(frozen=True, slots=True)
class PageScore:
    file: str
    host: str
    precision: float
    recall: float
    f1: float
    predicted_tokens: int
    gold_tokens: int
    overlap: int
    error: str | None = None


@dataclass(frozen=True, slots=True)
class ExtractionReport:
    pages: tuple[PageScore, ...]
    micro_precision: float
    micro_recall: float
    micro_f1: float
    macro_precision: float
    macro_recall: float
    macro_f1: float


def _f1(p: float, r: float) -> float:
    return 2 * p * r / (p + r) if p + r else 0.0


def token_scores(predicted: str, gold: str) -> tuple[float, float, float, int, int, int]:
    """(precision, recall, f1, predicted tokens, gold tokens, overlap) of two texts."""
    pred = Counter(_TOKEN.findall(predicted.casefold()))
    ref = Counter(_TOKEN.findall(gold.casefold()))
    overlap = sum((pred & ref).values())
    n_pred, n_gold = sum(pred.values()), sum(ref.values())
    precision = overlap / n_pred if n_pred else 0.0
    recall = overlap / n_gold if n_gold else 0.0
    return precision, recall, _f1(precision, recall), n_pred, n_gold, overlap


def evaluate(
    sample_dir: Path, extractor: Callable[[str, str], str] | None = None
) -> ExtractionReport:
    """Score every page listed in `sample_dir/ground_truth.jsonl`.

    `extractor(html, url) -> text` defaults to `extract_article(...).text`.
    """
    run = extractor or (lambda html, url: extract_article(html, url).text)
    pages: list[PageScore] = []
    with (sample_dir / "ground_truth.jsonl").open(encoding="utf-8") as lines:
        for line in lines:
            if not line.strip():
                continue
            row = json.loads(line)
            html = (sample_dir / row["file"]).read_text(encoding="utf-8", errors="replace")
            error = None
            try:
                text = run(html, row["url"])
            except NotAnArticle as exc:
                text, error = "", exc.code
            p, r, f, n_pred, n_gold, overlap = token_scores(text, row["article_body"])
            host = row.get("outlet_host") or ""
            pages.append(PageScore(row["file"], host, p, r, f, n_pred, n_gold, overlap, error))
    overlap = sum(p.overlap for p in pages)
    micro_p = overlap / max(1, sum(p.predicted_tokens for p in pages))
    micro_r = overlap / max(1, sum(p.gold_tokens for p in pages))
    n = max(1, len(pages))
    return ExtractionReport(
        pages=tuple(pages),
        micro_precision=micro_p,
        micro_recall=micro_r,
        micro_f1=_f1(micro_p, micro_r),
        macro_precision=sum(p.precision for p in pages) / n,
        macro_recall=sum(p.recall for p in pages) / n,
        macro_f1=sum(p.f1 for p in pages) / n,
    )


def _print_table(report: ExtractionReport) -> None:
    print(f"{'page':<24}{'host':<24}{'P':>7}{'R':>7}{'F1':>7}")
    for page in report.pages:
        note = f"  ({page.error})" if page.error else ""
        print(
            f"{page.file:<24}{page.host:<24}{page.precision:>7.3f}{page.recall:>7.3f}"
            f"{page.f1:>7.3f}{note}"
        )
    print(
        f"{'micro':<48}{report.micro_precision:>7.3f}{report.micro_recall:>7.3f}"
        f"{report.micro_f1:>7.3f}"
    )
    print(
        f"{'macro':<48}{report.macro_precision:>7.3f}{report.macro_recall:>7.3f}"
        f"{report.macro_f1:>7.3f}"
    )


def main(argv: Sequence[str] | None = None) -> int:
    parser = command("evaluation.extraction", __doc__)
    args = parser.parse_args(argv)
    data = require(args.data / "html_sample")
    if data is None:
        return 2
    report = evaluate(data)
    if args.json:
        print(json.dumps(asdict(report), indent=2))
    else:
        _print_table(report)
    return 0


if __name__ == "__main__":
    sys.exit(main())
