"""The shipped answer rules beside those they were chosen over, replayed on the judged set.

    python -m evaluation.rule_replay [--data ../shared/data] [--cache DIR] [--newest N] [--json]

Each judged event's divergences are found once, with a one-sided gate fitted without the event
(out of fold, as `python -m evaluation.one_sided_fit --judged`), or with `--newest N` for the
newest N events only, with the gate fitted on those judged before them. Every rule in
`VARIANTS` then makes its answers of the same divergences: whether the accounts agree
(`comparison.agreement`), and which divergences lead (`comparison.ranking.key_differences`).
Their judged metrics (`evaluation.judged.metrics`), with the key differences an answer opens
with, show what a rule changes and nothing else.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from functools import partial
from pathlib import Path
from typing import Any

from comparison.agreement import accounts_agree
from comparison.pair_cover import shipped_cover
from comparison.ranking import key_differences
from evaluation._data import command, emit, require
from evaluation.judged import (
    AgreementRule,
    Findings,
    KeyRule,
    answer_of,
    event_findings,
    judged_events,
    judged_items,
    metrics,
)
from evaluation.one_sided_fit import newest_gates, out_of_fold_gates, rows
from evaluation.planted import PassageVectors

# The rule the shipped agreement replaced: a share of the others' passages, whatever was found.
SHARE_ONLY = 0.4


def _share_only(shared: float, _differences: int) -> bool:
    return shared >= SHARE_ONLY


VARIANTS: dict[str, tuple[AgreementRule, KeyRule]] = {
    "shipped": (accounts_agree, key_differences),
    "agreement_by_share_only": (_share_only, key_differences),
    "two_key_differences_of_a_kind": (accounts_agree, partial(key_differences, max_per_type=2)),
}
REPORTED = (
    "judged.precision",
    "judged.key_precision",
    "judged.key_found",
    "judged.key_difference_hit",
    "judged.empty_when_agreeing",
    "judged.items_per_answer",
)


def replay(
    found: Sequence[Findings],
    events: Sequence[dict[str, Any]],
    items: Sequence[dict[str, Any]],
    variants: Mapping[str, tuple[AgreementRule, KeyRule]] = VARIANTS,
) -> dict[str, float]:
    """Each variant's judged metrics on the same findings, as `<variant>.<metric>`."""
    out: dict[str, float] = {}
    for name, (agree, keys) in variants.items():
        answers = [answer_of(f, agree, keys) for f in found]
        result = metrics(answers, events, items)
        out |= {f"{name}.{metric}": result[metric] for metric in REPORTED}
        opened = sum(len(a.keys) for a in answers) / max(1, len(answers))
        out[f"{name}.judged.key_differences_per_answer"] = round(opened, 2)
    return out


def main(argv: Sequence[str] | None = None) -> int:
    parser = command("evaluation.rule_replay", __doc__)
    parser.add_argument("--cache", type=Path, default=None, help="embedding cache (not the repo)")
    parser.add_argument(
        "--newest",
        type=int,
        default=0,
        help="the newest N events only, gated by the events judged before them",
    )
    args = parser.parse_args(argv)
    if require(args.data / "events.dev.jsonl") is None:
        return 2
    from core.config import Settings
    from index.embedder import load_embedder

    embedder = load_embedder(Settings())
    labelled = rows(args.data, embedder, args.cache)
    events = judged_events()
    if args.newest:
        try:
            events, gates = newest_gates(labelled, events, args.newest)
        except ValueError as error:
            parser.error(str(error))
    else:
        gates = out_of_fold_gates(labelled, events)
    vectors = PassageVectors(embedder, args.cache)
    found = event_findings(args.data, events, vectors, gates, shipped_cover(Settings()))
    emit(replay(found, events, judged_items()), args.json, width=70)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
