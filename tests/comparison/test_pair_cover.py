"""The second reading of one-sided passages: which counterparts it reads, and what it drops."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import numpy.typing as npt

from comparison.divergences import compare_article
from comparison.model import ArticleView, Claim, ClaimMember, PassageView
from comparison.pair_cover import NEAREST_PASSAGES, NEAREST_WINDOWS, KeptEncode, PairCover
from tests.doubles import FixedGate

RELEASED = "Judge Maria Lopez released the 78-year-old suspect without bail because of her health."
FREED = "A judge freed the 78-year-old on Tuesday."
GROUNDS = "The judge cited her poor health in waiving bail."
FILLER = (
    "The courthouse was crowded with reporters.",
    "Relatives of the victims watched from the gallery.",
    "The hearing lasted about forty minutes.",
    "Her lawyer declined to comment afterwards.",
    "A trial date has not been set.",
)


class ScriptedEncoder:
    """Embeds `RELEASED` and any text holding every word of `stating` as one vector, and every
    other text as a vector of its own, orthogonal to all; records the texts it embedded."""

    def __init__(self, stating: str) -> None:
        self._words = set(stating.lower().split())
        self._axes: dict[str, int] = {}
        self.read: list[str] = []

    def __call__(self, texts: Sequence[str]) -> npt.NDArray[np.float32]:
        self.read.extend(texts)
        rows = np.zeros((len(texts), 64), dtype=np.float32)
        for row, text in enumerate(texts):
            same = text == RELEASED or self._words <= set(text.lower().split())
            rows[row, 0 if same else self._axes.setdefault(text, len(self._axes) + 1)] = 1.0
        return rows


def _article(article_id: int, outlet: str, texts: Sequence[str], seed: int) -> ArticleView:
    passages, start = [], 0
    for index, text in enumerate(texts):
        passages.append(
            PassageView(article_id * 100 + index, article_id, index, start, start + len(text), text)
        )
        start += len(text) + 1
    rows = np.random.default_rng(seed).normal(size=(len(texts), 16)).astype(np.float32)
    rows /= np.linalg.norm(rows, axis=1, keepdims=True)
    return ArticleView(
        article_id, outlet, f"https://{outlet}.example/{article_id}", "", " ".join(texts), None,
        tuple(passages), rows,
    )  # fmt: skip


def _near(article: ArticleView, row: int, to: npt.NDArray[np.float32]) -> ArticleView:
    """`article` with passage `row`'s vector at cosine 0.6 to `to`: its closest passage, yet
    below the cosine at which the vectors alone call the claim stated."""
    rows = article.vectors.copy()
    away = rows[row] - (rows[row] @ to) * to
    rows[row] = 0.6 * to + 0.8 * away / np.linalg.norm(away)
    return ArticleView(
        article.article_id, article.outlet, article.url, article.title, article.text,
        article.published_at, article.passages, rows,
    )  # fmt: skip


def test_a_claim_split_over_two_adjacent_passages_is_read_as_stated() -> None:
    focus = _article(1, "focus", [RELEASED], seed=1)
    other = _near(_article(2, "other", [*FILLER[:2], FREED, GROUNDS, *FILLER[2:]], seed=2), 2,
                  focus.vectors[0])  # fmt: skip
    encoder = ScriptedEncoder(f"{FREED} {GROUNDS}")
    cover = PairCover(encoder)
    assert cover.best(focus.passages[0], focus.vectors[0], [other]) == 1.0
    assert len(encoder.read) == 1 + NEAREST_PASSAGES + NEAREST_WINDOWS
    assert encoder.read[:2] == [RELEASED, FREED]
    assert f"{FREED} {GROUNDS}" in encoder.read[1 + NEAREST_PASSAGES :]
    assert cover.covered(focus.passages[0], focus.vectors[0], [other])
    alone = PairCover(ScriptedEncoder(f"{FREED} {GROUNDS} {FILLER[0]}"))
    assert not alone.covered(focus.passages[0], focus.vectors[0], [other])


def test_nothing_on_the_other_side_states_it() -> None:
    focus = _article(1, "focus", [RELEASED], seed=1)
    other = _article(2, "other", FILLER, seed=2)
    cover = PairCover(ScriptedEncoder(f"{FREED} {GROUNDS}"))
    assert not cover.covered(focus.passages[0], focus.vectors[0], [other])
    assert cover.best(focus.passages[0], focus.vectors[0], []) == 0.0


def test_the_answer_drops_a_unique_claim_the_cover_reads_as_stated_and_keeps_the_rest() -> None:
    accusation = "The prosecutor accused the suspect of killing two women in 1967 and 1970."
    focus = _article(1, "focus", [RELEASED, accusation], seed=1)
    other = _near(_article(2, "other", [*FILLER[:2], FREED, GROUNDS, *FILLER[2:]], seed=2), 2,
                  focus.vectors[0])  # fmt: skip
    claims = [Claim(0, (ClaimMember(focus.passages[0], "focus", 1.0),))]
    without = compare_article(focus, [focus, other], claims, gate=FixedGate(0.6))
    cover = PairCover(ScriptedEncoder(f"{FREED} {GROUNDS}"))
    found = compare_article(focus, [focus, other], claims, gate=FixedGate(0.6), cover=cover)
    unique = {d.passage.text for d in without if d.type == "unique_claim" and d.passage}
    assert unique == {RELEASED, accusation}
    assert {d.passage.text for d in found if d.type == "unique_claim" and d.passage} == {accusation}


def test_kept_vectors_are_embedded_once_and_returned_in_the_order_asked() -> None:
    encoder = ScriptedEncoder(f"{FREED} {GROUNDS}")
    kept = KeptEncode(encoder, size=2)
    first = kept([RELEASED, FILLER[0], RELEASED])
    assert encoder.read == [RELEASED, FILLER[0]]
    assert np.array_equal(first[0], first[2])
    again = kept([FILLER[0], RELEASED])
    assert encoder.read == [RELEASED, FILLER[0]]
    assert np.array_equal(again, first[[1, 0]])
    kept([FILLER[1]])  # the least recently used, FILLER[0], makes way
    kept([RELEASED, FILLER[0]])
    assert encoder.read == [RELEASED, FILLER[0], FILLER[1], FILLER[0]]
