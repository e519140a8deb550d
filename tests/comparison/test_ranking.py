from __future__ import annotations

from dataclasses import replace

import pytest

from comparison import ranking
from comparison.model import ClaimMember, Divergence, DivergenceType, PassageView
from comparison.ranking import (
    FRAMING_JUDGED,
    TYPE_JUDGED,
    calibrated,
    judged_of,
    key_differences,
)


def _passage(passage_id: int, article_id: int, text: str) -> PassageView:
    return PassageView(passage_id, article_id, 0, 0, len(text), text)


def _omission(
    passage_id: int, support: int, of_outlets: int, confidence: float = 0.7
) -> Divergence:
    members = tuple(
        ClaimMember(
            _passage(passage_id * 10 + n, n + 2, "Rescuers said 40 people died."), f"O{n}", 0.2
        )
        for n in range(support)
    )
    return Divergence(
        type="omission",
        confidence=confidence,
        passage=None,
        counterparts=members,
        evidence={"support": str(support), "of_outlets": str(of_outlets)},
        importance=0.5,
    )


@pytest.fixture
def omissions_may_lead(monkeypatch: pytest.MonkeyPatch) -> None:
    """Omissions on a judged record plausibly right often enough, so that the support rules are
    tested whatever the shipped record says."""
    monkeypatch.setitem(ranking.TYPE_JUDGED, "omission", (60, 100))


@pytest.mark.usefixtures("omissions_may_lead")
def test_an_omission_of_coverage_leads_only_on_the_gates_confidence() -> None:
    bar = ranking.LEAD_CONFIDENCE["omission"]
    assert key_differences([_omission(1, support=2, of_outlets=2, confidence=bar - 0.01)]) == []
    assert key_differences([_omission(1, support=2, of_outlets=2, confidence=bar)])


def test_omissions_lead_only_while_their_judged_record_allows(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setitem(ranking.TYPE_JUDGED, "omission", (30, 100))
    assert key_differences([_omission(1, support=2, of_outlets=2)]) == []
    monkeypatch.setitem(ranking.TYPE_JUDGED, "omission", (60, 100))
    assert key_differences([_omission(1, support=2, of_outlets=2)])


@pytest.mark.usefixtures("omissions_may_lead")
def test_an_omission_one_of_several_outlets_carries_does_not_lead() -> None:
    assert key_differences([_omission(1, support=1, of_outlets=3)]) == []
    assert key_differences([_omission(1, support=2, of_outlets=3)])


@pytest.mark.usefixtures("omissions_may_lead")
def test_an_omission_the_only_other_outlet_carries_may_lead() -> None:
    assert key_differences([_omission(1, support=1, of_outlets=1)])


def test_an_omission_found_by_a_reprint_diff_leads_only_with_more_support() -> None:
    edit = _omission(1, support=1, of_outlets=1)
    edit = replace(edit, evidence={"edit": "sentence_removed", "support": "1"}, confidence=0.9)
    assert key_differences([edit]) == []
    widely = replace(edit, evidence={"edit": "sentence_removed", "support": "2"})
    assert key_differences([widely]) == [widely]


def _stated(
    kind: DivergenceType, passage_id: int, text: str, confidence: float = 0.9
) -> Divergence:
    return Divergence(
        type=kind,
        confidence=confidence,
        passage=_passage(passage_id, 1, text),
        counterparts=(),
        importance=1.0,
    )


def test_a_kind_judged_mostly_wrong_never_leads() -> None:
    attribution = _stated("attribution", 2, "The strike killed 12 people.")
    assert key_differences([attribution]) == []


def test_a_unique_claim_leads_only_on_its_own_calibrated_chance() -> None:
    likely = _stated("unique_claim", 1, "The minister resigned on Friday.", confidence=0.45)
    doubtful = _stated("unique_claim", 2, "The minister was born in 1960.", confidence=0.36)
    assert key_differences([likely, doubtful]) == [likely]


@pytest.mark.usefixtures("omissions_may_lead")
def test_a_leading_omission_names_its_outlets_with_the_right_verb() -> None:
    [one] = key_differences([_omission(1, support=1, of_outlets=1)], focus_outlet="Focus")
    [two] = key_differences([_omission(2, support=2, of_outlets=2)], focus_outlet="Focus")
    assert one.explanation.startswith("O0 reports “Rescuers said 40 people died.”")
    assert two.explanation.startswith("O0 and O1 report “")


@pytest.mark.usefixtures("omissions_may_lead")
def test_where_the_accounts_agree_only_a_reprints_edit_leads() -> None:
    framing = replace(
        _stated("framing", 3, "The “rescuers” left the city.", confidence=0.95),
        evidence={"kind": "scare_quotes"},
    )
    edit = replace(framing, evidence={"edit": "wording"})
    omission = _omission(1, support=2, of_outlets=2)
    assert key_differences([omission, framing], agreeing=True) == []
    assert key_differences([omission, edit], agreeing=True) == [edit]
    assert len(key_differences([omission, framing])) == 2


def test_each_framing_detector_leads_on_its_own_judged_record() -> None:
    scare_quotes = replace(
        _stated("framing", 4, "The “rescuers” left at dawn."), evidence={"kind": "scare_quotes"}
    )
    lexicon_word = replace(
        _stated("framing", 5, "The so-called rescuers left at dawn."), evidence={"kind": "loaded"}
    )
    assert judged_of("framing", scare_quotes.evidence) == FRAMING_JUDGED["scare_quotes"]
    assert calibrated("framing", lexicon_word.evidence) < calibrated(
        "framing", scare_quotes.evidence
    )
    assert key_differences([scare_quotes]) == [scare_quotes]
    assert key_differences([lexicon_word]) == []


def test_a_framing_detector_not_judged_yet_counts_as_framing() -> None:
    assert judged_of("framing", {"kind": "sentiment"}) == TYPE_JUDGED["framing"]
    assert judged_of("framing", {}) == TYPE_JUDGED["framing"]


def test_at_most_three_of_a_kind_lead() -> None:
    claims = [
        _stated("unique_claim", n, f"The minister resigned on day {n}.", confidence=0.5 + n / 100)
        for n in range(1, 6)
    ]
    keys = key_differences(claims)
    assert len(keys) == ranking.MAX_PER_TYPE == 3
    assert all(k.type == "unique_claim" for k in keys)


def test_a_word_framed_in_several_passages_leads_once() -> None:
    def quoted(passage_id: int, word: str) -> Divergence:
        return replace(
            _stated("framing", passage_id, f"The “{word}” left at dawn."),
            evidence={"kind": "scare_quotes", "focus_terms": [f"“{word}”"]},
        )

    first, again, other = quoted(1, "rescuers"), quoted(2, "Rescuers"), quoted(3, "evacuated")
    assert key_differences([first, again, other]) == [first, other]
