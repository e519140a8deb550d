"""Test doubles shared by the test packages."""

from __future__ import annotations

import hashlib
import itertools
import re
from collections.abc import Sequence

import numpy as np
import numpy.typing as npt

from index.inputs import text_list

__all__ = ["FixedGate", "HashingEmbedder"]

_TOKEN = re.compile(r"\w+", re.UNICODE)


class HashingEmbedder:
    """Feature hashing of lower-cased word 1- and 2-grams into ``dimension`` buckets.

    Deterministic and instant, with no model behind it: texts sharing words get similar vectors
    and nothing more. Use it only in tests of code whose behaviour does not depend on embedding
    quality (storage, index bookkeeping); anything judged on meaning uses the real model.
    """

    def __init__(self, dimension: int = 64) -> None:
        if dimension < 2:
            raise ValueError("dimension must be at least 2")
        self._dimension = dimension

    @property
    def name(self) -> str:
        return f"test-double/hashing-ngrams-{self._dimension}"

    @property
    def dimension(self) -> int:
        return self._dimension

    def _features(self, text: str) -> list[str]:
        words = [w.lower() for w in _TOKEN.findall(text)]
        grams = words + [f"{a} {b}" for a, b in itertools.pairwise(words)]
        # An empty text still needs a unit vector: it hashes a sentinel feature.
        return grams or ["\x00empty"]

    def encode(self, texts: Sequence[str]) -> npt.NDArray[np.float32]:
        """float32 ``(len(texts), dimension)``, rows L2-normalised."""
        items = text_list(texts)
        out = np.zeros((len(items), self._dimension), dtype=np.float32)
        for row, text in enumerate(items):
            for feature in self._features(text):
                digest = hashlib.blake2b(feature.encode("utf-8"), digest_size=8).digest()
                value = int.from_bytes(digest, "little")
                sign = 1.0 if value & 1 else -1.0
                out[row, (value >> 1) % self._dimension] += sign
        norms = np.linalg.norm(out, axis=1, keepdims=True)
        # Features can cancel out to a zero row; give it a fixed unit vector instead.
        zero = norms[:, 0] == 0
        out[zero, 0] = 1.0
        norms[zero] = 1.0
        out /= norms
        return out


class FixedGate:
    """A one-sided gate that gives every passage the same confidence and reports it at or above
    `threshold`: for tests of the rules around the learned gate, whatever it learned."""

    def __init__(self, confidence: float = 0.5, threshold: float = 0.0) -> None:
        self._confidence = confidence
        self._threshold = threshold

    def confidence(self, kind: str, features: Sequence[float]) -> float:
        return self._confidence

    def passes(self, kind: str, confidence: float) -> bool:
        return confidence >= self._threshold

    def prior(self, kind: str) -> None:
        return None
