from __future__ import annotations

import random
from pathlib import Path
from typing import Any

import pytest

from comparison.model import DIVERGENCE_TYPES, PassageView
from evaluation.planted import _plant_one, evaluate, plant, run

# Floors measured on this subset (python -m evaluation.planted --articles 8 --seed 13 gives the
# same items); CI holds them, raise them when the engine gets better. Omission and framing fell
# when the engine turned to precision on real coverage (evaluation.judged decides): a removed
# sentence whose words its neighbours repeat counts as still stated, and a quoted word next to
# a speech verb is read as the speaker's. Unique claims fell when the learned gate, fitted on
# judged real coverage, began to decide them: a sentence planted anywhere in a wire copy is
# rarely what an editor leads with (the served path, which diffs a copy against its source,
# still reports every added claim: evaluation.served); and again (0.375 → 0.25 here) when its
# threshold rose from 0.19 to 0.25 for precision on 81 judged events; and to none of the 8 when
# the gate was refitted on 177 judged events, which rate unique claims lower. Omissions went the
# same way when the gate began to drop those under 0.5 for precision on 249 judged events
# (0.925 -> 0.175 of 40 planted, 0.75 -> 0.125 of these 8): a sentence removed at random is
# rarely one an editor would flag. Both are held by the judged floors
# (tests/evaluation/test_judged_eval.py) and the served path's diff of a copy against its source.
FLOORS = {
    "planted.numeric.recall": 0.95,
    "planted.contradiction.recall": 0.85,
    "planted.framing.recall": 0.85,
    "planted.attribution.recall": 0.95,
}
MAX_FALSE_ALARM_RATE = 0.01


@pytest.mark.slow
@pytest.mark.data
def test_planted_divergences_on_a_fixed_subset(shared_data: Path, embedder: Any) -> None:
    metrics, outcomes = run(shared_data / "events.dev.jsonl", embedder, articles=8, seed=13)
    assert {o.item.type for o in outcomes} == set(DIVERGENCE_TYPES)
    for key, floor in FLOORS.items():
        assert metrics[key] >= floor, (key, metrics[key])
    assert metrics["planted.false_alarm_rate"] <= MAX_FALSE_ALARM_RATE
    assert metrics["planted.untouched_passages"] > 500


@pytest.mark.data
def test_planting_is_deterministic_and_edits_one_spot(shared_data: Path) -> None:
    from evaluation.planted import load_events

    events = load_events(shared_data / "events.dev.jsonl")
    first, second = plant(events, 3, seed=5), plant(events, 3, seed=5)
    assert first == second
    for item in first:
        start, end = item.span
        if item.type == "omission":
            assert item.original[:start] == item.copy[:start]
            assert len(item.copy) < len(item.original)
        else:
            assert item.copy[:start] == item.original[:start]
            assert item.copy[end:] == item.original[end - len(item.copy) + len(item.original) :]


def _passages(text: str) -> tuple[PassageView, ...]:
    out, start = [], 0
    for index, sentence in enumerate(text.split(" | ")):
        out.append(PassageView(index, 0, index, start, start + len(sentence), sentence))
        start += len(sentence) + 3
    return tuple(out)


TEXT = " | ".join(
    [
        "The storm reached the coast late on Sunday night.",
        "Officials said 42 people were injured when the roof of the old market collapsed.",
        "The government has opened three shelters for families who lost their homes.",
        "Residents were told to stay indoors until the winds calmed down on Monday.",
    ]
)


@pytest.mark.parametrize(
    ("kind", "expected"),
    [
        ("numeric", ("63 people",)),
        ("contradiction", (" not ",)),
        ("attribution", ("claimed", "According to officials")),
        ("unique_claim", ("An unrelated sentence",)),
    ],
)
def test_each_edit_changes_one_passage(kind: str, expected: tuple[str, ...]) -> None:
    planted = _plant_one(
        kind, TEXT, _passages(TEXT), random.Random(1), "An unrelated sentence about football."
    )
    assert planted is not None
    copy, (start, end), _ = planted
    assert any(phrase in copy[start:end] for phrase in expected)
    assert copy[:start] == TEXT[:start]


def test_metrics_have_every_key() -> None:
    metrics = evaluate([])
    for kind in DIVERGENCE_TYPES:
        assert f"planted.{kind}.recall" in metrics
    assert "planted.false_alarm_rate" in metrics


def test_auroc_of_the_bias_evaluation_counts_ties_half() -> None:
    from evaluation.bias import auroc

    assert auroc([0.9, 0.8, 0.1], [1, 1, 0]) == 1.0
    assert auroc([0.1, 0.9], [1, 0]) == 0.0
    assert auroc([0.5, 0.5, 0.5, 0.5], [1, 0, 1, 0]) == 0.5
    assert auroc([0.7, 0.3, 0.3], [1, 1, 0]) == 0.75
