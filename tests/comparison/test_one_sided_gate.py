"""The learned gate of one-sided items: its features, its model file, its threshold."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import numpy as np
import pytest

from comparison.calibration import SameEventModel
from comparison.model import ArticleView, ClaimMember, PassageView
from comparison.one_sided import omissions
from comparison.one_sided_features import FEATURE_NAMES, Cover, candidates, same_fact
from comparison.one_sided_model import ONE_SIDED, THRESHOLDS, OneSidedGate
from comparison.voice import article_voices


def _article(
    article_id: int, outlet: str, texts: list[str], vectors: list[list[float]]
) -> ArticleView:
    passages, start = [], 0
    for index, text in enumerate(texts):
        passages.append(
            PassageView(article_id * 100 + index, article_id, index, start, start + len(text), text)
        )
        start += len(text) + 1
    rows = np.asarray(vectors, dtype=np.float32)
    rows /= np.linalg.norm(rows, axis=1, keepdims=True)
    return ArticleView(
        article_id, outlet, f"https://{outlet}.example/{article_id}", "", " ".join(texts), None,
        tuple(passages), rows,
    )  # fmt: skip


SPLIT_CLAIM = "Inspectors counted 14 cracks in the supports and closed three lanes of the bridge."


def test_a_claim_split_over_two_passages_scores_high_on_the_window_feature() -> None:
    focus = _article(1, "focus", [SPLIT_CLAIM], [[1, 1, 0, 0]])
    other = _article(
        2,
        "other",
        ["Inspectors counted 14 cracks in the supports.", "They closed three lanes of the bridge."],
        [[1, 0, 0, 0], [0, 1, 0, 0]],
    )
    voices = {**article_voices(focus), **article_voices(other)}
    (candidate,) = candidates([focus], [other], voices, {1: 1, 2: 2})
    assert candidate.best_cosine == pytest.approx(np.sqrt(0.5), abs=1e-4)
    assert candidate.feature("window_cosine") == pytest.approx(1.0, abs=1e-4)
    assert candidate.feature("lexical_cover") >= 0.8
    assert candidate.nearest in {200, 201}


def test_support_counts_independent_outlets_once() -> None:
    focus = _article(
        1, "focus", ["Unrelated text about the weather in the city today."], [[0, 0, 1, 0]]
    )
    claim = "The mayor said the repairs would cost 4 million dollars next year."
    wire = _article(2, "wire", [claim], [[1, 0, 0, 0]])
    copy = _article(3, "copy", [claim], [[1, 0, 0, 0]])
    other = _article(4, "other", [claim], [[0.9, 0.1, 0, 0]])
    voices = {k: v for a in (focus, wire, copy, other) for k, v in article_voices(a).items()}
    groups = {1: 1, 2: 2, 3: 2, 4: 4}
    found = {
        c.passage.article_id: c for c in candidates([wire, copy, other], [focus], voices, groups)
    }
    assert found[2].feature("support") == 2.0
    assert {p.article_id for p, _ in found[2].supporters} == {4}
    assert found[2].feature("support_share") == 1.0


def test_an_outlet_supports_a_claim_with_its_closest_passage() -> None:
    focus = _article(
        1, "focus", ["Unrelated text about the weather in the city today."], [[0, 0, 1, 0]]
    )
    claim = "The mayor said the repairs would cost 4 million dollars next year."
    wire = _article(2, "wire", [claim], [[1, 0, 0, 0]])
    other = _article(
        3,
        "other",
        [
            "The repairs will cost the city 4 million dollars, the mayor said on Monday.",
            "The mayor also said the bridge would reopen before the summer holidays.",
        ],
        [[1, 0.1, 0, 0], [1, 0.8, 0, 0]],
    )
    voices = {k: v for a in (focus, wire, other) for k, v in article_voices(a).items()}
    found = {
        c.passage.passage_id: c
        for c in candidates([wire, other], [focus], voices, {1: 1, 2: 2, 3: 3})
    }
    assert [p.passage_id for p, _ in found[200].supporters] == [300]


class _FavoursFewSupporters:
    """A gate sure of what few outlets carry: ordering must still put support first."""

    def confidence(self, kind: str, features: Sequence[float]) -> float:
        return 0.9 if features[FEATURE_NAMES.index("support_share")] < 1 else 0.5

    def passes(self, kind: str, confidence: float) -> bool:
        return True

    def prior(self, kind: str) -> None:
        return None


def test_omissions_that_more_independent_outlets_carry_come_first() -> None:
    focus = _article(
        1, "focus", ["Unrelated text about the weather in the city today."], [[0, 0, 0, 1]]
    )
    widely = "The mayor said the repairs would cost 4 million dollars next year."
    twice = "The council voted 7 to 2 on Monday to close the bridge to lorries."
    others = [
        _article(2, "two", [twice, widely], [[0, 1, 0, 0], [1, 0, 0, 0]]),
        _article(3, "three", [twice, widely], [[0, 1, 0, 0], [1, 0, 0, 0]]),
        _article(4, "four", [twice, widely], [[0, 1, 0, 0], [1, 0, 0, 0]]),
        _article(5, "five", ["Rain is due.", widely], [[0, 0, 1, 0], [1, 0, 0, 0]]),
    ]  # fmt: skip
    voices = {k: v for a in (focus, *others) for k, v in article_voices(a).items()}
    groups = {1: 1, 2: 2, 3: 3, 4: 4, 5: 5}
    claims = [
        [ClaimMember(a.passages[index], a.outlet, 1.0) for a in chosen]
        for index, chosen in ((0, others[:3]), (1, others))
    ]
    found = omissions(focus, others, voices, groups, claims, _FavoursFewSupporters())
    assert [d.evidence["support"] for d in found] == ["4", "3"]
    assert found[0].confidence < found[1].confidence
    # With one outlet fewer, the council vote is carried by two of three: that outlet's detail.
    found = omissions(
        focus, others[1:], voices, groups, [c[1:] for c in claims], _FavoursFewSupporters()
    )
    assert [d.evidence["support"] for d in found] == ["3"]


RUBBLE = (
    "The civil defence says it has pulled more than 100,000 people from the rubble of bombed "
    "buildings since it was founded."
)


@pytest.mark.parametrize(
    ("other", "same"),
    [
        (
            "Its volunteers have pulled 100,000 people from the rubble, the civil defence says.",
            True,
        ),
        (
            "The group that arrived was 98 civil defence members and 324 relatives, 422 people.",
            False,
        ),
        ("Hundreds of volunteer rescuers and their families were spirited out overnight.", False),
    ],
)
def test_a_passage_states_the_same_fact_only_with_its_terms_and_figures(
    other: str, same: bool
) -> None:
    assert same_fact(RUBBLE, other) is same
    assert same_fact(other, RUBBLE) is same


def test_an_omission_shows_as_support_only_the_outlets_that_state_it() -> None:
    focus = _article(
        1, "focus", ["Unrelated text about the weather in the city today."], [[0, 0, 0, 1]]
    )
    restated = "Its volunteers have pulled 100,000 people from the rubble."
    others = [
        _article(2, "two", [RUBBLE], [[1, 0, 0, 0]]),
        _article(3, "three", [restated], [[1, 0.2, 0, 0]]),
        _article(4, "four", ["Hundreds of volunteer rescuers fled overnight."], [[1, 0.4, 0, 0]]),
    ]
    voices = {k: v for a in (focus, *others) for k, v in article_voices(a).items()}
    groups = {1: 1, 2: 2, 3: 3, 4: 4}
    claims = [[ClaimMember(a.passages[0], a.outlet, 1.0) for a in others[:2]]]
    (found,) = omissions(focus, others, voices, groups, claims, _FavoursFewSupporters())
    assert [c.outlet for c in found.counterparts] == ["two", "three"]
    assert found.evidence["support"] == "2"
    assert "four" not in found.explanation


def test_cover_is_the_largest_share_one_window_holds() -> None:
    other = _article(
        2, "other", ["Engineers found cracks.", "The bridge closed on Monday."], [[1, 0], [0, 1]]
    )
    cover = Cover([other])
    assert cover.lexical("Engineers found cracks and the bridge closed on Monday.") == 1.0
    assert cover.lexical("Too short.") == 0.0


def test_shared_figures_is_the_share_of_a_passages_figures_the_other_side_gives() -> None:
    other = _article(
        2,
        "other",
        ["Claims fell to 373,000 in the week to June 5, 2021.", "Economists expected 350,000."],
        [[1, 0], [0, 1]],
    )
    cover = Cover([other])
    assert cover.figures("Jobless claims dropped to 373,000 last week.") == 1.0
    assert cover.figures("Claims fell to 373,000, a revised 385,000 the week before.") == 0.5
    assert cover.figures("The rate rose in 2021 and will again in 2022.") == 0.0
    assert cover.figures("Claims fell sharply last week.") == 0.0


def _gate(intercept: float) -> OneSidedGate:
    model = SameEventModel(FEATURE_NAMES, tuple(0.0 for _ in FEATURE_NAMES), intercept, (), ())
    return OneSidedGate({kind: model for kind in ONE_SIDED})


def test_the_gate_saves_loads_and_refuses_a_model_of_other_features(tmp_path: Path) -> None:
    path = tmp_path / "gate.json"
    gate = _gate(0.0)
    gate.save(path)
    loaded = OneSidedGate.load(path)
    features = [0.0] * len(FEATURE_NAMES)
    assert loaded.confidence("unique_claim", features) == pytest.approx(0.5)
    assert loaded.thresholds == THRESHOLDS
    assert loaded.passes("unique_claim", 0.5)
    assert not _gate(-5.0).passes("unique_claim", _gate(-5.0).confidence("unique_claim", features))
    stale = path.read_text().replace('"digits"', '"retired_feature"')
    path.write_text(stale)
    with pytest.raises(ValueError, match="refit"):
        OneSidedGate.load(path)


def test_the_shipped_gate_loads_with_the_current_features() -> None:
    gate = OneSidedGate.load()
    assert set(gate.models) == set(ONE_SIDED)
    for model in gate.models.values():
        assert model.feature_names == FEATURE_NAMES
        assert list(model.calibration_y) == sorted(model.calibration_y)
