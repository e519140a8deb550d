from __future__ import annotations

from pathlib import Path

from comparison.tuning import RECORD, render

DOC = Path(__file__).resolve().parents[2] / "docs" / "tuning.md"


def test_the_tuning_page_is_generated_from_the_record() -> None:
    assert DOC.read_text(encoding="utf-8") == render(), (
        "docs/tuning.md is stale: regenerate it with `python -m comparison.tuning > docs/tuning.md`"
    )


def test_every_tuned_constant_exists_and_is_recorded_once() -> None:
    names = [(tuned.module, tuned.name) for tuned in RECORD]
    assert len(names) == len(set(names))
    for tuned in RECORD:
        assert tuned.value is not None
        assert tuned.command.startswith("python ")
        assert len(tuned.date) == 10
