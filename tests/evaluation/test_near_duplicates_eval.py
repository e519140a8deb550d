from __future__ import annotations

import json
from pathlib import Path

import pytest

from evaluation.near_duplicates import Distances, edited_copies, main, measure, table

STORY = "\n\n".join(
    f"Paragraph {i}: the regional council met again on Thursday to discuss the new bus routes, "
    f"and member number {i} argued that the timetable should change before winter."
    for i in range(6)
)
OTHER = "\n\n".join(
    f"Riders in district {i} told us the new buses were late on most mornings this week, and "
    f"several said they would go back to driving if nothing improved soon."
    for i in range(6)
)


def test_edited_copies_keep_the_story() -> None:
    copies = edited_copies(STORY)
    assert len(copies) == 5
    assert all(STORY.split("\n\n")[0] in c for c in copies)


def test_table_shares() -> None:
    rows = table(Distances(edited=(1, 3, 9), distinct=(8, 20), copies=(2,)), thresholds=[3, 8])
    assert [(r.threshold, r.distinct_flagged_count) for r in rows] == [(3, 0), (8, 1)]
    assert [r.edited_recall for r in rows] == pytest.approx([2 / 3, 2 / 3])


def test_measure_and_main(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    event = {
        "source_dataset": "TOY",
        "articles": [{"text": STORY}, {"text": OTHER}, {"text": "too short"}],
    }
    path = tmp_path / "events.dev.jsonl"
    path.write_text(json.dumps(event) + "\n", encoding="utf-8")
    distances = measure(path)
    assert len(distances.edited) == 2
    assert len(distances.distinct) == 1
    assert main(["--data", str(tmp_path), "--json"]) == 0
    assert json.loads(capsys.readouterr().out)[0]["threshold"] == 2
    assert main(["--data", str(tmp_path / "missing")]) == 2
