"""The learned gate of one-sided items: P(an editor would want this unique claim or omission shown).

One logistic model per kind over `comparison.one_sided_features`, with Platt calibration on
out-of-fold scores (folds by event), fitted on the judged set by
`python -m evaluation.one_sided_fit --write` and shipped as `one_sided_model.json`. An item is
reported only when its calibrated probability reaches its kind's threshold, and that probability
is its confidence.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal, Protocol

import numpy as np
import numpy.typing as npt

from comparison.calibration import Calibration, SameEventModel, fit_model
from comparison.one_sided_features import FEATURE_NAMES
from comparison.passage_prior import PassagePrior, fit_prior, stacked_scores

__all__ = [
    "DEFAULT_PATH",
    "ONE_SIDED",
    "PRIOR_KINDS",
    "THRESHOLDS",
    "FittedGate",
    "Gate",
    "OneSidedGate",
    "fit_gate",
]

DEFAULT_PATH = Path(__file__).with_name("one_sided_model.json")
OneSidedKind = Literal["unique_claim", "omission"]
ONE_SIDED: tuple[OneSidedKind, ...] = ("unique_claim", "omission")
INNER_FOLDS = 4
# Isotonic steps put many items at one confidence, so a small change in the rows (a refit on a
# few more events, or another CPU's int8 vectors) moved whole steps across a threshold: refitted
# without 5 of 273 events, the gate's pass or fail changed for 1-15% of the rows. A sigmoid of
# the model's logit changes it for 0.6-1.9%, and judged out of fold the answers were as right
# (all items 0.411 -> 0.414; key precision 0.481 -> 0.455, key hit 0.308 -> 0.304; on the
# newest 24, all items 0.408 -> 0.444, key precision 0.444 -> 0.524, key hit 0.458 -> 0.417).
CALIBRATION: Calibration = "platt"
# Chosen on the judged set (129 events), each event gated by a model fitted without it
# (`python -m evaluation.one_sided_fit --judged`). Unique claims at 0.25 / 0.3 / 0.35 / 0.4:
# judged precision 0.357 / 0.382 / 0.444 / 0.440, recall 0.35 / 0.31 / 0.24 / 0.15, all items
# 0.391 / 0.405 / 0.433 / 0.429. On 24 events read afterwards, 0.25 -> 0.35 took unique claims
# from 0.43 (58 judged) to 0.50 (24) and all items from 0.43 to 0.45; the README's example (a
# Grand Mufti's condemnation only the hostile outlet reports) stayed above it. Refitted on 177
# events the gate gives unique claims less (judged right 0.40 of the time, not 0.45) and that
# claim 0.32. Out of fold on the 177, 0.3 and 0.35 came out level (all items 0.408 / 0.409,
# unique claims 0.399 / 0.401); on the newest 24, read after 0.35 was chosen, 0.3 let 22 more
# unique claims through, 4 of them right (all items 0.371 -> 0.339), so 0.35 stays. Out of fold
# on 249, 0.4 looked better (unique claims 0.42 -> 0.51 right); on the 24 judged next it was
# worse (0.51 of 65 -> 0.42 of 26), so 0.35 stays again.
# Omissions (out-of-fold AUROC 0.67): judged out of fold on 249 events, with at most three an
# answer, thresholds 0 / 0.4 / 0.45 / 0.5 / 0.55 gave precision 0.39 / 0.39 / 0.40 / 0.47 / 0.46
# and recall 0.20 / 0.19 / 0.17 / 0.14 / 0.10; on the newest 24, fitted on the 225 before them,
# 0 -> 0.5 took them from 0.38 (42 judged) to 0.50 (20), and on the 24 judged after that, from
# 0.29 (38) to 0.47 (17). A short answer whose omissions are
# right half the time is worth the recall, and worth planted omissions (a sentence removed at
# random: 0.93 -> 0.18 reported; a reprint's diff still reports each).
THRESHOLDS: dict[str, float] = {"unique_claim": 0.35, "omission": 0.5}
# The kinds whose gate weighs `comparison.passage_prior`. Out of fold on 561 judged events it
# raised unique claims from 0.442 right (recall 0.381) to 0.462 (0.392), and all items from 0.429
# to 0.440, with no fewer keys found; given to omissions as well, their AUROC rose only
# 0.704 -> 0.712, and keys found fell from 71 to 68 of 365.
PRIOR_KINDS: tuple[OneSidedKind, ...] = ("unique_claim",)
_PRIOR_COLUMN = FEATURE_NAMES.index("passage_prior")


class Gate(Protocol):
    """Decides which one-sided passages are reported, and with what confidence."""

    def confidence(self, kind: OneSidedKind, features: Sequence[float]) -> float: ...

    def passes(self, kind: OneSidedKind, confidence: float) -> bool: ...

    def prior(self, kind: OneSidedKind) -> PassagePrior | None:
        """The score of a passage's own vector the kind's model weighs, if it weighs one."""
        ...


@dataclass(frozen=True, slots=True)
class FittedGate:
    model: SameEventModel
    out_of_fold: npt.NDArray[np.float64]
    prior: PassagePrior | None = None


def _with_prior(
    features: npt.NDArray[np.float64], scores: npt.ArrayLike
) -> npt.NDArray[np.float64]:
    out = features.copy()
    out[:, _PRIOR_COLUMN] = scores
    return out


def _stacked_prior(
    vectors: npt.NDArray[np.float64],
    labels: npt.NDArray[np.int_],
    groups: Sequence[str],
    folds: int,
    model: str,
) -> tuple[npt.NDArray[np.float64], PassagePrior]:
    """The rows' out-of-fold prior scores, which the gate learns from, and the prior fitted on
    every row, which it is shipped with."""
    stacked = stacked_scores(vectors, labels, groups, folds)
    return stacked, fit_prior(vectors, labels, model, neutral=float(stacked.mean()))


def fit_gate(
    x: npt.ArrayLike,
    y: npt.ArrayLike,
    groups: Sequence[str],
    *,
    folds: int,
    vectors: npt.ArrayLike | None = None,
    model: str = "",
) -> FittedGate:
    """One kind's model fitted on every row, and each row's calibrated score from a model
    fitted without its event (what the gate does on an unseen event).

    Given the rows' passage `vectors` (of the embedding model `model`), the gate weighs a
    `PassagePrior` of them: fitted on every row, and learnt from scores each row got from a
    prior fitted without its event."""
    from sklearn.model_selection import GroupKFold

    features = np.asarray(x, dtype=np.float64)
    labels = np.asarray(y, dtype=np.int_)
    passages = None if vectors is None else np.asarray(vectors, dtype=np.float64)
    scores = np.zeros(len(labels), dtype=np.float64)
    for train, test in GroupKFold(n_splits=folds).split(features, labels, groups):
        train_groups = [groups[i] for i in train]
        train_x, test_x = features[train], features[test]
        if passages is not None:
            stacked, held_prior = _stacked_prior(
                passages[train], labels[train], train_groups, INNER_FOLDS, model
            )
            train_x = _with_prior(train_x, stacked)
            test_x = _with_prior(test_x, held_prior.scores(passages[test]))
        held_out = fit_model(
            train_x,
            labels[train],
            train_groups,
            FEATURE_NAMES,
            folds=INNER_FOLDS,
            calibration=CALIBRATION,
        )
        scores[test] = held_out.confidence(test_x)
    prior: PassagePrior | None = None
    if passages is not None:
        stacked, prior = _stacked_prior(passages, labels, groups, folds, model)
        features = _with_prior(features, stacked)
    fitted = fit_model(
        features, labels, groups, FEATURE_NAMES, folds=folds, calibration=CALIBRATION
    )
    return FittedGate(fitted, scores, prior)


@dataclass(frozen=True, slots=True)
class OneSidedGate:
    models: Mapping[str, SameEventModel]
    thresholds: Mapping[str, float] = field(default_factory=lambda: dict(THRESHOLDS))
    priors: Mapping[str, PassagePrior] = field(default_factory=dict)

    def confidence(self, kind: OneSidedKind, features: Sequence[float]) -> float:
        return float(self.models[kind].confidence([features])[0])

    def passes(self, kind: OneSidedKind, confidence: float) -> bool:
        return confidence >= self.thresholds[kind]

    def prior(self, kind: OneSidedKind) -> PassagePrior | None:
        return self.priors.get(kind)

    def for_model(self, model: str) -> OneSidedGate:
        """This gate for passage vectors of the embedding model `model`."""
        priors = {kind: prior.for_model(model) for kind, prior in self.priors.items()}
        return OneSidedGate(self.models, self.thresholds, priors)

    @classmethod
    def fit(
        cls,
        features: Mapping[str, Sequence[Sequence[float]]],
        labels: Mapping[str, Sequence[int]],
        groups: Mapping[str, Sequence[str]],
        vectors: Mapping[str, npt.ArrayLike],
        model: str,
        *,
        folds: int = 5,
    ) -> OneSidedGate:
        """`vectors`: each kind's rows' passage vectors, of the embedding model `model`."""
        fitted = {
            kind: fit_gate(
                features[kind],
                labels[kind],
                groups[kind],
                folds=folds,
                vectors=vectors[kind] if kind in PRIOR_KINDS else None,
                model=model,
            )
            for kind in ONE_SIDED
        }
        priors: dict[str, PassagePrior] = {
            k: f.prior for k, f in fitted.items() if f.prior is not None
        }
        return cls({k: f.model for k, f in fitted.items()}, priors=priors)

    def save(self, path: Path = DEFAULT_PATH) -> None:
        data = {
            "models": {k: json.loads(m.to_json()) for k, m in self.models.items()},
            "priors": {k: p.to_dict() for k, p in self.priors.items()},
        }
        path.write_text(json.dumps(data, indent=1) + "\n", encoding="utf-8")

    @classmethod
    def load(cls, path: Path = DEFAULT_PATH) -> OneSidedGate:
        data = json.loads(path.read_text(encoding="utf-8"))
        models = {k: SameEventModel.from_json(json.dumps(m)) for k, m in data["models"].items()}
        if any(m.feature_names != FEATURE_NAMES for m in models.values()):
            raise ValueError(f"{path.name} was fitted on other features: refit it")
        priors = {k: PassagePrior.from_dict(p) for k, p in data.get("priors", {}).items()}
        return cls(models, priors=priors)
