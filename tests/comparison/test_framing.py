from __future__ import annotations

import pytest

from comparison.framing import detect_framing, event_framing, event_usage, loaded_terms
from comparison.model import PassageView


def passage(text: str, passage_id: int = 1) -> PassageView:
    return PassageView(passage_id, passage_id, 0, 0, len(text), text)


DIVERGENT = [
    (
        "Israel evacuated 800 terrorists of the White Helmets group to Jordan.",
        "Israel evacuated 800 volunteer rescuers of the White Helmets group to Jordan.",
        "label",
    ),
    (
        "Israel \u201cevacuated\u201d the group's members to Jordan.",
        "Israel evacuated the group's members to Jordan.",
        "scare_quotes",
    ),
    (
        "The senator slammed the plan on Tuesday.",
        "The senator criticised the plan on Tuesday.",
        "label",
    ),
    ("The regime bombed the town overnight.", "The government bombed the town overnight.", "label"),
    (
        "Rioters filled the square after the verdict.",
        "Protesters filled the square after the verdict.",
        "label",
    ),
    (
        "The invasion entered its third week.",
        "The military operation entered its third week.",
        "label",
    ),
    (
        "The governor unveiled a phony budget plan.",
        "The governor unveiled a budget plan.",
        "loaded",
    ),
    ("The mayor's so-called reform passed.", "The mayor's reform passed.", "loaded"),
    (
        "She was lambasted by colleagues for the vote.",
        "She was criticized by colleagues for the vote.",
        "label",
    ),
    (
        'The minister\'s "rescuers" crossed the border.',
        "The rescuers crossed the border.",
        "scare_quotes",
    ),
    # The loaded word is on the other side: the focus passage still diverges in framing.
    (
        "Volunteers pulled children from the rubble.",
        "Jihadists pulled children from the rubble.",
        "label",
    ),
]

SAME = [
    ("The senator criticised the plan on Tuesday.", "On Tuesday the senator criticised the plan."),
    (
        "Israel evacuated 800 people to Jordan.",
        "About 800 people were evacuated to Jordan by Israel.",
    ),
    ("Twelve people were killed in the attack.", "The attack killed 12 people."),
    ("The government announced new measures.", "The government announced new measures today."),
    ("He said \u201cwe will win\u201d at the rally.", "He told the rally \u201cwe will win\u201d."),
    ("The protest drew thousands of people.", "Thousands of people joined the protest."),
    (
        "Police arrested three suspects after the shooting.",
        "Three suspects were arrested by police after the shooting.",
    ),
    ("The slammed door woke the neighbours.", "The slammed door woke the neighbours."),
    # Mild and sentiment words are not framing on their own.
    ("The senator angrily rejected the bill.", "The senator rejected the bill."),
    ("Steele drew fierce criticism on Friday.", "Steele drew criticism on Friday."),
    # Quoted words are the speaker's, and capitalised words are names.
    (
        "\u201cThey are terrorists and thugs who stage attacks,\u201d the minister said.",
        "The minister called the volunteers a danger.",
    ),
    (
        "He spoke for the entire United States on Friday.",
        "He spoke for the country on Friday.",
    ),
    (
        "Senor told reporters the comments were \u201cutterly irresponsible.\u201d",
        "Senor said the comments were irresponsible.",
    ),
]


@pytest.mark.parametrize(("focus", "other", "kind"), DIVERGENT)
def test_loaded_wording_is_reported(focus: str, other: str, kind: str) -> None:
    finding = detect_framing(passage(focus), passage(other, 2))
    assert finding is not None
    assert finding.type == "framing"
    assert finding.evidence["kind"] == kind
    assert 0.5 <= finding.score <= 1.0
    assert finding.evidence["focus_terms"] or finding.evidence["other_terms"]


@pytest.mark.parametrize(("focus", "other"), SAME)
def test_same_wording_is_not_framing(focus: str, other: str) -> None:
    assert detect_framing(passage(focus), passage(other, 2)) is None


def test_terrorists_versus_rescuers_explanation_names_words_and_outlets() -> None:
    finding = detect_framing(
        passage("The terrorists were taken to Jordan."),
        passage("The volunteer rescuers were taken to Jordan.", 2),
        focus_outlet="Outlet A",
        other_outlet="Outlet B",
    )
    assert finding is not None
    assert finding.evidence["focus_terms"] == ["terrorists"]
    assert finding.evidence["other_terms"] == ["volunteer rescuers"]
    assert finding.explanation.startswith("Outlet A says “terrorists” where Outlet B says")


def test_loaded_terms_have_exact_offsets() -> None:
    text = (
        "Steele drew fierce criticism for a phony \u201ccover-up\u201d, "
        "slamming the so-called plan."
    )
    terms = loaded_terms(text)
    for term in terms:
        assert text[term.start : term.end] == term.term
    found = {term.term: term.kind for term in terms}
    assert found["fierce"] == "loaded"
    assert found["phony"] == "loaded"
    assert found["\u201ccover-up\u201d"] == "scare_quotes"
    assert found["slamming"] == "loaded"
    assert found["so-called"] == "loaded"
    assert "criticism" not in found


def _scare_quoted(text: str) -> list[str]:
    return [term.term for term in loaded_terms(text) if term.kind == "scare_quotes"]


@pytest.mark.parametrize(
    "text",
    [
        "His condition was upgraded from \u201ccritical\u201d to \u201cserious\u201d on Thursday.",
        'Checks with "limited" exemptions for "certain transfers" among family members.',
        "Both senators have \u201cA\u201d ratings from the National Rifle Association.",
        'Progressive members threatened a "no" vote on the bill.',
    ],
)
def test_quoted_wording_and_grades_are_not_scare_quotes(text: str) -> None:
    assert _scare_quoted(text) == []


def test_a_so_called_phrase_is_scare_quoted_beside_other_quotes() -> None:
    text = 'Their so-called "rescuers" were filmed with "armed" men.'
    assert _scare_quoted(text) == ['"rescuers"']


def test_plain_news_vocabulary_is_not_loaded() -> None:
    text = "Police said 12 people were killed and 40 injured in the attack on Tuesday."
    assert loaded_terms(text) == ()


def test_event_framing_needs_a_plain_counterpart_in_the_event() -> None:
    focus = passage("The terrorists were driven across the border in buses overnight.")
    plain = event_usage(("The volunteers were taken to Halvira.", "Rescuers reached safety."))
    finding = event_framing(focus, plain, focus_outlet="Outlet A")
    assert finding is not None
    assert finding.evidence["focus_terms"] == ["terrorists"]
    assert "volunteers" in finding.evidence["other_terms"]
    assert finding.explanation.startswith("Outlet A says “terrorists”")
    assert event_framing(focus, event_usage(("The buses left at dawn.",))) is None
    assert (
        event_framing(focus, event_usage(("Officials called them terrorists, not rescuers.",)))
        is None
    )


def test_a_loaded_word_beside_the_plain_name_names_someone_else() -> None:
    focus = passage("The rescuers were filmed alongside armed militants in the south.")
    assert event_framing(focus, event_usage(("The rescuers had been trapped.",))) is None


def test_event_framing_reads_scare_quotes_against_plain_use() -> None:
    focus = passage('Some 800 of these "rescuers" were planned to be taken out.')
    finding = event_framing(focus, event_usage(("The rescuers had been trapped.",)))
    assert finding is not None
    assert finding.evidence["kind"] == "scare_quotes"
    quoted = passage('The deal was a "disaster", the senator said, calling it a "disaster".')
    assert event_framing(quoted, event_usage(("The disaster unfolded.",))) is None


def test_a_loaded_word_alone_is_not_event_framing() -> None:
    focus = passage("The regime's phony henchmen staged the whole thing.")
    assert event_framing(focus, event_usage(("Officials said the event was staged.",))) is None
