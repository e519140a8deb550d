"""A second reading of unique claims: does another outlet state it in other words?

The passage vectors short-list, for a focus passage about to be reported as a unique claim, the
other outlets' closest passages and pairs of adjacent passages. A second model then embeds the
passage and each of those texts (a pair of adjacent passages as one text) and compares them; at
`COVER_COSINE` or above one of them states the claim, and it is not unique: the alignment missed
a paraphrase or a claim split over two sentences. Read as a desk editor would, four in ten of
the unique claims the vectors alone reported were such.

The second model is `news-aligner` (`models/aligner`: all-MiniLM-L6-v2 fine-tuned for news
alignment), which separates paraphrases better than the passage vectors' model but must not
replace it for coverage (docs/comparison.md). Omissions are not read again: there it dropped as
many right items as wrong ones.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from comparison.model import ArticleView, PassageView
from comparison.one_sided_features import pair_vectors, stacked_vectors
from core.config import Settings
from core.lru import LruCache

__all__ = ["COVER_COSINE", "Encode", "KeptEncode", "PairCover", "shipped_cover"]

Encode = Callable[[Sequence[str]], npt.NDArray[np.float32]]
# The other side's closest passages, and pairs of adjacent passages, read with the passage.
NEAREST_PASSAGES = 4
NEAREST_WINDOWS = 2
# news-aligner cosine at which a counterpart states the passage (docs/comparison.md).
COVER_COSINE = 0.9
# Texts whose vectors are kept (1.5 KB each): an event's comparisons read the same passages.
KEPT_TEXTS = 10_000


@dataclass(frozen=True, slots=True)
class PairCover:
    """Reads a passage against its closest counterparts with `encode` (L2-normalised rows);
    `threshold` is the cosine at which a counterpart states it."""

    encode: Encode
    threshold: float = COVER_COSINE

    def counterparts(
        self, vector: npt.NDArray[np.float32], opposite: Sequence[ArticleView]
    ) -> list[str]:
        """The texts of `opposite` read against a passage whose passage vector is `vector`:
        its closest passages, then its closest pairs of adjacent passages."""
        if not opposite:
            return []
        texts = [p.text for a in opposite for p in a.passages]
        pairs = [
            f"{a.passages[i].text} {a.passages[i + 1].text}"
            for a in opposite
            for i in range(len(a.passages) - 1)
        ]
        return [texts[k] for k in _closest(vector, stacked_vectors(opposite), NEAREST_PASSAGES)] + [
            pairs[k] for k in _closest(vector, pair_vectors(opposite), NEAREST_WINDOWS)
        ]

    def best(
        self,
        passage: PassageView,
        vector: npt.NDArray[np.float32],
        opposite: Sequence[ArticleView],
    ) -> float:
        """The highest cosine of `passage` against its counterparts in `opposite`; 0.0 when
        there are none."""
        texts = self.counterparts(vector, opposite)
        if not texts:
            return 0.0
        rows = self.encode([passage.text, *texts])
        return float(np.max(rows[1:] @ rows[0]))

    def covered(
        self,
        passage: PassageView,
        vector: npt.NDArray[np.float32],
        opposite: Sequence[ArticleView],
    ) -> bool:
        return self.best(passage, vector, opposite) >= self.threshold


def _closest(
    vector: npt.NDArray[np.float32], rows: npt.NDArray[np.float32], count: int
) -> list[int]:
    """The `count` rows (unit norm) closest to `vector`, closest first."""
    return [int(k) for k in np.argsort(-(rows @ vector), kind="stable")[:count]]


class KeptEncode:
    """`encode`, with the vectors of the newest `size` texts kept: each is embedded alone, so
    a kept vector is the one embedding it again would give."""

    def __init__(self, encode: Encode, size: int = KEPT_TEXTS) -> None:
        self._encode = encode
        self._kept: LruCache[str, npt.NDArray[np.float32]] = LruCache(size)

    def __call__(self, texts: Sequence[str]) -> npt.NDArray[np.float32]:
        found: dict[str, npt.NDArray[np.float32]] = {}
        for text in dict.fromkeys(texts):
            if (row := self._kept.get(text)) is not None:
                found[text] = row
        missing = [text for text in dict.fromkeys(texts) if text not in found]
        if missing:
            for text, row in zip(missing, self._encode(missing), strict=True):
                self._kept.put(text, row)
                found[text] = row
        return np.stack([found[text] for text in texts]).astype(np.float32, copy=False)


def shipped_cover(settings: Settings) -> PairCover:
    """The cover that reads with the shipped `news-aligner` model (int8 ONNX, its checksum
    checked), on `settings`' threads."""
    from index.embedder import ALIGNER_MODEL, load_embedder

    reader = settings.model_copy(
        update={"embedding_model": ALIGNER_MODEL, "embedding_backend": "onnx-int8"}
    )
    return PairCover(KeptEncode(load_embedder(reader).encode))
