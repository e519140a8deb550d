"""Fit the gate of one-sided items (unique claims and omissions) on the judged set.

    python -m evaluation.one_sided_fit [--data ../shared/data] [--cache DIR] [--write] [--json]

Every passage of a judged event is a candidate: the focus article's passages for `unique_claim`,
the other outlets' passages for `omission`. A candidate is labelled worth showing (1) when the
editor listed it among the event's real differences or judged a reported item over it correct,
and not worth showing (0) when judged trivial or wrong; unjudged passages are left out. Prints
each kind's out-of-fold AUROC (folds by event) and the precision and recall of the gate at the
shipped thresholds; `--write` refits `comparison/one_sided_model.json` on every event;
`--judged` adds the judged metrics (`evaluation.judged`) with every event answered by a gate
fitted without it, the figures that predict an unseen event, and `--calibrate` prints each
kind's precision from them (`comparison.ranking.calibrated`). `--newest N` fits the gate
on every event judged before the newest N (in the order they were judged) and prints the judged
metrics of those N alone: where the rules were chosen before those events were read, the
figures to expect on an unseen event.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt

from comparison.divergences import independence_groups
from comparison.one_sided_features import FEATURE_NAMES, Candidate, candidates
from comparison.one_sided_model import (
    DEFAULT_PATH,
    ONE_SIDED,
    PRIOR_KINDS,
    THRESHOLDS,
    Gate,
    OneSidedGate,
    OneSidedKind,
    fit_gate,
)
from comparison.pair_cover import PairCover, shipped_cover
from comparison.voice import article_voices
from evaluation._data import command, emit, require
from evaluation.judged import (
    _overlaps,
    answer_of,
    calibration_table,
    event_findings,
    event_views,
    judged_events,
    judged_items,
    metrics,
)
from evaluation.planted import PassageVectors, load_events
from index.embedder import Embedder

FOLDS = 5


@dataclass(frozen=True, slots=True)
class Row:
    """One judged candidate: its features (the passage prior left at 0: the gate's own prior
    scores `vector`, the passage's vector of the embedding model `model`)."""

    kind: str
    event: str
    features: tuple[float, ...]
    label: int
    vector: npt.NDArray[np.float32]
    model: str


def _spans(kind: str, judged: dict[str, Any]) -> list[tuple[str | None, int, int]]:
    """(article id or None for the focus, start, end) of what a judged item or gold divergence
    points at on its one-sided side."""
    if kind == "unique_claim":
        focus = judged.get("focus_span", judged.get("focus"))
        return [(None, focus[0], focus[1])] if focus else []
    others = judged.get("other_spans") or ([judged["other"]] if judged.get("other") else [])
    return [(str(o[0]), int(o[1]), int(o[2])) for o in others]


def _label(
    kind: str,
    candidate: Candidate,
    article: str | None,
    gold: Sequence[dict[str, Any]],
    items: Sequence[dict[str, Any]],
) -> int | None:
    span = (candidate.passage.start, candidate.passage.end)

    def points_here(judged: dict[str, Any]) -> bool:
        return judged["type"] == kind and any(
            where == article and _overlaps(span, (start, end))
            for where, start, end in _spans(kind, judged)
        )

    if any(points_here(g) for g in gold):
        return 1
    labels = [i["label"] for i in items if points_here(i)]
    if not labels:
        return None
    return int("correct" in labels)


def rows(data: Path, embedder: Embedder, cache: Path | None = None) -> list[Row]:
    """One row per judged candidate passage of every judged event."""
    source = {e["event_id"]: e for e in load_events(data / "events.dev.jsonl")}
    vectors = PassageVectors(embedder, cache)
    model = embedder.name
    items = judged_items()
    out: list[Row] = []
    for event in judged_events():
        views, ids, _ = event_views(
            source[event["event_id"]], event["focus"], event["others"], vectors
        )
        focus, others = views[0], views[1:]
        others = [a for a in others if a.outlet.casefold() != focus.outlet.casefold()]
        groups = independence_groups([focus, *others])
        others = [a for a in others if groups[a.article_id] != groups[focus.article_id]]
        if not others:
            continue
        voices = {k: v for a in [focus, *others] for k, v in article_voices(a).items()}
        mine = [
            i for i in items if (i["event_id"], i["focus"]) == (event["event_id"], event["focus"])
        ]
        sides = {
            "unique_claim": candidates([focus], others, voices, groups),
            "omission": candidates(others, [focus], voices, groups),
        }
        vector_of = {
            p.passage_id: a.vectors[i] for a in [focus, *others] for i, p in enumerate(a.passages)
        }
        for kind, found in sides.items():
            for candidate in found:
                article = None if kind == "unique_claim" else ids[candidate.passage.article_id]
                label = _label(kind, candidate, article, event["divergences"], mine)
                if label is not None:
                    vector = vector_of[candidate.passage.passage_id]
                    row = Row(kind, event["event_id"], candidate.features, label, vector, model)
                    out.append(row)
    return out


def gated_features(gate: Gate, kind: OneSidedKind, found: Sequence[Row]) -> list[tuple[float, ...]]:
    """The features `gate` reads for `found`'s rows of `kind`, its passage prior's scores in."""
    prior = gate.prior(kind)
    column = FEATURE_NAMES.index("passage_prior")
    out = []
    for row in found:
        if row.kind != kind:
            continue
        score = float(prior.scores(row.vector)[0]) if prior is not None else 0.0
        out.append((*row.features[:column], score, *row.features[column + 1 :]))
    return out


def _auroc(scores: np.ndarray, labels: np.ndarray) -> float:
    from sklearn.metrics import roc_auc_score

    return float(roc_auc_score(labels, scores)) if 0 < labels.sum() < len(labels) else float("nan")


def report(found: Sequence[Row]) -> dict[str, float]:
    """Out-of-fold AUROC per kind, and the shipped gate's out-of-fold precision and recall."""
    out: dict[str, float] = {}
    for kind in ONE_SIDED:
        mine = [r for r in found if r.kind == kind]
        x = np.array([r.features for r in mine])
        y = np.array([r.label for r in mine])
        groups = [r.event for r in mine]
        vectors = np.array([r.vector for r in mine]) if kind in PRIOR_KINDS else None
        model = mine[0].model if mine else ""
        scores = fit_gate(x, y, groups, folds=FOLDS, vectors=vectors, model=model).out_of_fold
        kept = scores >= THRESHOLDS[kind]
        out[f"{kind}.rows"] = len(mine)
        out[f"{kind}.positives"] = int(y.sum())
        out[f"{kind}.auroc"] = round(_auroc(scores, y), 4)
        out[f"{kind}.base_precision"] = round(float(y.mean()), 4)
        out[f"{kind}.gate_precision"] = round(
            float(y[kept].mean()) if kept.any() else float("nan"), 4
        )
        out[f"{kind}.gate_recall"] = round(float(y[kept].sum() / max(1, y.sum())), 4)
    return out


def fit_on_rows(found: Sequence[Row]) -> OneSidedGate:
    return OneSidedGate.fit(
        {k: [r.features for r in found if r.kind == k] for k in ONE_SIDED},
        {k: [r.label for r in found if r.kind == k] for k in ONE_SIDED},
        {k: [r.event for r in found if r.kind == k] for k in ONE_SIDED},
        {k: np.array([r.vector for r in found if r.kind == k]) for k in ONE_SIDED},
        found[0].model if found else "",
    )


def judged_out_of_fold(
    data: Path,
    embedder: Embedder,
    found: Sequence[Row],
    cache: Path | None = None,
    cover: PairCover | None = None,
) -> dict[str, float]:
    """The judged metrics with each event answered by a gate fitted without it."""
    events = judged_events()
    return _gated_metrics(data, embedder, events, out_of_fold_gates(found, events), cache, cover)


def out_of_fold_gates(found: Sequence[Row], events: Sequence[dict[str, Any]]) -> dict[str, Gate]:
    """For each of `events`, a gate fitted on the rows of the other folds' events."""
    from sklearn.model_selection import GroupKFold

    names = sorted({e["event_id"] for e in events})
    gates: dict[str, Gate] = {}
    for train, test in GroupKFold(n_splits=FOLDS).split(names, groups=names):
        kept = {names[i] for i in train}
        gate = fit_on_rows([r for r in found if r.event in kept])
        gates.update({names[i]: gate for i in test})
    return gates


def judged_newest(
    data: Path,
    embedder: Embedder,
    found: Sequence[Row],
    newest: int,
    cache: Path | None = None,
    cover: PairCover | None = None,
) -> dict[str, float]:
    """The judged metrics of the newest `newest` judged events, answered by a gate fitted on
    the events judged before them."""
    held, gates = newest_gates(found, judged_events(), newest)
    return _gated_metrics(data, embedder, held, gates, cache, cover)


def held_out(
    events: Sequence[dict[str, Any]], newest: int
) -> tuple[list[dict[str, Any]], set[str]]:
    """The newest `newest` of `events`, and the ids of the events a gate for them may be fitted
    on: those judged before, less any of theirs read again among the newest (its earlier
    reading's passages are the same articles)."""
    if not 0 < newest < len(events):
        raise ValueError(f"--newest must leave earlier events to fit on: 0 < N < {len(events)}")
    held = list(events[-newest:])
    return held, {e["event_id"] for e in events[:-newest]} - {e["event_id"] for e in held}


def newest_gates(
    found: Sequence[Row], events: Sequence[dict[str, Any]], newest: int
) -> tuple[list[dict[str, Any]], dict[str, Gate]]:
    """The newest `newest` of `events` (in the order they were judged), each with the gate
    fitted on the rows of the events judged before them."""
    held, earlier = held_out(events, newest)
    gate = fit_on_rows([r for r in found if r.event in earlier])
    return held, {e["event_id"]: gate for e in held}


def _gated_metrics(
    data: Path,
    embedder: Embedder,
    events: Sequence[dict[str, Any]],
    gates: dict[str, Gate],
    cache: Path | None,
    cover: PairCover | None,
) -> dict[str, float]:
    """The judged metrics of `events`, each answered by the gate `gates` names for it."""
    found = event_findings(data, events, PassageVectors(embedder, cache), gates, cover)
    return metrics([answer_of(f) for f in found], events, judged_items())


def main(argv: Sequence[str] | None = None) -> int:
    parser = command("evaluation.one_sided_fit", __doc__)
    parser.add_argument("--cache", type=Path, default=None, help="embedding cache (not the repo)")
    parser.add_argument("--write", action="store_true", help=f"refit {DEFAULT_PATH.name}")
    parser.add_argument(
        "--judged", action="store_true", help="judged metrics, each event gated out of fold"
    )
    parser.add_argument(
        "--calibrate", action="store_true", help="each kind's judged precision, out of fold"
    )
    parser.add_argument(
        "--newest",
        type=int,
        default=0,
        help="judged metrics of the newest N events, gated by the events judged before them",
    )
    parser.add_argument(
        "--no-unique-check",
        action="store_true",
        help="answer without the second reading of unique claims (comparison.pair_cover)",
    )
    args = parser.parse_args(argv)
    if require(args.data / "events.dev.jsonl") is None:
        return 2
    from core.config import Settings
    from index.embedder import load_embedder

    embedder = load_embedder(Settings())
    found = rows(args.data, embedder, args.cache)
    if args.write:
        fit_on_rows(found).save()
    cover = None if args.no_unique_check else shipped_cover(Settings())
    if args.calibrate:
        judged = judged_out_of_fold(args.data, embedder, found, args.cache, cover)
        emit(calibration_table(judged), args.json)
        return 0
    if args.newest:
        try:
            newest = judged_newest(args.data, embedder, found, args.newest, args.cache, cover)
        except ValueError as error:
            parser.error(str(error))
        emit(newest, args.json)
        return 0
    result = report(found)
    if args.judged:
        result |= judged_out_of_fold(args.data, embedder, found, args.cache, cover)
    emit(result, args.json)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
