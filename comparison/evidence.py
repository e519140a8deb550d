"""Per-article features and the pairwise evidence that two articles report the same event.

Features are computed once per article (at ingest) from its passage vectors and entities and can
be stored; evidence compares two feature sets. Topic similarity alone (`cosine`) cannot tell two
rehab check-ins of one celebrity apart, so the evidence adds aligned passages, shared rare names
and places (weighted by IDF over the pool), agreeing dates and figures, and the time gap.
"""

from __future__ import annotations

import math
import re
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime

import numpy as np
import numpy.typing as npt

from comparison.entities import (
    DATE_LABELS,
    FIGURE_LABELS,
    NAME_LABELS,
    PLACE_LABELS,
    Entity,
    entity_key,
    figure_values,
)
from comparison.model import Vectors

__all__ = [
    "ALIGN_THRESHOLD",
    "BASE_FEATURES",
    "FEATURE_NAMES",
    "IDENTICAL_THRESHOLD",
    "ArticleFeatures",
    "Evidence",
    "PoolStats",
    "article_vector",
    "build_features",
    "compare",
    "days_apart",
    "feature_matrix",
]

ALIGN_THRESHOLD = 0.6
IDENTICAL_THRESHOLD = 0.95
# Excerpts and briefs (a few passages) need other weights than full articles.
SHORT_PASSAGES = 6
_MAX_GAP_DAYS = 7.0


@dataclass(frozen=True, slots=True)
class ArticleFeatures:
    """What same-event matching needs of one article; computed once, storable.

    vector: float32 (d,), unit norm. passage_vectors: float32 (n, d), rows unit norm (n may be 0).
    names/places: entity keys; figures: normalised numbers (years excluded); dates: keys such as
    "y:2018", "md:07-22", "wd:sunday"; terms: lower-cased content-word counts.
    """

    article_id: int
    outlet: str | None
    published_at: datetime | None
    vector: Vectors
    passage_vectors: Vectors
    names: frozenset[str] = frozenset()
    places: frozenset[str] = frozenset()
    figures: frozenset[str] = frozenset()
    dates: frozenset[str] = frozenset()
    terms: Mapping[str, int] = field(default_factory=dict)
    title_vector: Vectors | None = None


def article_vector(passage_vectors: Vectors, title_vector: Vectors | None = None) -> Vectors:
    """The article's unit vector: the mean of its passage vectors (n, d), plus the title's (d,).

    Falls back to the title alone when there are no passages; float32 (d,).
    """
    parts: list[Vectors] = []
    if passage_vectors.shape[0]:
        parts.append(passage_vectors.mean(axis=0))
    if title_vector is not None:
        parts.append(title_vector)
    if not parts:
        raise ValueError("an article needs passages or a title")
    mean: Vectors = np.mean(parts, axis=0).astype(np.float32)
    norm = float(np.linalg.norm(mean))
    return mean / np.float32(norm) if norm > 0 else mean


_WORD = re.compile(r"[^\W\d_][\w'’-]{2,}")
_STOPWORDS = frozenset(
    re.findall(
        r"\w+",
        "the and for that with this from have has had was were are been will would said says "
        "not but they their them his her its who what when where which while about after before "
        "into over than then there these those also more most some such only other could should "
        "being because just like very can may might must our out all any one two new now year "
        "years last first told according people time since did does how him she you your we",
    )
)
_MONTH_NUMBERS = {
    name: number
    for number, names in enumerate(
        (
            ("jan", "january"),
            ("feb", "february"),
            ("mar", "march"),
            ("apr", "april"),
            ("may",),
            ("jun", "june"),
            ("jul", "july"),
            ("aug", "august"),
            ("sep", "sept", "september"),
            ("oct", "october"),
            ("nov", "november"),
            ("dec", "december"),
        ),
        start=1,
    )
    for name in names
}
_WEEKDAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")
_DATE_TOKEN = re.compile(r"[a-z]+|\d+")


def _date_keys(text: str) -> set[str]:
    tokens = _DATE_TOKEN.findall(text.lower())
    keys: set[str] = set()
    month: int | None = None
    for token in tokens:
        if token in _WEEKDAYS:
            keys.add(f"wd:{token}")
        elif token in _MONTH_NUMBERS:
            month = _MONTH_NUMBERS[token]
            keys.add(f"m:{month:02d}")
        elif token.isdigit():
            value = int(token)
            if 1900 <= value <= 2100:
                keys.add(f"y:{value}")
            elif month is not None and 1 <= value <= 31:
                keys.add(f"md:{month:02d}-{value:02d}")
    iso = re.fullmatch(r"\s*(\d{4})-(\d\d)-(\d\d)\s*", text)
    if iso:
        keys |= {f"y:{iso.group(1)}", f"m:{iso.group(2)}", f"md:{iso.group(2)}-{iso.group(3)}"}
    return keys


def _figure_key(value: float) -> str | None:
    if value < 11 or (1900 <= value <= 2100 and value.is_integer()):
        return None
    return f"{value:.4g}"


def build_features(
    *,
    article_id: int,
    text: str,
    entities: Sequence[Entity],
    passage_vectors: Vectors,
    title_vector: Vectors | None = None,
    outlet: str | None = None,
    published_at: datetime | None = None,
) -> ArticleFeatures:
    """Features of one article from its text, its entities and its passage vectors (n, d)."""
    names: set[str] = set()
    places: set[str] = set()
    figures: set[str] = set()
    dates: set[str] = set()
    for entity in entities:
        if entity.label in NAME_LABELS:
            key = entity_key(entity.text)
            if len(key) > 1:
                names.add(key)
                if entity.label in PLACE_LABELS:
                    places.add(key)
        elif entity.label in FIGURE_LABELS:
            figures.update(k for k in map(_figure_key, figure_values(entity.text)) if k)
        elif entity.label in DATE_LABELS:
            dates |= _date_keys(entity.text)
    terms = Counter(
        word for word in (w.lower() for w in _WORD.findall(text)) if word not in _STOPWORDS
    )
    return ArticleFeatures(
        article_id=article_id,
        outlet=outlet,
        published_at=published_at,
        vector=article_vector(passage_vectors, title_vector),
        passage_vectors=passage_vectors,
        names=frozenset(names),
        places=frozenset(places),
        figures=frozenset(figures),
        dates=frozenset(dates),
        terms=dict(terms),
        title_vector=title_vector,
    )


class PoolStats:
    """Document frequencies of names and terms over the archive, for IDF weights.

    Incremental: `add` each article's features as it is stored. IDF values and per-article
    TF-IDF weights are memoised until the next `add`.
    """

    def __init__(self) -> None:
        self.documents = 0
        self._df: Counter[str] = Counter()
        self._idf: dict[str, float] = {}
        self._weights: dict[int, tuple[Mapping[str, int], dict[str, float], float]] = {}

    @classmethod
    def of(cls, pool: Iterable[ArticleFeatures]) -> PoolStats:
        stats = cls()
        for features in pool:
            stats.add(features)
        return stats

    def add(self, features: ArticleFeatures) -> None:
        self.documents += 1
        self._df.update(f"n:{key}" for key in features.names)
        self._df.update(f"t:{key}" for key in features.terms)
        self._idf.clear()
        self._weights.clear()

    def idf(self, key: str, kind: str = "n") -> float:
        """Smoothed IDF, >= 1; an unseen key counts as seen once."""
        full = f"{kind}:{key}"
        value = self._idf.get(full)
        if value is None:
            df = max(1, self._df.get(full, 0))
            value = self._idf[full] = math.log((1 + self.documents) / (1 + df)) + 1.0
        return value

    def term_weights(self, features: ArticleFeatures) -> tuple[dict[str, float], float]:
        """Sublinear TF-IDF weights of the article's terms and their L2 norm."""
        cached = self._weights.get(features.article_id)
        if cached is not None and cached[0] is features.terms:
            return cached[1], cached[2]
        weights = {t: (1.0 + math.log(c)) * self.idf(t, "t") for t, c in features.terms.items()}
        norm = math.sqrt(sum(v * v for v in weights.values()))
        self._weights[features.article_id] = (features.terms, weights, norm)
        return weights, norm


@dataclass(frozen=True, slots=True)
class Evidence:
    """Why two articles may report the same event; every share/overlap is in [0, 1].

    aligned_passages: mutual best passage matches with cosine >= ALIGN_THRESHOLD; aligned_share
    divides by the shorter article's passage count; identical_share is the share of the shorter
    article's passages with a match >= IDENTICAL_THRESHOLD (wire copies come near 1);
    year_conflict: both articles mention years, and none in common. title_cosine is None
    unless both have titles; shorter_passages is the smaller passage count.
    """

    cosine: float
    title_cosine: float | None
    shorter_passages: int
    term_cosine: float
    aligned_passages: int
    aligned_share: float
    identical_share: float
    best_passage_similarity: float
    name_overlap: float
    place_overlap: float
    figure_overlap: float
    date_overlap: float
    year_conflict: bool
    days_apart: float | None
    shared_names: tuple[str, ...] = ()
    shared_places: tuple[str, ...] = ()
    shared_figures: tuple[str, ...] = ()
    shared_dates: tuple[str, ...] = ()

    def features(self) -> list[float]:
        """The per-pair model inputs, in BASE_FEATURES order."""
        dated = self.days_apart is not None
        gap = min(self.days_apart or 0.0, _MAX_GAP_DAYS) / _MAX_GAP_DAYS
        short = 1.0 if self.shorter_passages <= SHORT_PASSAGES else 0.0
        return [
            self.cosine,
            self.title_cosine or 0.0,
            1.0 if self.title_cosine is not None else 0.0,
            short,
            self.term_cosine,
            math.log1p(self.aligned_passages),
            self.aligned_share,
            self.best_passage_similarity,
            self.name_overlap,
            self.place_overlap,
            self.figure_overlap,
            self.date_overlap,
            1.0 if self.year_conflict else 0.0,
            gap,
            1.0 if dated else 0.0,
        ]


BASE_FEATURES: tuple[str, ...] = (
    "cosine",
    "title_cosine",
    "both_titled",
    "short_pair",
    "term_cosine",
    "log_aligned_passages",
    "aligned_share",
    "best_passage_similarity",
    "name_overlap",
    "place_overlap",
    "figure_overlap",
    "date_overlap",
    "year_conflict",
    "gap_share_of_week",
    "both_dated",
)
# Listwise: how far a candidate falls behind the best candidate of the same query.
_LISTWISE: tuple[str, ...] = ("cosine_margin", "term_margin")
# Every feature again, times short_pair: excerpts get their own weights in one linear model.
FEATURE_NAMES: tuple[str, ...] = (
    *BASE_FEATURES,
    *_LISTWISE,
    *(f"short_x_{name}" for name in (*BASE_FEATURES, *_LISTWISE)),
)


def feature_matrix(evidence: Sequence[Evidence]) -> npt.NDArray[np.float64]:
    """Model inputs for one query's candidates, float64 (len(evidence), len(FEATURE_NAMES))."""
    if not evidence:
        return np.zeros((0, len(FEATURE_NAMES)), dtype=np.float64)
    base = np.asarray([item.features() for item in evidence], dtype=np.float64)
    cosine = base[:, BASE_FEATURES.index("cosine")]
    terms = base[:, BASE_FEATURES.index("term_cosine")]
    plain = np.concatenate(
        [base, np.stack([cosine - cosine.max(), terms - terms.max()], axis=1)], axis=1
    )
    short = plain[:, BASE_FEATURES.index("short_pair")][:, None]
    return np.concatenate([plain, short * plain], axis=1)


def days_apart(a: datetime | None, b: datetime | None) -> float | None:
    """Absolute days between two publication times; None when either is unknown."""
    if a is None or b is None:
        return None
    if (a.tzinfo is None) != (b.tzinfo is None):
        a, b = a.replace(tzinfo=None), b.replace(tzinfo=None)
    return abs((a - b).total_seconds()) / 86_400.0


def _weighted_jaccard(
    a: frozenset[str], b: frozenset[str], stats: PoolStats
) -> tuple[float, tuple[str, ...]]:
    shared = a & b
    union = a | b
    if not union:
        return 0.0, ()
    total = sum(stats.idf(key) for key in union)
    common = sorted(shared, key=lambda key: (-stats.idf(key), key))
    return sum(stats.idf(key) for key in shared) / total, tuple(common)


def _jaccard(a: frozenset[str], b: frozenset[str]) -> tuple[float, tuple[str, ...]]:
    union = a | b
    return (len(a & b) / len(union) if union else 0.0), tuple(sorted(a & b))


def _term_cosine(a: ArticleFeatures, b: ArticleFeatures, stats: PoolStats) -> float:
    wa, na = stats.term_weights(a)
    wb, nb = stats.term_weights(b)
    if na == 0 or nb == 0:
        return 0.0
    small, large = (wa, wb) if len(wa) < len(wb) else (wb, wa)
    return sum(v * large.get(t, 0.0) for t, v in small.items()) / (na * nb)


def _alignment(a: Vectors, b: Vectors) -> tuple[int, float, float, float]:
    """(aligned count, aligned share, identical share, best similarity) of (n, d) and (m, d)."""
    if not a.shape[0] or not b.shape[0]:
        return 0, 0.0, 0.0, 0.0
    sims = a @ b.T
    best_b = sims.argmax(axis=1)
    best_a = sims.argmax(axis=0)
    rows = np.arange(a.shape[0])
    mutual = (best_a[best_b] == rows) & (sims[rows, best_b] >= ALIGN_THRESHOLD)
    aligned = int(mutual.sum())
    shorter = min(a.shape[0], b.shape[0])
    if a.shape[0] <= b.shape[0]:
        identical = int((sims.max(axis=1) >= IDENTICAL_THRESHOLD).sum())
    else:
        identical = int((sims.max(axis=0) >= IDENTICAL_THRESHOLD).sum())
    return aligned, aligned / shorter, identical / shorter, float(sims.max())


def _year_conflict(a: frozenset[str], b: frozenset[str]) -> bool:
    """Both name years and none in common: likely two occurrences of the same kind of event."""
    years_a = {key for key in a if key.startswith("y:")}
    years_b = {key for key in b if key.startswith("y:")}
    return bool(years_a) and bool(years_b) and not years_a & years_b


def compare(query: ArticleFeatures, candidate: ArticleFeatures, stats: PoolStats) -> Evidence:
    """The evidence that `candidate` reports the same event as `query` (symmetric)."""
    aligned, aligned_share, identical_share, best = _alignment(
        query.passage_vectors, candidate.passage_vectors
    )
    name_overlap, shared_names = _weighted_jaccard(query.names, candidate.names, stats)
    place_overlap, shared_places = _weighted_jaccard(query.places, candidate.places, stats)
    figure_overlap, shared_figures = _jaccard(query.figures, candidate.figures)
    date_overlap, shared_dates = _jaccard(query.dates, candidate.dates)
    cosine = float(query.vector @ candidate.vector)
    title_cosine: float | None = None
    if query.title_vector is not None and candidate.title_vector is not None:
        title_cosine = float(query.title_vector @ candidate.title_vector)
    shorter = min(query.passage_vectors.shape[0], candidate.passage_vectors.shape[0])
    return Evidence(
        cosine=cosine,
        title_cosine=title_cosine,
        shorter_passages=shorter,
        term_cosine=_term_cosine(query, candidate, stats),
        aligned_passages=aligned,
        aligned_share=aligned_share,
        identical_share=identical_share,
        best_passage_similarity=best,
        name_overlap=name_overlap,
        place_overlap=place_overlap,
        figure_overlap=figure_overlap,
        date_overlap=date_overlap,
        year_conflict=_year_conflict(query.dates, candidate.dates),
        days_apart=days_apart(query.published_at, candidate.published_at),
        shared_names=shared_names[:10],
        shared_places=shared_places[:10],
        shared_figures=shared_figures[:10],
        shared_dates=shared_dates[:10],
    )
