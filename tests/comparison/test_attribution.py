from __future__ import annotations

import pytest

from comparison.attribution import ATTRIBUTED, FACT, HEDGED, detect_attribution, stance
from comparison.model import PassageView


def passage(text: str, passage_id: int = 1) -> PassageView:
    return PassageView(passage_id, passage_id, 0, 0, len(text), text)


DIVERGENT = [
    (
        "The minister claimed the strike hit only military targets.",
        "The minister said the strike hit only military targets.",
    ),
    (
        "The convoy reportedly reached the border on Sunday.",
        "The convoy reached the border on Sunday.",
    ),
    (
        "The group allegedly staged the chemical attack.",
        "The group staged the chemical attack, the ministry said.",
    ),
    (
        "Police insisted the officers had acted lawfully.",
        "Police said the officers had acted lawfully.",
    ),
    (
        "The company purportedly hid the losses from investors.",
        "The company hid the losses from investors, regulators said.",
    ),
    (
        "The rebels appear to have withdrawn from the town.",
        "The rebels have withdrawn from the town.",
    ),
    (
        "The mayor alleged that the contract was rigged.",
        "The mayor said that the contract was rigged.",
    ),
    # A contested claim: who states an accusation matters even without a hedge.
    (
        "According to police, the suspect murdered two guards.",
        "The suspect murdered two guards.",
    ),
    (
        "The group has staged chemical attacks, the ministry said.",
        "The group has staged chemical attacks.",
    ),
    # The focus states as fact what the other hedges: a divergence seen from either side.
    (
        "The convoy reached the border on Sunday.",
        "The convoy reportedly reached the border on Sunday.",
    ),
]

SAME = [
    (
        "The minister said the strike hit military targets.",
        "The strike hit military targets, the minister said.",
    ),
    ("The convoy reached the border on Sunday.", "On Sunday the convoy reached the border."),
    ("The vote is scheduled for May 5.", "The vote is scheduled for the fifth of May."),
    ("Officials could not be reached for comment.", "Officials did not respond to requests."),
    (
        "He claimed the title in 2019, officials claimed.",
        "He allegedly won the title, they allege.",
    ),
    ("According to the report, 12 people died.", "Twelve people died, the report said."),
    ("The storm destroyed 40 homes.", "Forty homes were destroyed by the storm."),
    # Attributing an uncontested fact, or hedging a forecast with a modal, is no divergence.
    (
        "According to officials, the convoy reached the border on Sunday.",
        "The convoy reached the border on Sunday.",
    ),
    (
        "The vaccine may cut hospital admissions by half.",
        "The vaccine cuts hospital admissions by half.",
    ),
    (
        "Israel says about 800 people were to be evacuated.",
        "About 800 people were to be evacuated.",
    ),
    (
        "The bridge collapsed because of poor maintenance.",
        "The bridge collapsed, possibly because of poor maintenance.",
    ),
    # "Reportedly" beside a speech verb credits other reporting for the quote.
    (
        "\u201cI am not pro-gay marriage,\u201d Liz Cheney said in a statement.",
        "\u201cI am not pro-gay marriage,\u201d Liz Cheney reportedly said.",
    ),
    # A quotation is its speaker's, however the sentence around it is written.
    (
        "He added, \u201cThere are those who think we should pull out of the war.\u201d",
        "There are those who think we should pull out of the war.",
    ),
]


@pytest.mark.parametrize(("focus", "other"), DIVERGENT)
def test_fact_versus_attribution_is_reported(focus: str, other: str) -> None:
    finding = detect_attribution(passage(focus), passage(other, 2))
    assert finding is not None
    assert finding.type == "attribution"
    assert 0.5 <= finding.score <= 1.0
    cues = [*finding.evidence["focus_cues"], *finding.evidence["other_cues"]]
    assert cues
    assert finding.explanation.endswith(".")


@pytest.mark.parametrize(("focus", "other"), SAME)
def test_same_stance_is_not_a_divergence(focus: str, other: str) -> None:
    assert detect_attribution(passage(focus), passage(other, 2)) is None


def test_said_to_claimed_names_both_words_and_outlets() -> None:
    finding = detect_attribution(
        passage("The minister claimed the strike hit only military targets."),
        passage("The minister said the strike hit only military targets.", 2),
        focus_outlet="Outlet A",
        other_outlet="Outlet B",
    )
    assert finding is not None
    assert finding.evidence["focus_cues"] == ["claimed"]
    assert finding.evidence["other_cues"] == ["said"]
    assert "Outlet A" in finding.explanation
    assert "Outlet B" in finding.explanation
    assert "“claimed”" in finding.explanation


def test_stance_levels_and_sources() -> None:
    assert stance("The bridge is closed.").level == FACT
    held = stance("The bridge is closed, according to city officials.")
    assert held.level == ATTRIBUTED
    assert held.source == "city officials"
    assert stance("Mr. Smith said the bridge is closed.").source == "Mr. Smith"
    assert stance("The bridge was reportedly closed.").level == HEDGED


def test_fact_against_hedge_outranks_said_against_claimed() -> None:
    hedge = detect_attribution(passage("It reportedly closed."), passage("It closed.", 2))
    verb = detect_attribution(passage("He claimed it closed."), passage("He said it closed.", 2))
    assert hedge is not None
    assert verb is not None
    assert hedge.score > verb.score
