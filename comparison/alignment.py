"""Passage alignment within one event, and the claim graph built from it.

Two passages of different outlets are aligned when each is the other's best match in the other's
article and their score clears the event threshold. The score is a logistic model over three cheap
features, fitted once on the MRPC dev pairs (`python -m evaluation.alignment --refit` prints it):
the embedding cosine, the Jaccard overlap of content-word stems and ``log1p`` of their shared
count. Figures are not features: "same claim" and "same numbers" are kept apart, since a numeric
divergence is precisely an aligned pair with different numbers. Two thresholds: on independent
sentence pairs (MRPC) a paraphrase needs `PARAPHRASE_THRESHOLD`; inside one event, where mutual
best matches already exclude most unrelated pairs, a claim forms at `EVENT_THRESHOLD`.

Aligned pairs are grouped into claims by average linkage: two groups merge only if they share no
article and the mean score over all their cross pairs clears the threshold, so one strong link
cannot chain unrelated passages together. Every passage belongs to exactly one claim (a claim of
one member is content only that outlet reports). Search within an event is exact (a matmul), and
adding an article costs work proportional to the event, never to the archive.
"""

from __future__ import annotations

import zlib
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from functools import lru_cache

import numpy as np
import numpy.typing as npt

from comparison.model import ArticleView, Claim, ClaimMember, PassageView
from comparison.text import content_stems

# Logistic coefficients over (cosine, jaccard, log1p(shared)), fitted on MRPC dev pairs.
COEF_COSINE = 4.4489
COEF_JACCARD = 3.1161
COEF_SHARED = 0.0278
INTERCEPT = -4.3352
# Threshold on the score that maximises "same claim" accuracy on the MRPC dev pairs.
PARAPHRASE_THRESHOLD = 0.457
# Within an event (mutual best matches only): aligns twice as many BASIL passages as the MRPC
# threshold with no planted false alarm (`python -m evaluation.bias`, `evaluation.planted`).
EVENT_THRESHOLD = 0.2

HASH_BUCKETS = 4096
FloatMatrix = npt.NDArray[np.float32]


@lru_cache(maxsize=65536)
def _bucket(stem: str) -> int:
    return zlib.crc32(stem.encode()) % HASH_BUCKETS


@dataclass(frozen=True, slots=True)
class TermSets:
    """Each passage's hashed content stems: passage i holds `buckets[offsets[i]:offsets[i+1]]`.

    Kept sparse: a dense row per passage would be HASH_BUCKETS wide, and an event's workspace
    keeps every article's terms for as long as the event is compared.
    """

    offsets: npt.NDArray[np.int64]
    buckets: npt.NDArray[np.int64]

    def __len__(self) -> int:
        return len(self.offsets) - 1

    def sizes(self) -> FloatMatrix:
        """How many distinct buckets each passage holds: float32 (n,)."""
        return np.diff(self.offsets).astype(np.float32)

    def one_hot(self, columns: npt.NDArray[np.int64], width: int) -> FloatMatrix:
        """0/1 rows, bucket `buckets[k]` placed at column `columns[k]`: float32 (n, width)."""
        out = np.zeros((len(self), width), dtype=np.float32)
        out[np.repeat(np.arange(len(self)), np.diff(self.offsets)), columns] = 1.0
        return out


Scorer = Callable[[FloatMatrix, TermSets, FloatMatrix, TermSets], FloatMatrix]


def term_sets(texts: Sequence[str]) -> TermSets:
    """The hashed content stems of each text."""
    rows = [{_bucket(stem) for stem in content_stems(text)} for text in texts]
    offsets = np.zeros(len(rows) + 1, dtype=np.int64)
    np.cumsum([len(row) for row in rows], out=offsets[1:])
    buckets = np.fromiter((b for row in rows for b in row), dtype=np.int64, count=int(offsets[-1]))
    return TermSets(offsets, buckets)


def shared_terms(terms_a: TermSets, terms_b: TermSets) -> FloatMatrix:
    """How many buckets each passage of A shares with each of B: float32 (n_a, n_b), from 0/1
    rows over only the buckets the two use."""
    vocabulary, columns = np.unique(
        np.concatenate([terms_a.buckets, terms_b.buckets]), return_inverse=True
    )
    split = len(terms_a.buckets)
    ones_a = terms_a.one_hot(columns[:split], len(vocabulary))
    ones_b = terms_b.one_hot(columns[split:], len(vocabulary))
    shared: FloatMatrix = ones_a @ ones_b.T
    return shared


def combine(cosine: FloatMatrix, jaccard: FloatMatrix, shared: FloatMatrix) -> FloatMatrix:
    """The alignment score in [0, 1] from same-shaped feature arrays."""
    z = COEF_COSINE * cosine + COEF_JACCARD * jaccard + COEF_SHARED * np.log1p(shared) + INTERCEPT
    return (1.0 / (1.0 + np.exp(-np.clip(z, -30.0, 30.0)))).astype(np.float32)


def score_matrix(
    vectors_a: FloatMatrix, terms_a: TermSets, vectors_b: FloatMatrix, terms_b: TermSets
) -> FloatMatrix:
    """Scores of every passage of A against every passage of B: float32 (n_a, n_b).

    `vectors_*` are L2-normalised float32 (n, d); `terms_*` come from `term_sets`.
    """
    cosine = vectors_a @ vectors_b.T
    shared = shared_terms(terms_a, terms_b)
    size_a = terms_a.sizes()[:, None]
    size_b = terms_b.sizes()[None, :]
    union = np.maximum(size_a + size_b - shared, 1.0)
    return combine(cosine.astype(np.float32), (shared / union).astype(np.float32), shared)


def pair_scores(
    cosine: Iterable[float], texts_a: Sequence[str], texts_b: Sequence[str]
) -> FloatMatrix:
    """Scores of independent sentence pairs (row i of A with row i of B): float32 (n,)."""
    cos = np.fromiter(cosine, dtype=np.float32)
    jac = np.empty(len(texts_a), dtype=np.float32)
    shared = np.empty(len(texts_a), dtype=np.float32)
    for i, (a, b) in enumerate(zip(texts_a, texts_b, strict=True)):
        sa, sb = content_stems(a), content_stems(b)
        shared[i] = len(sa & sb)
        jac[i] = shared[i] / max(len(sa | sb), 1)
    return combine(cos, jac, shared)


def mutual_best(scores: FloatMatrix, threshold: float) -> list[tuple[int, int, float]]:
    """(row, column, score) of mutual best matches of a score matrix at or above `threshold`."""
    if scores.size == 0:
        return []
    best_col = scores.argmax(axis=1)
    best_row = scores.argmax(axis=0)
    return [
        (i, int(j), float(scores[i, j]))
        for i, j in enumerate(best_col)
        if best_row[j] == i and scores[i, j] >= threshold
    ]


@dataclass(slots=True)
class _Group:
    members: list[tuple[int, int]]  # (article_id, passage index)
    articles: set[int]


class ClaimGraph:
    """The claims of one event, kept current as articles arrive.

    `add_article` scores the new article against each article already in the event (exact,
    O(event size)), records its mutual best matches, and regroups the event's aligned pairs.
    The result does not depend on the order articles arrive in.
    """

    def __init__(self, *, threshold: float = EVENT_THRESHOLD, scorer: Scorer | None = None) -> None:
        self.threshold = threshold
        self._scorer: Scorer = scorer or score_matrix
        self._articles: dict[int, ArticleView] = {}
        self._terms: dict[int, TermSets] = {}
        self._scores: dict[tuple[int, int], FloatMatrix] = {}
        self._edges: list[tuple[float, tuple[int, int], tuple[int, int]]] = []
        self._claims: list[Claim] | None = None

    @property
    def articles(self) -> tuple[ArticleView, ...]:
        return tuple(self._articles.values())

    def add_article(self, article: ArticleView) -> None:
        """Add (or replace nothing: an article id already present is ignored) one article."""
        if article.article_id in self._articles:
            return
        if len(article.passages) != article.vectors.shape[0]:
            raise ValueError("an article needs one vector per passage")
        terms = term_sets([p.text for p in article.passages])
        for other in self._articles.values():
            if other.outlet == article.outlet:
                continue
            first, second = sorted((article, other), key=lambda a: a.article_id)
            first_terms = terms if first is article else self._terms[first.article_id]
            second_terms = terms if second is article else self._terms[second.article_id]
            scores = self._scorer(first.vectors, first_terms, second.vectors, second_terms)
            self._scores[(first.article_id, second.article_id)] = scores
            for i, j, score in mutual_best(scores, self.threshold):
                self._edges.append((score, (first.article_id, i), (second.article_id, j)))
        self._articles[article.article_id] = article
        self._terms[article.article_id] = terms
        self._claims = None

    @property
    def article_ids(self) -> frozenset[int]:
        return frozenset(self._articles)

    def extended(self, articles: Sequence[ArticleView]) -> ClaimGraph:
        """The graph of exactly `articles`, reusing what this graph scored for articles in both.

        Equal to `align_event(articles)` with this graph's threshold and scorer; only the
        articles this graph lacks are scored, so a grown event costs its new articles alone.
        """
        graph = ClaimGraph(threshold=self.threshold, scorer=self._scorer)
        kept = {
            article.article_id
            for article in articles
            if _same_passages(self._articles.get(article.article_id), article)
        }
        for article in articles:
            if article.article_id in kept:
                graph._articles[article.article_id] = article
                graph._terms[article.article_id] = self._terms[article.article_id]
        graph._scores = {
            pair: scores
            for pair, scores in self._scores.items()
            if pair[0] in kept and pair[1] in kept
        }
        graph._edges = [edge for edge in self._edges if edge[1][0] in kept and edge[2][0] in kept]
        for article in articles:
            graph.add_article(article)
        return graph

    def score(self, a: tuple[int, int], b: tuple[int, int]) -> float | None:
        """The score between two passages given as (article_id, index); None if never scored."""
        if a[0] > b[0]:
            a, b = b, a
        matrix = self._scores.get((a[0], b[0]))
        return None if matrix is None else float(matrix.item(a[1], b[1]))

    def _linkage(self, x: _Group, y: _Group) -> float:
        values = [self.score(a, b) for a in x.members for b in y.members]
        known = [v for v in values if v is not None]
        return sum(known) / len(known) if known else 0.0

    def _groups(self) -> list[_Group]:
        groups: dict[tuple[int, int], _Group] = {}
        for article_id, article in self._articles.items():
            for index in range(len(article.passages)):
                groups[(article_id, index)] = _Group([(article_id, index)], {article_id})
        for _, a, b in sorted(self._edges, key=lambda e: (-e[0], e[1], e[2])):
            x, y = groups[a], groups[b]
            if x is y or x.articles & y.articles or self._linkage(x, y) < self.threshold:
                continue
            x.members.extend(y.members)
            x.articles |= y.articles
            for member in y.members:
                groups[member] = x
        unique = {id(g): g for g in groups.values()}
        return list(unique.values())

    def claims(self) -> list[Claim]:
        """Every claim of the event, ordered by claim id (the smallest passage id in it)."""
        if self._claims is None:
            built = [self._claim(group) for group in self._groups()]
            self._claims = sorted(built, key=lambda c: c.claim_id)
        return list(self._claims)

    def claims_for(self, article_id: int) -> list[Claim]:
        """The claims holding a passage of `article_id`, in the article's passage order."""
        found = [
            c for c in self.claims() if any(m.passage.article_id == article_id for m in c.members)
        ]
        return sorted(
            found,
            key=lambda c: min(
                m.passage.index for m in c.members if m.passage.article_id == article_id
            ),
        )

    def aligned_pairs(self) -> list[tuple[PassageView, PassageView]]:
        """Every pair of passages that share a claim (of different articles)."""
        pairs: list[tuple[PassageView, PassageView]] = []
        for claim in self.claims():
            members = claim.members
            for i, a in enumerate(members):
                pairs.extend((a.passage, b.passage) for b in members[i + 1 :])
        return pairs

    def _claim(self, group: _Group) -> Claim:
        members = []
        for article_id, index in sorted(group.members):
            article = self._articles[article_id]
            others = [
                self.score((article_id, index), m) for m in group.members if m[0] != article_id
            ]
            known = [v for v in others if v is not None]
            similarity = sum(known) / len(known) if known else 1.0
            members.append(
                ClaimMember(article.passages[index], article.outlet, round(similarity, 4))
            )
        claim_id = min(m.passage.passage_id for m in members)
        return Claim(claim_id, tuple(members))


def _same_passages(kept: ArticleView | None, article: ArticleView) -> bool:
    return (
        kept is not None
        and kept.outlet == article.outlet
        and [p.passage_id for p in kept.passages] == [p.passage_id for p in article.passages]
    )


def align_event(
    articles: Sequence[ArticleView],
    *,
    threshold: float = EVENT_THRESHOLD,
    scorer: Scorer | None = None,
) -> ClaimGraph:
    """The claim graph of an event's articles (see `ClaimGraph`); `scorer` defaults to
    `score_matrix`."""
    graph = ClaimGraph(threshold=threshold, scorer=scorer)
    for article in articles:
        graph.add_article(article)
    return graph
