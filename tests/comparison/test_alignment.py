from __future__ import annotations

import itertools
from collections.abc import Sequence
from typing import Any

import numpy as np
import pytest

from comparison.alignment import (
    EVENT_THRESHOLD,
    PARAPHRASE_THRESHOLD,
    ClaimGraph,
    FloatMatrix,
    TermSets,
    align_event,
    mutual_best,
    pair_scores,
    score_matrix,
    shared_terms,
    term_sets,
)
from comparison.model import ArticleView, Claim, PassageView
from comparison.text import content_stems

TOPICS = {
    "evacuation": "Israel evacuated 800 White Helmets rescuers and relatives to Jordan overnight.",
    "mufti": "Syria's Grand Mufti condemned the operation in a sermon on Sunday.",
    "jordan": "Jordan said 422 people arrived and would be resettled within three months.",
    "weather": "Heavy rain flooded roads across the north of the country.",
    "football": "The national football team lost its qualifying match in Amman.",
}


def _unit(seed: int, dim: int = 32) -> np.ndarray:
    vector = np.random.default_rng(seed).normal(size=dim)
    return vector / np.linalg.norm(vector)


TOPIC_VECTORS = {name: _unit(i) for i, name in enumerate(TOPICS)}


def _article(
    article_id: int, outlet: str, topics: Sequence[str], noise: float = 0.3
) -> ArticleView:
    passages, vectors, text, cursor = [], [], "", 0
    for index, topic in enumerate(topics):
        sentence = TOPICS[topic]
        start = cursor
        text += sentence + " "
        cursor = len(text)
        passages.append(
            PassageView(
                article_id * 100 + index, article_id, index, start, start + len(sentence), sentence
            )
        )
        vector = TOPIC_VECTORS[topic] + noise * _unit(article_id * 1000 + index)
        vectors.append(vector / np.linalg.norm(vector))
    return ArticleView(
        article_id,
        outlet,
        f"https://{outlet}/a",
        "t",
        text.strip(),
        None,
        tuple(passages),
        np.array(vectors, dtype=np.float32),
    )


def _signature(claims: Sequence[Claim]) -> list[tuple[tuple[int, float], ...]]:
    return [tuple((m.passage.passage_id, m.similarity) for m in c.members) for c in claims]


def test_offsets_of_the_fixture_are_exact() -> None:
    article = _article(1, "a.example", ["evacuation", "mufti"])
    for passage in article.passages:
        assert article.text[passage.start : passage.end] == passage.text


def test_same_topics_form_claims_across_outlets() -> None:
    a = _article(1, "a.example", ["evacuation", "mufti", "jordan"])
    b = _article(2, "b.example", ["jordan", "evacuation", "weather"])
    c = _article(3, "c.example", ["football", "evacuation", "mufti"])
    graph = align_event([a, b, c])
    by_topic: dict[str, set[str]] = {}
    for claim in graph.claims():
        topics = {next(t for t, s in TOPICS.items() if s == m.passage.text) for m in claim.members}
        assert len(topics) == 1, "a claim never mixes topics"
        by_topic.setdefault(topics.pop(), set()).update(claim.outlets())
    assert by_topic["evacuation"] == {"a.example", "b.example", "c.example"}
    assert by_topic["jordan"] == {"a.example", "b.example"}
    assert by_topic["mufti"] == {"a.example", "c.example"}
    assert by_topic["weather"] == {"b.example"}
    every = sorted(m.passage.passage_id for c in graph.claims() for m in c.members)
    assert every == sorted(p.passage_id for art in (a, b, c) for p in art.passages)


def test_claims_for_follows_the_article_order() -> None:
    a = _article(1, "a.example", ["evacuation", "mufti", "jordan"])
    b = _article(2, "b.example", ["jordan", "evacuation"])
    graph = align_event([a, b])
    claims = graph.claims_for(2)
    firsts = [next(m.passage.index for m in c.members if m.passage.article_id == 2) for c in claims]
    assert firsts == [0, 1]
    assert graph.claims_for(99) == []


def test_incremental_equals_batch_in_any_order() -> None:
    articles = [
        _article(1, "a.example", ["evacuation", "mufti", "jordan"]),
        _article(2, "b.example", ["jordan", "evacuation", "weather"]),
        _article(3, "c.example", ["football", "evacuation", "mufti"]),
        _article(4, "d.example", ["weather", "jordan"]),
    ]
    batch = _signature(align_event(articles).claims())
    for order in itertools.permutations(articles):
        graph = ClaimGraph()
        for article in order:
            graph.add_article(article)
            graph.claims()
        assert _signature(graph.claims()) == batch


def test_extended_graph_equals_batch_and_scores_only_new_pairs() -> None:
    articles = [
        _article(1, "a.example", ["evacuation", "mufti", "jordan"]),
        _article(2, "b.example", ["jordan", "evacuation", "weather"]),
        _article(3, "c.example", ["football", "evacuation", "mufti"]),
        _article(4, "d.example", ["weather", "jordan"]),
    ]
    scored: list[tuple[int, int]] = []

    def counting(va: FloatMatrix, ta: TermSets, vb: FloatMatrix, tb: TermSets) -> FloatMatrix:
        scored.append((va.shape[0], vb.shape[0]))
        return score_matrix(va, ta, vb, tb)

    base = align_event(articles[:3], scorer=counting)
    base.claims()
    scored.clear()
    grown = base.extended(articles)
    assert len(scored) == 3, "only the new article is scored, against each of the three"
    assert _signature(grown.claims()) == _signature(align_event(articles).claims())
    assert grown.article_ids == {1, 2, 3, 4}
    shrunk = grown.extended(articles[1:])
    assert _signature(shrunk.claims()) == _signature(align_event(articles[1:]).claims())
    assert _signature(base.claims()) == _signature(align_event(articles[:3]).claims())
    # An article whose passages differ from the graph's is scored again, not reused.
    changed = _article(2, "b.example", ["jordan", "evacuation"])
    scored.clear()
    redone = grown.extended([articles[0], changed, articles[2], articles[3]])
    assert len(scored) == 3
    expected = align_event([articles[0], changed, articles[2], articles[3]])
    assert _signature(redone.claims()) == _signature(expected.claims())


def _cosine(va: FloatMatrix, ta: TermSets, vb: FloatMatrix, tb: TermSets) -> FloatMatrix:
    scores: FloatMatrix = (va @ vb.T).astype(np.float32)
    return scores


def test_unrelated_passages_are_not_chained() -> None:
    # Neighbours along a drift are similar, the two ends are not: average linkage keeps the
    # first apart although it is the second's best match.
    base, drift = _unit(7), _unit(8)
    steps = [base, base + 0.9 * drift, base + 1.8 * drift, 2.5 * drift]
    articles = []
    for k, vector in enumerate(steps):
        text = f"Passage number {k}."
        passage = PassageView(k + 1, k + 1, 0, 0, len(text), text)
        vec = (vector / np.linalg.norm(vector)).astype(np.float32)[None, :]
        articles.append(ArticleView(k + 1, f"o{k}", "", "", text, None, (passage,), vec))
    graph = align_event(articles, threshold=0.6, scorer=_cosine)
    groups = sorted(sorted(m.passage.article_id for m in c.members) for c in graph.claims())
    assert groups == [[1], [2, 3, 4]]


def test_same_outlet_is_not_aligned_and_bad_input_is_refused() -> None:
    a = _article(1, "same.example", ["evacuation"])
    b = _article(2, "same.example", ["evacuation"])
    graph = align_event([a, b])
    assert all(len(c.members) == 1 for c in graph.claims())
    broken = ArticleView(3, "x", "", "", "", None, a.passages, np.zeros((0, 32), np.float32))
    with pytest.raises(ValueError, match="one vector per passage"):
        graph.add_article(broken)


def test_mutual_best_and_scores() -> None:
    scores = np.array([[0.9, 0.2], [0.3, 0.7]], dtype=np.float32)
    assert [(i, j) for i, j, _ in mutual_best(scores, 0.5)] == [(0, 0), (1, 1)]
    assert [(i, j) for i, j, _ in mutual_best(scores, 0.75)] == [(0, 0)]
    chained = np.array([[0.9, 0.2], [0.8, 0.7]], np.float32)
    assert [(i, j) for i, j, _ in mutual_best(chained, 0.5)] == [(0, 0)]
    assert mutual_best(np.zeros((0, 3), np.float32), 0.5) == []
    texts = ["Jordan said 422 people arrived.", "Heavy rain flooded roads."]
    terms = term_sets(texts)
    assert len(terms) == 2
    # "jordan", "422"-free stems: jordan, peopl, arriv / heavi, rain, flood, road
    assert terms.sizes().tolist() == [3.0, 4.0]
    assert shared_terms(terms, terms).tolist() == [[3.0, 0.0], [0.0, 4.0]]
    vectors = np.eye(2, 8, dtype=np.float32)
    matrix = score_matrix(vectors, terms, vectors, terms)
    assert matrix.shape == (2, 2)
    assert matrix[0, 0] > matrix[0, 1]
    single = pair_scores([1.0, 0.0], texts, texts[::-1])
    assert single.shape == (2,)
    assert single[0] > single[1]
    assert content_stems("The rescuers arrived") == frozenset({"rescuer", "arriv"})
    assert 0.0 < EVENT_THRESHOLD < PARAPHRASE_THRESHOLD < 1.0


REAL_ARTICLES = {
    "one.example": [
        "Israel evacuated hundreds of Syrian White Helmets rescuers and their families to Jordan.",
        "Syrian state media called the White Helmets terrorists.",
        "Jordan said 422 people had arrived on its territory.",
        "The weather in Amman was unusually hot for July.",
    ],
    "two.example": [
        "Syrian state media described the White Helmets as terrorists.",
        "Israel evacuated hundreds of White Helmets volunteers and their relatives from Syria to "
        "Jordan.",
        "Jordan's foreign ministry said 422 people had arrived.",
    ],
    "three.example": [
        "Jordan said 422 people had arrived in the country.",
        "A football match in Tel Aviv was postponed because of rain.",
    ],
}


@pytest.mark.slow
def test_real_model_aligns_invented_coverage(embedder: Any) -> None:
    articles = []
    for n, (outlet, sentences) in enumerate(REAL_ARTICLES.items(), start=1):
        text = " ".join(sentences)
        passages, cursor = [], 0
        for index, sentence in enumerate(sentences):
            start = text.index(sentence, cursor)
            cursor = start + len(sentence)
            passages.append(PassageView(n * 100 + index, n, index, start, cursor, sentence))
        vectors = embedder.encode(sentences)
        articles.append(
            ArticleView(n, outlet, f"https://{outlet}/", "", text, None, tuple(passages), vectors)
        )
    graph = align_event(articles)
    groups = {frozenset(m.passage.passage_id for m in c.members) for c in graph.claims()}
    assert frozenset({100, 201}) in groups  # the evacuation
    assert frozenset({101, 200}) in groups  # "terrorists"
    assert frozenset({102, 202, 300}) in groups  # 422 arrived, in all three
    assert frozenset({103}) in groups  # the weather is one outlet's alone
    assert frozenset({301}) in groups

    incremental = ClaimGraph()
    for article in reversed(articles):
        incremental.add_article(article)
    assert _signature(incremental.claims()) == _signature(graph.claims())
