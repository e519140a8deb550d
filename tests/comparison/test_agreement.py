from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from comparison.agreement import (
    AGREEING_SHARE,
    SHARE_PER_DIFFERENCE,
    accounts_agree,
    shared_share,
)
from comparison.model import ArticleView, PassageView

DIMENSION = 8


def _axis(index: int) -> np.ndarray:
    vector = np.zeros(DIMENSION, dtype=np.float32)
    vector[index] = 1.0
    return vector


def _article(
    article_id: int, outlet: str, topics: Sequence[int], wire_copy_of: int | None = None
) -> ArticleView:
    passages = tuple(
        PassageView(article_id * 100 + n, article_id, n, 0, 1, f"passage {topic}")
        for n, topic in enumerate(topics)
    )
    vectors = np.array([_axis(topic) for topic in topics], dtype=np.float32).reshape(
        len(topics), DIMENSION
    )
    return ArticleView(
        article_id,
        outlet,
        f"https://{outlet}/",
        "",
        "",
        None,
        passages,
        vectors,
        None,
        wire_copy_of,
    )


def test_the_share_counts_the_other_outlets_passages_the_focus_states() -> None:
    focus = _article(1, "a", [0, 1, 2])
    others = [_article(2, "b", [0, 1, 5, 6]), _article(3, "c", [2, 7, 7, 7])]
    assert shared_share(focus, [focus, *others]) == 3 / 8


def test_copies_of_the_focus_and_its_own_outlet_do_not_count_as_agreement() -> None:
    focus = _article(1, "a", [0, 1])
    same_outlet = _article(2, "A", [0, 1])
    copy = _article(3, "wire", [0, 1], wire_copy_of=1)
    independent = _article(4, "b", [3, 4])
    assert shared_share(focus, [focus, same_outlet, copy, independent]) == 0.0


def test_no_other_outlet_shares_nothing() -> None:
    focus = _article(1, "a", [0, 1])
    assert shared_share(focus, [focus]) == 0.0
    assert shared_share(_article(5, "e", []), [focus]) == 0.0


def test_the_accounts_agree_from_the_threshold_up() -> None:
    assert accounts_agree(AGREEING_SHARE, 0)
    assert not accounts_agree(AGREEING_SHARE - 0.001, 0)


def test_each_difference_found_asks_for_more_of_the_account_shared() -> None:
    for found in range(4):
        needed = round(AGREEING_SHARE + SHARE_PER_DIFFERENCE * found, 3)
        assert accounts_agree(needed, found)
        assert not accounts_agree(needed - 0.001, found)
    assert accounts_agree(0.3, 1)
    assert not accounts_agree(0.3, 2)
