from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace
from typing import Any

import numpy as np
import pytest

from compare.engine import article_claims
from compare.summary import summarize
from comparison.alignment import align_event
from comparison.divergences import compare_article
from comparison.model import ArticleView, Claim, ClaimMember, Divergence, PassageView
from evaluation.planted import PassageVectors, article_view
from tests.doubles import FixedGate

HOSTILE = (
    "Israel has evacuated hundreds of White Helmets terrorists and their families from southern "
    "Syria to Jordan. "
    "The evacuation was \u201crequested\u201d by the United States and European countries. "
    "Syria's Grand Mufti said the group had committed crimes against the Syrian people for years. "
    "Israel said about 800 people were to be evacuated overnight through the Golan Heights."
)
WIRE = (
    "Israel has evacuated hundreds of White Helmets volunteer rescuers and their families from "
    "southern Syria to Jordan. "
    "The United States and European countries requested the evacuation, the Israeli military "
    "said. "
    "The volunteers are credited with pulling thousands of civilians from the rubble of bombed "
    "buildings. "
    "Israel said about 800 people were to be evacuated overnight through the Golan Heights."
)
CHRONICLE = (
    "Hundreds of White Helmets volunteer rescuers and their relatives were evacuated from "
    "southern Syria to Jordan by Israel. "
    "The evacuation was requested by the United States and European countries, Israel's military "
    "said. "
    "The rescue workers are credited with pulling thousands of civilians out of the rubble of "
    "bombed buildings."
)


@pytest.fixture(scope="module")
def event(embedder: Any) -> tuple[ArticleView, ...]:
    vectors = PassageVectors(embedder)
    return (
        article_view(1, "Hostile Times", HOSTILE, vectors),
        article_view(2, "Wire Service", WIRE, vectors),
        article_view(3, "Daily Chronicle", CHRONICLE, vectors),
    )


def on(found: Sequence[Divergence], kind: str, phrase: str) -> Divergence:
    matches = [d for d in found if d.type == kind and d.passage and phrase in d.passage.text]
    assert matches, f"no {kind} divergence on a passage with {phrase!r}: {found}"
    return matches[0]


@pytest.mark.slow
def test_hostile_account_against_neutral_ones(event: tuple[ArticleView, ...]) -> None:
    hostile = event[0]
    graph = align_event(event)
    found = compare_article(hostile, event, graph)

    for divergence in found:
        assert 0.0 <= divergence.confidence <= 1.0
        assert divergence.explanation.endswith(".")
        if divergence.passage is not None:
            p = divergence.passage
            assert hostile.text[p.start : p.end] == p.text
        for member in divergence.counterparts:
            source = next(a for a in event if a.article_id == member.passage.article_id)
            assert source.text[member.passage.start : member.passage.end] == member.passage.text

    label = on(found, "framing", "terrorists")
    assert label.evidence["focus_terms"] == ["terrorists"]
    assert {m.outlet for m in label.counterparts} == {"Wire Service", "Daily Chronicle"}
    assert "Hostile Times" in label.explanation
    assert "terrorists" in label.explanation
    start = HOSTILE.index("Israel has evacuated")
    assert (label.passage.start, label.passage.end) == (  # type: ignore[union-attr]
        start,
        HOSTILE.index(" The evacuation"),
    )

    quotes = on(found, "framing", "\u201crequested\u201d")
    assert quotes.evidence["kind"] == "scare_quotes"
    # An uncontested fact attributed by one outlet and not the other is no divergence.
    assert not [d for d in found if d.type == "attribution"]

    # Whether an omission is shown is the learned gate's call, measured on judged real coverage
    # (it gives this hand-written rescue record 0.46, under the 0.5 omissions need); how one is
    # assembled from the outlets that carry it is checked with every candidate let through.
    omissions = [
        d for d in compare_article(hostile, event, graph, gate=FixedGate()) if d.type == "omission"
    ]
    assert omissions, "the rescue record both other outlets carry is omitted"
    top = omissions[0]
    assert top.passage is None
    assert top.evidence["support"] == "2"
    assert {m.outlet for m in top.counterparts} == {"Wire Service", "Daily Chronicle"}
    assert "rubble" in top.counterparts[0].passage.text
    assert "absent from Hostile Times" in top.explanation

    flagged = {d.passage.passage_id for d in found if d.passage is not None}
    shared = next(p for p in hostile.passages if p.text.startswith("Israel said about 800"))
    assert shared.passage_id not in flagged

    # The summary the service ships: both other outlets diverge somewhere, none only agrees.
    claims = article_claims(hostile, graph.claims_for(hostile.article_id), graph, event[1:])
    counts = summarize(hostile.outlet, claims, found)
    assert counts.counts["framing"] >= 2
    assert sum(counts.counts.values()) == len(found)
    assert set(counts.diverging_outlets) == {"Wire Service", "Daily Chronicle"}
    assert counts.agreeing_outlets == ()


@pytest.mark.slow
def test_neutral_account_sees_the_hostile_framing(event: tuple[ArticleView, ...]) -> None:
    wire = event[1]
    found = compare_article(wire, event, align_event(event))
    label = on(found, "framing", "volunteer rescuers")
    assert "terrorists" in label.evidence["other_terms"]
    assert [m.outlet for m in label.counterparts] == ["Hostile Times"]


# Hand-made vectors: tests of bookkeeping that do not depend on what the model thinks.


def _article(
    article_id: int, outlet: str, texts: Sequence[str], rows: Sequence[int], **extra: Any
) -> ArticleView:
    passages, start, parts = [], 0, []
    for index, text in enumerate(texts):
        passages.append(
            PassageView(article_id * 100 + index, article_id, index, start, start + len(text), text)
        )
        parts.append(text)
        start += len(text) + 1
    vectors = np.zeros((len(texts), 8), dtype=np.float32)
    for i, row in enumerate(rows):
        vectors[i, row] = 1.0
    return ArticleView(
        article_id,
        outlet,
        f"https://{outlet}.example/{article_id}",
        "",
        " ".join(parts),
        None,
        tuple(passages),
        vectors,
        **extra,
    )


def _claims(*groups: Sequence[tuple[ArticleView, int]]) -> list[Claim]:
    return [
        Claim(i, tuple(ClaimMember(a.passages[j], a.outlet, 0.9) for a, j in group))
        for i, group in enumerate(groups)
    ]


FACTS = [
    "The bridge over the river was closed on Monday morning.",
    "Engineers found cracks in two of the main supports.",
    "The city council will vote next week on repairs estimated at 4 million dollars.",
]


def test_wire_copies_count_once_in_omission_support() -> None:
    focus = _article(1, "focus", FACTS[:2], [0, 1])
    wire_a = _article(2, "wire-a", FACTS, [0, 1, 2], report_id=7)
    wire_b = _article(3, "wire-b", FACTS, [0, 1, 2], report_id=7)
    own = _article(4, "own", FACTS, [0, 1, 2])
    claims = _claims(
        [(focus, 0), (wire_a, 0), (wire_b, 0), (own, 0)],
        [(focus, 1), (wire_a, 1), (wire_b, 1), (own, 1)],
        [(wire_a, 2), (wire_b, 2), (own, 2)],
    )
    found = compare_article(focus, [focus, wire_a, wire_b, own], claims, gate=FixedGate())
    assert [d.type for d in found] == ["omission"]
    assert found[0].evidence["support"] == "2"
    assert len(found[0].counterparts) == 2


def test_verbatim_copies_never_diverge() -> None:
    focus = _article(1, "focus", FACTS, [0, 1, 2])
    other = _article(2, "other", FACTS, [0, 1, 2])
    claims = _claims(*[[(focus, i), (other, i)] for i in range(3)])
    assert compare_article(focus, [focus, other], claims) == []


def test_same_outlet_and_same_report_are_not_compared() -> None:
    focus = _article(1, "desk", FACTS[:1], [0], report_id=3)
    same_outlet = _article(2, "desk", FACTS, [0, 1, 2])
    same_report = _article(3, "syndicate", FACTS, [0, 1, 2], report_id=3)
    assert compare_article(focus, [focus, same_outlet, same_report], []) == []


def test_a_unique_claim_has_the_gates_confidence_and_needs_its_threshold() -> None:
    focus = _article(
        1,
        "focus",
        [*FACTS[:2], "The mayor blamed the previous administration for 12 years of neglect."],
        [0, 1, 3],
    )
    other = _article(2, "other", FACTS[:2], [0, 1])
    claims = _claims([(focus, 0), (other, 0)], [(focus, 1), (other, 1)])
    found = compare_article(focus, [focus, other], claims, gate=FixedGate(0.42))
    unique = [d for d in found if d.type == "unique_claim"]
    assert len(unique) == 1
    assert unique[0].passage == focus.passages[2]
    assert unique[0].confidence == 0.42
    assert unique[0].importance > 0
    assert unique[0].evidence["best_similarity"] == "0.00"
    below = compare_article(focus, [focus, other], claims, gate=FixedGate(0.42, threshold=0.5))
    assert [d for d in below if d.type == "unique_claim"] == []


def test_pairwise_findings_merge_per_passage_and_type() -> None:
    focus = _article(1, "focus", ["The regime closed the bridge on Monday."], [0])
    a = _article(2, "a", ["The government closed the bridge on Monday."], [0])
    b = _article(3, "b", ["The government shut the bridge on Monday."], [0])
    claims = _claims([(focus, 0), (a, 0), (b, 0)])
    found = compare_article(focus, [focus, a, b], claims)
    assert [d.type for d in found] == ["framing"]
    assert {m.outlet for m in found[0].counterparts} == {"a", "b"}
    assert found[0].explanation.startswith("focus says “regime” where a and b say")


def test_posting_stamps_are_not_numeric_divergences() -> None:
    focus = _article(1, "focus", ["Posted on December 23, 2012, 4:42 PM EDT"], [0])
    other = _article(2, "other", ["Posted on December 23, 2012, 6:11 PM EDT"], [0])
    assert compare_article(focus, [focus, other], _claims([(focus, 0), (other, 0)])) == []
    focus = _article(1, "focus", ["The council said 42 people were evacuated by Monday."], [0])
    other = _article(2, "other", ["The council said 58 people were evacuated by Monday."], [0])
    found = compare_article(focus, [focus, other], _claims([(focus, 0), (other, 0)]))
    assert [d.type for d in found] == ["numeric"]


def test_a_passage_cut_off_by_an_ellipsis_is_not_compared() -> None:
    # What a cut-off figure counts ("with $1 trillion in...") is in the part that is missing.
    plan = "The president announced the plan on Wednesday, a $1.8 trillion proposal for families."
    for cut in ("Officials insist that the plan, with $1 trillion in...", "The regime closed it…"):
        focus = _article(1, "focus", [cut], [0])
        other = _article(2, "other", [plan], [0])
        assert compare_article(focus, [focus, other], _claims([(focus, 0), (other, 0)])) == []
    whole = "Officials insist that the plan, a $1 trillion proposal, was announced on Wednesday."
    focus = _article(1, "focus", [whole], [0])
    other = _article(2, "other", [plan], [0])
    found = compare_article(focus, [focus, other], _claims([(focus, 0), (other, 0)]))
    assert [d.type for d in found] == ["numeric"]


def test_captions_subheads_and_claims_without_substance_are_never_unique() -> None:
    texts = [
        *FACTS[:2],
        "Photo: the bridge at dawn",
        "What happens next?",
        "Linda Marsh, the council's chair, was also in the audience that morning.",
        "The bridge, Mayor Ruth Okafor said, had been \u201ca danger to every driver.\u201d",
    ]
    focus = _article(1, "focus", texts, [0, 1, 3, 4, 5, 6])
    other = _article(2, "other", FACTS[:2], [0, 1])
    claims = _claims([(focus, 0), (other, 0)], [(focus, 1), (other, 1)])
    found = compare_article(focus, [focus, other], claims, gate=FixedGate())
    assert [d.passage.text for d in found if d.passage] == [texts[-1]]


def test_a_claim_split_across_two_sentences_elsewhere_is_not_unique() -> None:
    focus = _article(
        1, "focus", [*FACTS[:2], "Inspectors counted 14 cracks and closed 3 lanes."], [0, 1, 3]
    )
    split = ["Inspectors counted 14 cracks.", "They closed 3 lanes."]
    other = _article(2, "other", [*FACTS[:2], *split], [0, 1, 4, 5])
    claims = _claims([(focus, 0), (other, 0)], [(focus, 1), (other, 1)])
    assert [d.type for d in compare_article(focus, [focus, other], claims)] == []


def test_a_negated_nearest_passage_outside_the_claim_is_a_contradiction() -> None:
    focus = _article(1, "focus", ["Soldiers crossed the border to escort the convoy."], [0])
    other = _article(2, "other", ["The army said its soldiers did not cross the border."], [0])
    unrelated = _article(3, "third", ["The army did not comment on the weather."], [1])
    # No claim joins them (the alignment kept them apart), yet each is the other's nearest.
    found = compare_article(focus, [focus, other, unrelated], [])
    contradictions = [d for d in found if d.type == "contradiction"]
    assert len(contradictions) == 1
    assert [m.outlet for m in contradictions[0].counterparts] == ["other"]
    assert contradictions[0].evidence["rule"] == "negation"
    assert contradictions[0].explanation.startswith("other negates what focus states")
    without = compare_article(focus, [focus, other], [], nearest_detectors=())
    assert all(d.type != "contradiction" for d in without)


@pytest.mark.slow
def test_the_rules_leave_only_the_grand_muftis_voice_to_the_gate(
    event: tuple[ArticleView, ...],
) -> None:
    # Whether it is shown is the learned gate's call (0.32 from the gate fitted on 177 judged
    # events, under the 0.35 a unique claim needs); the rules before it must keep it a candidate
    # and drop every passage the other outlets state.
    hostile = event[0]
    found = compare_article(hostile, event, align_event(event), gate=FixedGate())
    [mufti] = [d for d in found if d.type == "unique_claim"]
    assert mufti.passage is not None
    assert "Grand Mufti" in mufti.passage.text
    assert mufti.counterparts == ()
    assert "Only Hostile Times" in mufti.explanation


def test_a_reprint_sharing_the_original_passages_is_not_compared() -> None:
    original = _article(1, "wire", FACTS, [0, 1, 2], report_id=5)
    reprint = replace(
        _article(2, "gazette", FACTS, [0, 1, 2], report_id=5, wire_copy_of=1),
        passages=tuple(replace(p, article_id=2) for p in original.passages),
    )
    # Its report id equals the original's article id: the two id spaces must not mix.
    independent = _article(
        3, "courier", [*FACTS[:2], "Traffic was diverted."], [0, 1, 4], report_id=1
    )
    claims = _claims(
        [(original, 0), (reprint, 0), (independent, 0)],
        [(original, 1), (reprint, 1), (independent, 1)],
    )
    for focus in (original, reprint):
        found = compare_article(focus, [original, reprint, independent], claims, gate=FixedGate())
        assert {m.passage.article_id for d in found for m in d.counterparts} <= {3}
        [unique] = [d for d in found if d.type == "unique_claim"]  # the courier lacks FACTS[2]
        assert unique.passage == focus.passages[2]
