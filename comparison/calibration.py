"""The second-stage same-event model: logistic regression on evidence, isotonic calibration.

Fitted offline on the dev pairs (`python -m evaluation.retrieval --fit`), shipped as
`comparison/same_event_model.json`; at run time scoring is numpy only. Calibration means: of the
candidate pairs given confidence 0.8, about 80% report the same event. The shipped isotonic map is
fitted on out-of-fold scores (folds by event), so it calibrates scores the model never trained on.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

import numpy as np
import numpy.typing as npt

__all__ = [
    "DEFAULT_MODEL_PATH",
    "Calibration",
    "ReliabilityBin",
    "SameEventModel",
    "cross_validated_reliability",
    "expected_calibration_error",
    "fit_logistic",
    "fit_model",
    "out_of_fold_logits",
    "reliability_table",
]

DEFAULT_MODEL_PATH = Path(__file__).with_name("same_event_model.json")

FloatArray = npt.NDArray[np.float64]
Calibration = Literal["isotonic", "platt"]
PLATT_POINTS = 201


@dataclass(frozen=True, slots=True)
class SameEventModel:
    """Logistic regression over evidence features, then a monotone map to calibrated [0, 1]."""

    feature_names: tuple[str, ...]
    coef: tuple[float, ...]
    intercept: float
    calibration_x: tuple[float, ...]
    calibration_y: tuple[float, ...]
    meta: dict[str, Any] = field(default_factory=dict)

    def logits(self, features: npt.ArrayLike) -> FloatArray:
        """features: (n, f) in `feature_names` order -> float64 (n,)."""
        x = np.atleast_2d(np.asarray(features, dtype=np.float64))
        if x.shape[1] != len(self.coef):
            raise ValueError(f"expected {len(self.coef)} features, got {x.shape[1]}")
        logits: FloatArray = x @ np.asarray(self.coef, dtype=np.float64) + self.intercept
        return logits

    def confidence(self, features: npt.ArrayLike) -> FloatArray:
        """Calibrated same-event probability, float64 (n,) in [0, 1]."""
        raw = 1.0 / (1.0 + np.exp(-self.logits(features)))
        if not self.calibration_x:
            return raw
        mapped = np.interp(raw, self.calibration_x, self.calibration_y)
        return np.clip(mapped, 0.0, 1.0)

    def to_json(self) -> str:
        return json.dumps(
            {
                "feature_names": list(self.feature_names),
                "coef": list(self.coef),
                "intercept": self.intercept,
                "calibration_x": list(self.calibration_x),
                "calibration_y": list(self.calibration_y),
                "meta": self.meta,
            },
            indent=1,
        )

    @classmethod
    def from_json(cls, text: str) -> SameEventModel:
        data = json.loads(text)
        return cls(
            feature_names=tuple(data["feature_names"]),
            coef=tuple(float(v) for v in data["coef"]),
            intercept=float(data["intercept"]),
            calibration_x=tuple(float(v) for v in data["calibration_x"]),
            calibration_y=tuple(float(v) for v in data["calibration_y"]),
            meta=dict(data.get("meta", {})),
        )

    @classmethod
    def load(cls, path: Path = DEFAULT_MODEL_PATH) -> SameEventModel:
        return cls.from_json(path.read_text(encoding="utf-8"))


def fit_logistic(
    x: FloatArray, y: npt.NDArray[np.int_], *, c: float = 1.0
) -> tuple[FloatArray, float]:
    """Logistic regression on standardised features (`c`: inverse regularisation), its
    coefficients and intercept mapped back to the scale of `x`."""
    from sklearn.linear_model import LogisticRegression

    mean = x.mean(axis=0)
    scale = x.std(axis=0)
    scale[scale == 0] = 1.0
    model = LogisticRegression(C=c, max_iter=3000)
    model.fit((x - mean) / scale, y)
    coef = model.coef_[0] / scale
    intercept = float(model.intercept_[0] - (model.coef_[0] * mean / scale).sum())
    return coef, intercept


def _isotonic(
    raw: FloatArray, y: npt.NDArray[np.int_]
) -> tuple[tuple[float, ...], tuple[float, ...]]:
    from sklearn.isotonic import IsotonicRegression

    iso = IsotonicRegression(y_min=0.0, y_max=1.0, out_of_bounds="clip")
    iso.fit(raw, y)
    xs = np.asarray(iso.X_thresholds_, dtype=np.float64)
    ys = np.asarray(iso.y_thresholds_, dtype=np.float64)
    return tuple(float(v) for v in xs), tuple(float(v) for v in ys)


def _platt(raw: FloatArray, y: npt.NDArray[np.int_]) -> tuple[tuple[float, ...], tuple[float, ...]]:
    """A sigmoid of the score's logit fitted to the labels, as `PLATT_POINTS` points for the
    model's piecewise-linear map."""
    from sklearn.linear_model import LogisticRegression

    def logit(p: FloatArray) -> FloatArray:
        p = np.clip(p, 1e-6, 1 - 1e-6)
        out: FloatArray = np.log(p / (1 - p))
        return out

    sigmoid = LogisticRegression(C=1e6, max_iter=1000).fit(logit(raw)[:, None], y)
    xs = np.linspace(0.0, 1.0, PLATT_POINTS)
    ys = 1.0 / (1.0 + np.exp(-(sigmoid.coef_[0, 0] * logit(xs) + sigmoid.intercept_[0])))
    return tuple(float(v) for v in xs), tuple(float(v) for v in ys)


def out_of_fold_logits(
    x: FloatArray, y: npt.NDArray[np.int_], groups: Sequence[str], folds: int, *, c: float = 1.0
) -> FloatArray:
    """Each row's logit from a `fit_logistic` model fitted without its group (folds by group)."""
    from sklearn.model_selection import GroupKFold

    logits = np.zeros(len(y), dtype=np.float64)
    for train, test in GroupKFold(n_splits=folds).split(x, y, groups):
        coef, intercept = fit_logistic(x[train], y[train], c=c)
        logits[test] = x[test] @ coef + intercept
    return logits


def _out_of_fold(
    x: FloatArray, y: npt.NDArray[np.int_], groups: Sequence[str], folds: int
) -> FloatArray:
    raw: FloatArray = 1.0 / (1.0 + np.exp(-out_of_fold_logits(x, y, groups, folds)))
    return raw


def fit_model(
    features: npt.ArrayLike,
    labels: npt.ArrayLike,
    groups: Sequence[str],
    feature_names: Sequence[str],
    *,
    folds: int = 5,
    meta: dict[str, Any] | None = None,
    calibration: Calibration = "isotonic",
) -> SameEventModel:
    """Fit on every pair; calibrate on out-of-fold scores grouped by event, by isotonic
    regression (steps that follow the data) or Platt scaling (a smooth sigmoid of the logit).

    features: (n, f) float; labels: (n,) 0/1; groups: (n,) the query's event id.
    """
    x = np.asarray(features, dtype=np.float64)
    y = np.asarray(labels, dtype=np.int_)
    coef, intercept = fit_logistic(x, y)
    calibrate = _isotonic if calibration == "isotonic" else _platt
    cal_x, cal_y = calibrate(_out_of_fold(x, y, groups, folds), y)
    return SameEventModel(
        feature_names=tuple(feature_names),
        coef=tuple(float(v) for v in coef),
        intercept=intercept,
        calibration_x=cal_x,
        calibration_y=cal_y,
        meta=dict(meta or {}),
    )


@dataclass(frozen=True, slots=True)
class ReliabilityBin:
    low: float
    high: float
    count: int
    mean_confidence: float
    observed: float


def reliability_table(
    confidence: npt.ArrayLike, labels: npt.ArrayLike, bins: int = 10
) -> list[ReliabilityBin]:
    """Equal-width bins over [0, 1]: how often pairs in each confidence bin were the same event."""
    conf = np.asarray(confidence, dtype=np.float64)
    y = np.asarray(labels, dtype=np.float64)
    edges = np.linspace(0.0, 1.0, bins + 1)
    which = np.clip(np.digitize(conf, edges[1:-1]), 0, bins - 1)
    table = []
    for b in range(bins):
        mask = which == b
        count = int(mask.sum())
        table.append(
            ReliabilityBin(
                low=float(edges[b]),
                high=float(edges[b + 1]),
                count=count,
                mean_confidence=float(conf[mask].mean()) if count else 0.0,
                observed=float(y[mask].mean()) if count else 0.0,
            )
        )
    return table


def expected_calibration_error(
    confidence: npt.ArrayLike, labels: npt.ArrayLike, bins: int = 10
) -> float:
    """Count-weighted mean |confidence - observed| over equal-width bins."""
    table = reliability_table(confidence, labels, bins)
    total = sum(b.count for b in table)
    if not total:
        return 0.0
    return sum(b.count * abs(b.mean_confidence - b.observed) for b in table) / total


def cross_validated_reliability(
    features: npt.ArrayLike,
    labels: npt.ArrayLike,
    groups: Sequence[str],
    feature_names: Sequence[str],
    *,
    seed: int = 0,
) -> tuple[FloatArray, npt.NDArray[np.int_]]:
    """Held-out confidences: fit on half the events, score the other half, then swap.

    Returns (confidence (n,), labels (n,)) with every confidence from a model that never saw
    that pair's event.
    """
    x = np.asarray(features, dtype=np.float64)
    y = np.asarray(labels, dtype=np.int_)
    unique = sorted(set(groups))
    rng = np.random.default_rng(seed)
    half = set(rng.permutation(np.asarray(unique, dtype=object))[: len(unique) // 2].tolist())
    in_a = np.array([g in half for g in groups])
    conf = np.zeros(len(y), dtype=np.float64)
    for train in (in_a, ~in_a):
        sub_groups = [g for g, keep in zip(groups, train, strict=True) if keep]
        model = fit_model(x[train], y[train], sub_groups, feature_names)
        conf[~train] = model.confidence(x[~train])
    return conf, y
