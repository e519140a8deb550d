"""Typed inputs and outputs of the comparison engine. Arrays are float32, rows L2-normalised."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Literal

import numpy as np
import numpy.typing as npt

# Per-passage-text features (stems, quantities, polarity, loaded words) are pure functions of
# the text and recur across comparisons of one event: kept for this many distinct texts.
PASSAGE_CACHE_SIZE = 65536

DivergenceType = Literal[
    "numeric", "contradiction", "unique_claim", "omission", "framing", "attribution"
]
DIVERGENCE_TYPES: tuple[DivergenceType, ...] = (
    "numeric",
    "contradiction",
    "unique_claim",
    "omission",
    "framing",
    "attribution",
)

Vectors = npt.NDArray[np.float32]


@dataclass(frozen=True, slots=True)
class PassageView:
    """One passage of one article; `article.text[start:end] == text`."""

    passage_id: int
    article_id: int
    index: int
    start: int
    end: int
    text: str


@dataclass(frozen=True, slots=True)
class ArticleView:
    """An article as the engine sees it. `vectors[i]` embeds `passages[i]`: shape (n, d)."""

    article_id: int
    outlet: str
    url: str
    title: str
    text: str
    published_at: datetime | None
    passages: tuple[PassageView, ...]
    vectors: Vectors
    report_id: int | None = None
    wire_copy_of: int | None = None


@dataclass(frozen=True, slots=True)
class ClaimMember:
    passage: PassageView
    outlet: str
    similarity: float


@dataclass(frozen=True, slots=True)
class Claim:
    """The set of passages, across outlets, that report the same thing."""

    claim_id: int
    members: tuple[ClaimMember, ...]

    def outlets(self) -> frozenset[str]:
        return frozenset(member.outlet for member in self.members)


@dataclass(frozen=True, slots=True)
class Finding:
    """What a pairwise detector saw between two aligned passages. `score` in [0, 1] orders a
    detector's findings; it is no probability (a divergence's `confidence` is)."""

    type: DivergenceType
    score: float
    evidence: dict[str, str | list[str]]
    explanation: str


@dataclass(frozen=True, slots=True)
class Divergence:
    """One way the focus article's account differs from other outlets'.

    `importance` ranks divergences by how much they change a reader's picture of the event
    (`comparison.ranking`); `confidence` is how likely the item is right.
    """

    type: DivergenceType
    confidence: float
    passage: PassageView | None
    counterparts: tuple[ClaimMember, ...]
    evidence: dict[str, str | list[str]] = field(default_factory=dict)
    explanation: str = ""
    importance: float = 0.0
