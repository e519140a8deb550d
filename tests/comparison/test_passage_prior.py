"""The passage prior: a score of a passage's own vector, stacked into the one-sided gate."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from comparison.calibration import SameEventModel
from comparison.one_sided_features import FEATURE_NAMES, candidates
from comparison.one_sided_model import ONE_SIDED, PRIOR_KINDS, OneSidedGate, fit_gate
from comparison.passage_prior import PassagePrior, fit_prior, stacked_scores
from comparison.voice import article_voices
from tests.comparison.test_one_sided_gate import _article

MODEL = "sentence-transformers/all-MiniLM-L6-v2+onnx-int8"


def _kinds(count: int, seed: int = 3) -> tuple[np.ndarray, np.ndarray, list[str]]:
    """Passages of two kinds that differ along one direction; the first kind is worth showing
    four times in five, the second once in five; ten passages an event."""
    rng = np.random.default_rng(seed)
    labels = np.zeros(count, dtype=np.int_)
    kind = rng.integers(0, 2, count)
    labels[:] = np.where(rng.random(count) < np.where(kind == 1, 0.8, 0.2), 1, 0)
    vectors = rng.normal(0, 1, (count, 8))
    vectors[:, 0] += 3.0 * (kind - 0.5)
    return vectors, labels, [f"event-{i // 10}" for i in range(count)]


def test_the_prior_scores_the_kind_editors_want_higher() -> None:
    vectors, labels, _ = _kinds(400)
    prior = fit_prior(vectors, labels, MODEL, neutral=0.0)
    wanted, background = np.eye(8)[0] * 2, -np.eye(8)[0] * 2
    assert prior.scores([wanted])[0] > prior.scores([background])[0]


def test_stacked_scores_come_from_priors_fitted_without_the_event() -> None:
    vectors, labels, groups = _kinds(400)
    stacked = stacked_scores(vectors, labels, groups, folds=5)
    in_sample = fit_prior(vectors, labels, MODEL, neutral=0.0).scores(vectors)
    assert stacked.shape == labels.shape
    assert not np.allclose(stacked, in_sample)
    # A passage's own label cannot reach its stacked score: flipping every label of one event
    # leaves that event's scores as they were.
    flipped = labels.copy()
    flipped[:10] = 1 - flipped[:10]
    again = stacked_scores(vectors, flipped, groups, folds=5)
    assert np.allclose(again[:10], stacked[:10])


def test_vectors_of_another_model_get_the_neutral_score() -> None:
    prior = PassagePrior(MODEL, (1.0, 0.0, 0.0), 0.5, neutral=0.2)
    assert prior.scores([[1.0, 0.0, 0.0]])[0] == pytest.approx(1.5)
    assert prior.for_model("sentence-transformers/all-MiniLM-L6-v2") is prior
    elsewhere = prior.for_model("news-aligner")
    assert elsewhere.scores([[1.0, 0.0, 0.0], [0.0, 1.0, 0.0]]).tolist() == [0.2, 0.2]
    assert prior.scores([[1.0, 0.0, 0.0, 0.0]]).tolist() == [0.2]


def test_candidates_carry_the_prior_score_as_a_feature() -> None:
    focus = _article(1, "focus", ["The mayor closed the bridge after 14 cracks."], [[1, 0, 0, 0]])
    other = _article(2, "other", ["The weather was mild on Monday."], [[0, 1, 0, 0]])
    voices = {**article_voices(focus), **article_voices(other)}
    prior = PassagePrior(MODEL, (2.0, 0.0, 0.0, 0.0), 0.25, neutral=0.0)
    (scored,) = candidates([focus], [other], voices, {1: 1, 2: 2}, prior=prior)
    (plain,) = candidates([focus], [other], voices, {1: 1, 2: 2})
    assert scored.feature("passage_prior") == pytest.approx(2.25)
    assert plain.feature("passage_prior") == 0.0


def test_the_gate_learns_from_the_prior_and_ships_it(tmp_path: Path) -> None:
    vectors, labels, groups = _kinds(400)
    features = np.zeros((len(labels), len(FEATURE_NAMES)))
    fitted = fit_gate(features, labels, groups, folds=5, vectors=vectors, model=MODEL)
    assert fitted.prior is not None
    column = FEATURE_NAMES.index("passage_prior")
    assert fitted.model.coef[column] > 0
    assert sum(abs(c) for i, c in enumerate(fitted.model.coef) if i != column) == 0
    # Out of fold, nearly every passage of the kind editors want scores above the other kind's.
    wanted = fitted.out_of_fold[vectors[:, 0] > 0]
    other = fitted.out_of_fold[vectors[:, 0] <= 0]
    assert (wanted[:, None] > other[None, :]).mean() > 0.9

    plain = SameEventModel(FEATURE_NAMES, tuple(0.0 for _ in FEATURE_NAMES), 0.0, (), ())
    models = {kind: fitted.model if kind in PRIOR_KINDS else plain for kind in ONE_SIDED}
    gate = OneSidedGate(models, priors={k: fitted.prior for k in PRIOR_KINDS})
    path = tmp_path / "gate.json"
    gate.save(path)
    loaded = OneSidedGate.load(path)
    for kind in PRIOR_KINDS:
        assert loaded.prior(kind) == fitted.prior
    assert loaded.prior("omission") is None
    assert loaded.for_model("news-aligner").prior("unique_claim").weights == ()  # type: ignore[union-attr]


def test_the_shipped_gate_weighs_a_prior_of_the_default_model() -> None:
    gate = OneSidedGate.load()
    for kind in ONE_SIDED:
        prior = gate.prior(kind)
        assert (prior is not None) == (kind in PRIOR_KINDS)
        if prior is not None:
            assert prior.model.startswith("sentence-transformers/all-MiniLM-L6-v2")
            assert len(prior.weights) == 384
