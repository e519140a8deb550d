from __future__ import annotations

from comparison.model import Divergence, PassageView
from evaluation.judged import Findings
from evaluation.rule_replay import replay


def _claim(passage_id: int, start: int, confidence: float) -> Divergence:
    text = "The minister resigned."
    return Divergence(
        type="unique_claim",
        confidence=confidence,
        passage=PassageView(passage_id, 1, passage_id, start, start + 10, text),
        counterparts=(),
        importance=1.0,
    )


def _event(event_id: str, agree: bool, key: list[int] | None) -> dict[str, object]:
    lead = {"type": "unique_claim", "focus": key, "other": None} if key else None
    return {"event_id": event_id, "focus": "a", "agree": agree, "key": lead, "divergences": []}


def _judged(event_id: str, start: int, label: str) -> dict[str, object]:
    return {"event_id": event_id, "focus": "a", "type": "unique_claim",
            "focus_span": [start, start + 10], "other_spans": [], "label": label}  # fmt: skip


def test_each_rule_answers_the_same_findings_its_own_way() -> None:
    # Three claims of one kind, the editors' key the third; and an event whose accounts agree,
    # where the focus states 0.3 of the others' account and differs from them once.
    differing = Findings(
        "e1", "a", (_claim(1, 0, 0.6), _claim(2, 20, 0.6), _claim(3, 40, 0.6)), 0.3, {1: "a"}
    )
    agreeing = Findings("e2", "a", (_claim(4, 0, 0.6),), 0.3, {1: "a"})
    events = [_event("e1", False, [40, 50]), _event("e2", True, None)]
    items = [_judged("e1", start, "correct") for start in (0, 20, 40)]
    items.append(_judged("e2", 0, "trivial"))

    result = replay([differing, agreeing], events, items)

    assert result["shipped.judged.key_found"] == 1.0
    assert result["shipped.judged.empty_when_agreeing"] == 1.0
    assert result["shipped.judged.key_differences_per_answer"] == 1.5
    assert result["agreement_by_share_only.judged.key_found"] == 1.0
    assert result["agreement_by_share_only.judged.empty_when_agreeing"] == 0.0
    assert result["agreement_by_share_only.judged.key_precision"] == 0.75
    assert result["two_key_differences_of_a_kind.judged.key_found"] == 0.0
    assert result["two_key_differences_of_a_kind.judged.key_differences_per_answer"] == 1.0
