"""What decides whether a one-sided passage is worth showing: the features of the learned gate.

A passage only one side reports (a unique claim of the focus article, or another outlet's claim
the focus leaves out) is worth a reader's attention when nothing on the other side states it,
not even split over two sentences, and when it is news: a claim with an actor, a figure, a new
voice or an accusation, near the top of its article, and, for an omission, carried by more than
one independent outlet. Judged on real coverage, no single rule separated these; the features
below feed the logistic model of `comparison.one_sided_model`.
"""

from __future__ import annotations

import math
import re
from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache

import numpy as np
import numpy.typing as npt

from comparison.model import PASSAGE_CACHE_SIZE, ArticleView, PassageView
from comparison.passage_prior import PassagePrior
from comparison.substance import is_claim, substance
from comparison.text import content_stems
from comparison.voice import Voice

__all__ = [
    "FEATURE_NAMES",
    "SUPPORT_COSINE",
    "Candidate",
    "Cover",
    "candidates",
    "pair_vectors",
    "same_fact",
    "stacked_vectors",
]

# At or above this cosine another outlet's passage carries the same claim (support). Support
# so counted includes passages about the same subject that state another fact of it, and as a
# feature of the gate that is worth keeping (judged out of fold, counting only passages that
# also pass `same_fact` took the omissions' AUROC from 0.664 to 0.651); the support an omission
# is shown, ordered, weighted and required two outlets with is only what passes `same_fact`.
SUPPORT_COSINE = 0.6
# Of the shorter passage's terms, the share another must hold to state the same fact.
SUPPORT_TERMS = 0.3
LEAD_PASSAGES = 3
WINDOW = 3
MIN_CONTENT_WORDS = 4
_CAPITALISED = re.compile(r"(?<![.!?]\s)\b[A-Z][a-z]+")
_DIGIT = re.compile(r"\d")
_NUMBER = re.compile(r"\d+(?:\.\d+)?")
_YEAR = re.compile(r"(?:19|20)\d\d")

FEATURE_NAMES: tuple[str, ...] = (
    "best_cosine",
    "window_cosine",
    "lexical_cover",
    "support",
    "support_share",
    "is_claim",
    "actor",
    "figure",
    "quote",
    "accusation",
    "log_words",
    "position",
    "lead",
    "quote_share",
    "continues_quote",
    "event_centrality",
    "article_centrality",
    "names",
    "digits",
    "shared_figures",
    "passage_prior",
)


@dataclass(frozen=True, slots=True)
class Candidate:
    """A passage one side may report alone, with its features in `FEATURE_NAMES` order.

    `nearest`: the passage id of the other side's closest passage; `supporters`: passages of
    other independent outlets of the same side carrying the same claim, with their outlet."""

    passage: PassageView
    features: tuple[float, ...]
    best_cosine: float
    nearest: int
    supporters: tuple[tuple[PassageView, str], ...] = ()

    def feature(self, name: str) -> float:
        return self.features[FEATURE_NAMES.index(name)]


@lru_cache(maxsize=PASSAGE_CACHE_SIZE)
def _terms(text: str) -> frozenset[str]:
    """Content-word stems and figures: "about 800 were due to be moved" and "about 800 had been
    expected to cross" share their figure, which words alone miss."""
    return content_stems(text) | frozenset(_NUMBER.findall(text.replace(",", "")))


def same_fact(text: str, other: str) -> bool:
    """Whether two passages of one side state one fact, not two facts about one subject.

    Cosine alone joined "has pulled more than 100,000 people from the rubble" to "98 members
    and 324 relatives, 422 people in total": passages about the same group, with other figures.
    """
    mine, theirs = _terms(text), _terms(other)
    figures = {t for t in mine if t[0].isdigit()}
    their_figures = {t for t in theirs if t[0].isdigit()}
    if figures and their_figures and not figures & their_figures:
        return False
    return len(mine & theirs) >= SUPPORT_TERMS * min(len(mine), len(theirs))


# Judged, unique claims whose figures the other outlets all give were right 19% of the time,
# against 42% where none does: the fact is there in other words more often than not.
def _figures(text: str) -> frozenset[str]:
    """The figures of `text`, years left out: two accounts of one event share their dates."""
    return frozenset(n for n in _NUMBER.findall(text.replace(",", "")) if not _YEAR.fullmatch(n))


class Cover:
    """How much of a passage the other side's articles state, word for word: the largest share
    of its terms one window of `WINDOW` adjacent passages holds, and the share of its figures
    they give anywhere."""

    def __init__(self, articles: Sequence[ArticleView]) -> None:
        self._windows: list[frozenset[str]] = []
        for article in articles:
            stems = [_terms(p.text) for p in article.passages]
            for start in range(len(stems)):
                self._windows.append(frozenset().union(*stems[start : start + WINDOW]))
        self._figures = frozenset().union(*(_figures(a.text) for a in articles))

    def figures(self, text: str) -> float:
        mine = _figures(text)
        return len(mine & self._figures) / len(mine) if mine else 0.0

    def lexical(self, text: str) -> float:
        terms = _terms(text)
        if len(terms) < MIN_CONTENT_WORDS:
            return 0.0
        return max((len(terms & window) / len(terms) for window in self._windows), default=0.0)


def _unit(vectors: npt.NDArray[np.float32]) -> npt.NDArray[np.float32]:
    norms = np.linalg.norm(vectors, axis=1, keepdims=True)
    norms[norms == 0] = 1.0
    unit: npt.NDArray[np.float32] = (vectors / norms).astype(np.float32, copy=False)
    return unit


def pair_vectors(articles: Sequence[ArticleView]) -> npt.NDArray[np.float32]:
    """Each pair of adjacent passages of one article as one vector: a claim one outlet writes
    in one sentence, another often splits in two."""
    pairs = [a.vectors[i] + a.vectors[i + 1] for a in articles for i in range(len(a.passages) - 1)]
    if not pairs:
        return np.zeros((0, articles[0].vectors.shape[1] if articles else 1), dtype=np.float32)
    return _unit(np.asarray(pairs, dtype=np.float32))


def stacked_vectors(articles: Sequence[ArticleView]) -> npt.NDArray[np.float32]:
    """Every passage vector of `articles`, in article then passage order."""
    return np.concatenate([a.vectors for a in articles]).astype(np.float32, copy=False)


def _features(
    voice: Voice,
    article: ArticleView,
    position: int,
    best: float,
    window: float,
    lexical: float,
    support: int,
    groups: int,
    elsewhere: str,
    event_centrality: float,
    article_centrality: float,
    shared_figures: float,
    passage_prior: float,
) -> tuple[float, ...]:
    passage = voice.passage
    held = substance(voice, elsewhere)
    words = len(passage.text.split())
    return (
        best,
        window,
        lexical,
        float(min(support, 3)),
        support / max(1, groups),
        float(is_claim(voice)),
        float(held.actor),
        float(held.figure),
        float(held.quote),
        float(held.accusation),
        math.log1p(words),
        position / max(1, len(article.passages)),
        float(position < LEAD_PASSAGES),
        voice.quote_share,
        float(voice.continues_quote),
        event_centrality,
        article_centrality,
        float(min(5, len(_CAPITALISED.findall(passage.text[1:])))),
        float(_DIGIT.search(passage.text) is not None),
        shared_figures,
        passage_prior,
    )


def candidates(
    side: Sequence[ArticleView],
    opposite: Sequence[ArticleView],
    voices: dict[int, Voice],
    groups: dict[int, int],
    wanted: set[int] | None = None,
    prior: PassagePrior | None = None,
) -> list[Candidate]:
    """The passages of `side`'s articles (those whose ids are in `wanted`, or all), featured
    against `opposite` (the other side), with `prior`'s score of each (0 without one).

    For unique claims `side` is the focus article alone and `opposite` the other outlets; for
    omissions the reverse. `groups` maps article ids to independence groups (wire copies count
    once).
    """
    if not side or not opposite:
        return []
    mine = stacked_vectors(side)
    theirs = stacked_vectors(opposite)
    across = mine @ theirs.T
    best_rows = across.max(axis=1)
    nearest = [p.passage_id for a in opposite for p in a.passages]
    best_columns = across.argmax(axis=1)
    windows = pair_vectors(opposite)
    window_rows = (mine @ windows.T).max(axis=1) if windows.shape[0] else np.zeros(len(mine))
    own = mine @ mine.T
    article_of = [a for a in side for _ in a.passages]
    passages = [p for a in side for p in a.passages]
    side_groups = {groups[a.article_id] for a in side}
    elsewhere = "\n".join(a.text for a in opposite)
    cover = Cover(opposite)
    event_centre = _unit(np.concatenate([mine, theirs]).mean(axis=0, keepdims=True))[0]
    event_rows = mine @ event_centre
    positions = [i for a in side for i in range(len(a.passages))]
    priors = prior.scores(mine) if prior is not None else np.zeros(len(mine))
    article_rows = {
        a.article_id: a.vectors @ _unit(a.vectors.mean(axis=0, keepdims=True))[0] for a in side
    }
    out: list[Candidate] = []
    for row, passage in enumerate(passages):
        if wanted is not None and passage.passage_id not in wanted:
            continue
        article = article_of[row]
        # Each other group's closest passage, closest first: the one that states the claim.
        supporters: dict[int, tuple[PassageView, str]] = {}
        for j in np.argsort(-own[row], kind="stable"):
            if own[row, j] < SUPPORT_COSINE:
                break
            group = groups[article_of[j].article_id]
            if group != groups[article.article_id]:
                supporters.setdefault(group, (passages[j], article_of[j].outlet))
        features = _features(
            voices[passage.passage_id],
            article,
            positions[row],
            float(best_rows[row]),
            float(window_rows[row]),
            cover.lexical(passage.text),
            1 + len(supporters),
            len(side_groups),
            elsewhere,
            float(event_rows[row]),
            float(article_rows[article.article_id][positions[row]]),
            cover.figures(passage.text),
            float(priors[row]),
        )
        out.append(
            Candidate(
                passage,
                features,
                float(best_rows[row]),
                nearest[int(best_columns[row])],
                tuple(supporters.values()),
            )
        )
    return out
