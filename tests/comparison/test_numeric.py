from __future__ import annotations

import pytest

from comparison.model import PassageView
from comparison.numeric import compare_quantities


def _passage(text: str, ident: int = 1, start: int = 100) -> PassageView:
    return PassageView(ident, ident, 0, start, start + len(text), text)


def _compare(focus: str, other: str) -> dict[str, str | list[str]] | None:
    finding = compare_quantities(_passage(focus, 1), _passage(other, 2, start=500))
    return None if finding is None else finding.evidence


def test_planned_versus_arrived_is_reconciled_not_a_divergence() -> None:
    focus = _passage("Jordan said 422 arrived in Jordan on Sunday.", 1)
    other = _passage(
        "Israel said about 800 White Helmets and their relatives were to be evacuated.", 2, 500
    )
    assert compare_quantities(focus, other) is None


def test_about_800_evacuated_against_422_arrived_is_shown_with_both_contexts() -> None:
    focus = _passage("Jordan said 422 people arrived in Jordan on Sunday.", 1)
    other = _passage("Israel said about 800 people were evacuated to Jordan on Sunday.", 2, 500)
    finding = compare_quantities(focus, other)
    assert finding is not None
    assert finding.type == "numeric"
    evidence = finding.evidence
    assert evidence["focus_value"] == "422"
    assert evidence["focus_context"] == "Jordan said 422 people arrived in Jordan on Sunday."
    assert evidence["other_value"] == "about 800"
    assert "were evacuated" in str(evidence["other_context"])
    start, end = int(str(evidence["focus_start"])), int(str(evidence["focus_end"]))
    assert focus.text[start - focus.start : end - focus.start] == "422"


def test_about_800_versus_800_is_not_a_divergence() -> None:
    assert _compare("About 800 people were evacuated.", "800 people were evacuated.") is None
    assert _compare("Nearly 800 people were evacuated.", "790 people were evacuated.") is None


def test_parts_that_add_up_are_consistent() -> None:
    assert (
        _compare(
            "The group of 422 people reached Jordan.",
            "They included 98 White Helmets members and 324 of their relatives.",
        )
        is None
    )
    assert (
        _compare(
            "They included 98 White Helmets members and 324 of their relatives.",
            "The group of 422 people reached Jordan.",
        )
        is None
    )


@pytest.mark.parametrize(
    ("focus", "other", "focus_value", "other_value"),
    [
        (
            "Safeway bought the chain for $1.8 billion in 1998.",
            "Safeway bought the chain for $2.5 billion in 1998.",
            "$1.8 billion",
            "$2.5 billion",
        ),
        (
            "The storm killed 12 people on Monday.",
            "The storm killed 15 people on Monday.",
            "12",
            "15",
        ),
        ("Turnout rose to 61 percent.", "Turnout rose to 67%.", "61 percent", "67%"),
        (
            "The crash happened on July 22, 2018.",
            "The crash happened on July 23.",
            "July 22, 2018",
            "July 23",
        ),
        (
            "He was jailed for three years.",
            "He was jailed for five years.",
            "three years",
            "five years",
        ),
        (
            "Four hundred and twenty-two people crossed.",
            "Five hundred people crossed.",
            "Four hundred and twenty-two",
            "Five hundred",
        ),
    ],
)
def test_differing_figures(focus: str, other: str, focus_value: str, other_value: str) -> None:
    evidence = _compare(focus, other)
    assert evidence is not None
    assert (evidence["focus_value"], evidence["other_value"]) == (focus_value, other_value)


@pytest.mark.parametrize(
    ("focus", "other"),
    [
        ("The storm killed 12 people on Monday.", "The storm killed twelve people on Monday."),
        ("Shares rose 5 percent.", "Shares rose 5.2%."),
        ("It cost $1.8 billion.", "It cost $1.75 billion."),
        ("He was sentenced to three years.", "He was sentenced to 36 months."),
        ("Hundreds of protesters gathered.", "About 400 protesters gathered."),
        ("The minister spoke on Monday.", "The minister spoke at length."),
        ("One of the men was arrested.", "Two suspects were questioned by police about a fire."),
    ],
)
def test_no_divergence(focus: str, other: str) -> None:
    assert _compare(focus, other) is None


def test_different_counted_things_lower_confidence() -> None:
    same = compare_quantities(
        _passage("Police arrested 40 protesters."), _passage("Police arrested 55 protesters.", 2)
    )
    different = compare_quantities(
        _passage("Police arrested 40 protesters."), _passage("Police arrested 55 journalists.", 2)
    )
    assert same is not None
    assert different is None or different.score < same.score


def test_a_figure_spaced_into_groups_by_the_extractor_is_one_figure() -> None:
    evidence = _compare(
        "McDermott now has 2, 029 points in 106 games as a Bluejay.",
        "McDermott ended the game with 2, 129 points.",
    )
    assert evidence is not None
    assert (evidence["focus_value"], evidence["other_value"]) == ("2, 029", "2, 129")


def test_parts_of_other_kinds_do_not_add_up_to_a_total() -> None:
    # 2,029 points and 106 games make no 2,135 of anything.
    evidence = _compare(
        "McDermott has 2,029 points in 106 games.", "McDermott finished with 2,129 points."
    )
    assert evidence is not None
    assert (evidence["focus_value"], evidence["other_value"]) == ("2,029", "2,129")


@pytest.mark.parametrize(
    ("focus", "other"),
    [
        (
            "Echenique scored all 11 of his points in the second half and blocked six shots.",
            "During the deciding 15-2 run, Echenique blocked two shots and scored 11 points.",
        ),
        (
            "McDermott finished with 23 points in the win.",
            "McDermott has 29 career points against Drake.",
        ),
    ],
)
def test_figures_counted_over_different_stretches_of_time_do_not_diverge(
    focus: str, other: str
) -> None:
    assert _compare(focus, other) is None


def test_a_calibre_is_not_a_count() -> None:
    assert (
        _compare(
            "The teen pointed a .38 caliber revolver at the officers.",
            "The teen pointed a .357 magnum revolver at the officers.",
        )
        is None
    )
