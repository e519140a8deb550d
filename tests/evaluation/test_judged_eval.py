from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import pytest

from comparison.one_sided_model import ONE_SIDED, OneSidedGate
from comparison.pair_cover import shipped_cover
from comparison.ranking import FRAMING_JUDGED, TYPE_JUDGED, smoothed
from core.config import Settings
from evaluation.judged import (
    Answer,
    Item,
    OpenGate,
    calibration,
    draw_events,
    framing_counts,
    judged_counts,
    judged_events,
    matches,
    metrics,
)
from evaluation.one_sided_fit import (
    fit_on_rows,
    gated_features,
    held_out,
    judged_newest,
    judged_out_of_fold,
    rows,
)

# Measured with `python -m evaluation.one_sided_fit --judged --json`: every event answered by a
# one-sided gate fitted without it, unique claims read again by the shipped cover. CI holds
# them; raise them when the engine gets better.
FLOORS = {
    # 0.425 on 465 events; 0.431 on 537, with the gate's `shared_figures`; 0.436 -> 0.449 on
    # 585 with its passage prior, 0.442 on 609.
    "judged.precision": 0.43,
    "judged.key_precision": 0.48,
    "judged.key_difference_hit": 0.38,
    # The editors' key among the key differences, on the events that have one (0.159 on 393;
    # 0.179 -> 0.197 on 417 with three key differences of a kind rather than two; 0.196 on 465,
    # 0.197 on 537, 0.207 on 585, 0.206 on 609).
    "judged.key_found": 0.19,
    # Agreement that counts the divergences found (comparison.agreement): 0.613 -> 0.664 on 369
    # events, 0.652 -> 0.696 on 393, 0.623 -> 0.659 on 417 (seed 21's 24 agree 3 times), 0.679 on
    # 465, 0.720 on 537, 0.756 on 585, 0.744 on 609.
    "judged.empty_when_agreeing": 0.70,
    "judged.omission.precision": 0.44,
    # 0.443 -> 0.465 on 585 events with the gate's passage prior, 0.462 on 609.
    "judged.unique_claim.precision": 0.44,
}
# 2.96 on 465 events, 2.70 on 537, 2.54 on 585, 2.58 on 609: the seed-18 batch's long PAC pairs
# gave 4.42 an answer.
MAX_ITEMS_PER_ANSWER = 3.5
# Judged unique claims and omissions that another outlet states in other words (0.170 on 465
# events, 0.168 on 537, 0.167 on 585, 0.171 on 609); alignment aims for 0.08 (docs/comparison.md).
MAX_MISSED_ALIGNMENT = 0.20
# The 24 events judged last, answered by a gate fitted on those judged before them
# (`--newest 24`): the figure to expect on an unseen event (0.28 on the seed-12 batch, 0.32 on
# seed 13's, 0.38 on seed 14's, 0.47 on seed 15's; 0.43 for seed 15's on another machine, 0.44
# with the gate's Platt calibration; 0.44 on seed 16's, 0.43 on seed 17's, 0.44 for seed 17's
# with exact int8 products, 0.51 on seed 18's, 0.52 on seed 19's, 0.60 on seed 20's, 0.62 on
# seed 21's, 0.44 on seed 22's and on seed 23's, 0.41 on seed 24's, 0.68 on seed 25's, 0.67 on
# seed 26's, 0.48 on seed 27's, and 0.59 on seed 28's, 0.64 with the passage prior). The dev
# events all read, seed 30 read 24 of them again from another outlet (`--refocus`): 0.40 on
# the five datasets' longer articles, where the seven batches before it were short AllSides
# summaries.
NEWEST = 24
NEWEST_PRECISION_FLOOR = 0.38
# The int8 model's vectors differed between machines: without AVX-512 VNNI, onnxruntime's u8 x
# s8 products saturated, and the same code and judged set gave all items 0.412 right on an AVX2
# machine and 0.402 on a VNNI one. Sessions now ask for exact products
# (`index.onnx_encoder.int8_session_options`): on a VNNI machine they change no vector, and
# elsewhere they remove the saturation. With them, the same code and judged set gave all items
# 0.405 and 0.404, empty answers where the accounts agree 0.643 and 0.634: the float kernels
# still differ by machine, so the tolerances stay. A shipped record or gate is the command's
# output when it is this close; an engine change that moves them further needs the refit and
# recount (`--write --calibrate`).
MAX_RECORD_SHIFT = 0.05
MAX_JUDGED_SHIFT = 0.2
MAX_GATE_DRIFT = 0.05


def _same_record(measured: tuple[int, int], shipped: tuple[int, int]) -> bool:
    """Whether a kind's (right, judged) record, measured here, is the shipped one up to the
    machine: its smoothed precision within `MAX_RECORD_SHIFT`, its judged count within
    `MAX_JUDGED_SHIFT` of the shipped (or three items)."""
    close = abs(smoothed(*measured) - smoothed(*shipped)) <= MAX_RECORD_SHIFT
    return close and abs(measured[1] - shipped[1]) <= max(3, MAX_JUDGED_SHIFT * shipped[1])


def test_items_match_by_type_and_overlapping_spans() -> None:
    unique = Item("unique_claim", (10, 50), ())
    assert matches(unique, {"type": "unique_claim", "focus_span": [40, 90], "other_spans": []})
    assert not matches(unique, {"type": "unique_claim", "focus_span": [50, 90]})
    assert not matches(unique, {"type": "framing", "focus_span": [10, 50]})
    omission = Item("omission", None, (("b", 100, 160),))
    assert matches(omission, {"type": "omission", "focus": None, "other": ["b", 150, 200]})
    assert not matches(omission, {"type": "omission", "focus": None, "other": ["c", 100, 160]})


def test_metrics_count_judged_labels_recall_and_key_hits() -> None:
    right = Item("omission", None, (("b", 0, 10),))
    wrong = Item("unique_claim", (0, 10), ())
    answers = [
        Answer("e1", "a", (right, wrong), (right,)),
        Answer("e2", "x", (), ()),
    ]
    events = [
        {
            "event_id": "e1",
            "focus": "a",
            "agree": False,
            "key": {"type": "omission", "focus": None, "other": ["b", 5, 8]},
            "divergences": [
                {"type": "omission", "focus": None, "other": ["b", 5, 8]},
                {"type": "omission", "focus": None, "other": ["c", 0, 4]},
            ],
        },
        {"event_id": "e2", "focus": "x", "agree": True, "key": None, "divergences": []},
    ]
    items = [
        {"event_id": "e1", "focus": "a", "type": "omission", "focus_span": None,
         "other_spans": [["b", 0, 10]], "label": "correct"},
        {"event_id": "e1", "focus": "a", "type": "unique_claim", "focus_span": [0, 10],
         "other_spans": [], "label": "trivial"},
    ]  # fmt: skip
    result = metrics(answers, events, items)
    assert result["judged.omission.precision"] == 1.0
    assert result["judged.omission.recall"] == 0.5
    assert result["judged.unique_claim.precision"] == 0.0
    assert result["judged.precision"] == 0.5
    assert result["judged.key_precision"] == 1.0
    assert result["judged.key_difference_hit"] == 1.0
    assert result["judged.key_found"] == 1.0
    assert result["judged.empty_when_agreeing"] == 1.0
    assert result["judged.missed_alignment_rate"] == 0.0
    assert calibration(result)["omission"] == round(2 / 3, 3)


def test_key_found_counts_only_the_events_with_a_key() -> None:
    shown = Item("unique_claim", (0, 10), ())
    key = {"type": "omission", "focus": None, "other": ["b", 0, 10]}
    answers = [Answer("e1", "a", (shown,), (shown,)), Answer("e2", "x", (), ())]
    events = [
        {"event_id": "e1", "focus": "a", "agree": False, "key": key, "divergences": [key]},
        {"event_id": "e2", "focus": "x", "agree": True, "key": None, "divergences": []},
    ]
    result = metrics(answers, events, [])
    assert result["judged.key_difference_hit"] == 0.5
    assert result["judged.key_found"] == 0.0


def test_missed_alignment_counts_wrong_one_sided_items_only() -> None:
    omission = Item("omission", None, (("b", 0, 10),))
    unique = Item("unique_claim", (0, 10), ())
    framing = Item("framing", (20, 30), (("b", 20, 30),), detector="label")
    event = {"event_id": "e", "focus": "a", "agree": False, "key": None, "divergences": []}
    items = [
        {"event_id": "e", "focus": "a", "type": "omission", "focus_span": None,
         "other_spans": [["b", 0, 10]], "label": "wrong"},
        {"event_id": "e", "focus": "a", "type": "unique_claim", "focus_span": [0, 10],
         "other_spans": [], "label": "correct"},
        {"event_id": "e", "focus": "a", "type": "framing", "focus_span": [20, 30],
         "other_spans": [["b", 20, 30]], "label": "wrong"},
    ]  # fmt: skip
    answers = [Answer("e", "a", (omission, unique, framing), ())]
    result = metrics(answers, [event], items)
    assert result["judged.missed_alignment_rate"] == 0.5
    assert framing_counts(result) == {"label": (0, 1), "loaded": (0, 0), "scare_quotes": (0, 0),
                                      "sentiment": (0, 0)}  # fmt: skip


def test_the_judged_set_holds_offsets_and_labels_only() -> None:
    events = judged_events()
    assert len(events) >= 100
    for event in events:
        assert set(event) == {"event_id", "focus", "others", "agree", "key", "divergences"}


def _dev_event(event_id: str, outlets: list[str]) -> dict[str, Any]:
    articles = [
        {"article_id": f"{event_id}_{n}", "outlet": outlet, "text": "Text."}
        for n, outlet in enumerate(outlets)
    ]
    return {"event_id": event_id, "articles": articles}


def _dev_set(
    tmp_path: Path, dev: list[dict[str, Any]], read: list[tuple[str, str]]
) -> tuple[Path, Path]:
    """A data directory of `dev` events and a judged set that has read `read` (event, focus)."""
    import json

    data, judged = tmp_path / "data", tmp_path / "judged"
    data.mkdir(), judged.mkdir()
    (data / "events.dev.jsonl").write_text("".join(json.dumps(e) + "\n" for e in dev))
    (judged / "events.jsonl").write_text(
        "".join(
            json.dumps({"event_id": event, "focus": focus, "others": [], "agree": True,
                        "key": None, "divergences": []}) + "\n"
            for event, focus in read
        )
    )  # fmt: skip
    return data, judged


def test_drawn_events_are_unread_new_and_taken_in_turn_from_each_dataset(tmp_path: Path) -> None:
    dev = [
        _dev_event("basil:1", ["Fox", "NYT", "HPO"]),
        _dev_event("basil:2", ["Fox", "NYT"]),
        _dev_event("basil:3", ["Fox", "fox"]),
        _dev_event("pac:1", ["Left", "Right"]),
        _dev_event("pac:2", ["Left", "Right"]),
    ]
    data, judged = _dev_set(tmp_path, dev, [("basil:1", "basil:1_0")])
    assert draw_events(data, 2, seed=1, directory=judged) == 2
    drawn = judged_events(judged)[1:]
    assert sorted(e["event_id"].split(":")[0] for e in drawn) == ["basil", "pac"]
    assert "basil:3" not in {e["event_id"] for e in drawn}
    for event in drawn:
        assert (event["agree"], event["key"], event["divergences"]) == (False, None, [])
        assert event["focus"] not in event["others"]
        assert len(event["others"]) == 1
    assert draw_events(data, 5, seed=1, directory=judged) == 1
    assert len(judged_events(judged)) == 4


def test_a_refocused_draw_reads_a_read_event_from_an_outlet_not_yet_its_focus(
    tmp_path: Path,
) -> None:
    dev = [
        _dev_event("basil:1", ["Fox", "NYT", "HPO"]),
        _dev_event("basil:2", ["Fox", "NYT"]),
        _dev_event("pac:1", ["Left", "Right"]),
    ]
    read = [("basil:1", "basil:1_0"), ("basil:2", "basil:2_0"), ("basil:2", "basil:2_1")]
    data, judged = _dev_set(tmp_path, dev, read)
    assert draw_events(data, 5, seed=2, directory=judged, refocus=True) == 1
    drawn = judged_events(judged)[-1]
    assert drawn["event_id"] == "basil:1"
    assert drawn["focus"] in {"basil:1_1", "basil:1_2"}
    assert drawn["focus"] not in drawn["others"]
    assert "basil:1_0" in drawn["others"]
    assert draw_events(data, 5, seed=2, directory=judged, refocus=True) == 1
    assert draw_events(data, 5, seed=2, directory=judged, refocus=True) == 0
    assert [e["event_id"] for e in judged_events(judged)[3:]] == ["basil:1", "basil:1"]


def test_the_newest_events_are_answered_by_a_gate_fitted_without_any_reading_of_them() -> None:
    events = [{"event_id": e} for e in ["a", "b", "c", "b", "d"]]
    held, earlier = held_out(events, 2)
    assert [e["event_id"] for e in held] == ["b", "d"]
    assert earlier == {"a", "c"}
    with pytest.raises(ValueError, match="earlier"):
        held_out(events, 5)


def test_the_open_gate_passes_everything_with_the_shipped_confidence() -> None:
    shipped = OneSidedGate.load()
    gate = OpenGate(shipped)
    features = [0.0] * len(shipped.models["unique_claim"].coef)
    confidence = gate.confidence("unique_claim", features)
    assert confidence == shipped.confidence("unique_claim", features)
    assert gate.passes("unique_claim", 0.0)
    assert not shipped.passes("unique_claim", 0.0)


@pytest.mark.slow
@pytest.mark.data
def test_judged_precision_out_of_fold_and_the_shipped_calibration(
    shared_data: Path, embedder: Any
) -> None:
    found = rows(shared_data, embedder)
    result = judged_out_of_fold(shared_data, embedder, found, cover=shipped_cover(Settings()))
    for key, floor in FLOORS.items():
        assert result[key] >= floor, (key, result[key])
    assert result["judged.items_per_answer"] <= MAX_ITEMS_PER_ANSWER
    assert result["judged.missed_alignment_rate"] <= MAX_MISSED_ALIGNMENT
    # The confidences the engine ships come from the judged items of its current answers, as
    # this machine reads them (`_same_record`).
    for kind, record in judged_counts(result).items():
        assert _same_record(record, TYPE_JUDGED[kind]), (kind, record, TYPE_JUDGED[kind])
    for detector, record in framing_counts(result).items():
        assert _same_record(record, FRAMING_JUDGED[detector]), (detector, record)
    newest = judged_newest(shared_data, embedder, found, NEWEST, cover=shipped_cover(Settings()))
    assert newest["judged.events"] == NEWEST
    assert newest["judged.precision"] >= NEWEST_PRECISION_FLOOR, newest["judged.precision"]


@pytest.mark.slow
@pytest.mark.data
def test_the_shipped_gate_is_what_the_fit_command_writes(shared_data: Path, embedder: Any) -> None:
    found = rows(shared_data, embedder)
    refit = fit_on_rows(found)
    shipped = OneSidedGate.load()
    for kind in ONE_SIDED:
        pairs = zip(
            gated_features(refit, kind, found), gated_features(shipped, kind, found), strict=True
        )
        drift = np.mean(
            [abs(refit.confidence(kind, a) - shipped.confidence(kind, b)) for a, b in pairs]
        )
        assert drift <= MAX_GATE_DRIFT, (kind, drift)
