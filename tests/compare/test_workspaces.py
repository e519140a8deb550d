from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from compare.workspaces import EventWorkspaces
from comparison.alignment import ClaimGraph, FloatMatrix, TermSets, align_event, score_matrix
from comparison.model import ArticleView, PassageView

SENTENCES = [
    "Rescuers evacuated 800 people from the flooded valley on Sunday.",
    "The interior minister said the bridge would reopen next week.",
    "Heavy rain is expected to continue until Tuesday.",
]


def _view(article_id: int, outlet: str) -> ArticleView:
    rng = np.random.default_rng(article_id)
    text = " ".join(SENTENCES)
    passages, cursor = [], 0
    for index, sentence in enumerate(SENTENCES):
        start = text.index(sentence, cursor)
        cursor = start + len(sentence)
        passages.append(
            PassageView(article_id * 10 + index, article_id, index, start, cursor, sentence)
        )
    base = np.eye(len(SENTENCES), 16, dtype=np.float32)
    vectors = base + 0.2 * rng.normal(size=base.shape).astype(np.float32)
    vectors /= np.linalg.norm(vectors, axis=1, keepdims=True)
    return ArticleView(
        article_id,
        outlet,
        f"https://{outlet}/{article_id}",
        "t",
        text,
        None,
        tuple(passages),
        vectors,
    )


class _CountingBuild:
    def __init__(self) -> None:
        self.pairs = 0

    def score(self, va: FloatMatrix, ta: TermSets, vb: FloatMatrix, tb: TermSets) -> FloatMatrix:
        self.pairs += 1
        return score_matrix(va, ta, vb, tb)

    def __call__(self, views: Sequence[ArticleView]) -> ClaimGraph:
        return align_event(views, scorer=self.score)


def _claims(graph: ClaimGraph) -> list[tuple[int, ...]]:
    return [tuple(m.passage.passage_id for m in claim.members) for claim in graph.claims()]


def test_a_grown_event_extends_the_last_versions_graph() -> None:
    workspaces = EventWorkspaces(8)
    build = _CountingBuild()
    views = [_view(1, "a"), _view(2, "b"), _view(3, "c")]
    workspaces.graph((7, 1), views, build)
    assert build.pairs == 3
    assert workspaces.graph((7, 1), views, build) is not None
    assert build.pairs == 3, "the same version reuses its graph"

    grown = [*views, _view(4, "d")]
    graph = workspaces.graph((7, 2), grown, build)
    assert build.pairs == 6, "only the new article is scored against the three"
    assert _claims(graph) == _claims(align_event(grown))
    workspaces.graph((7, 1), views, build)
    assert build.pairs == 9, "the older version was retired, so it is built again"


def test_another_event_or_no_key_builds_from_scratch() -> None:
    workspaces = EventWorkspaces(8)
    build = _CountingBuild()
    views = [_view(1, "a"), _view(2, "b"), _view(3, "c")]
    workspaces.graph((7, 1), views, build)
    workspaces.graph((8, 1), views, build)
    assert build.pairs == 6
    workspaces.graph(None, views, build)
    assert build.pairs == 9


def test_members_are_read_once_per_event_version() -> None:
    workspaces = EventWorkspaces(4)
    reads: list[int] = []

    def reader(version: int) -> dict[int, str | None]:
        reads.append(version)
        return {1: "en", 2: "en", 3: None} if version == 2 else {1: "en", 2: "en"}

    assert workspaces.members((7, 1), lambda: reader(1)) == {1: "en", 2: "en"}
    assert workspaces.members((7, 1), lambda: reader(1)) == {1: "en", 2: "en"}
    assert list(workspaces.members((7, 2), lambda: reader(2))) == [1, 2, 3]
    assert reads == [1, 2]
    unkept = EventWorkspaces(0)
    unkept.members((7, 1), lambda: reader(1))
    unkept.members((7, 1), lambda: reader(1))
    assert reads == [1, 2, 1, 1]


def test_a_large_event_keeps_a_graph_for_each_coverage_set_compared() -> None:
    workspaces = EventWorkspaces(8)
    build = _CountingBuild()
    views = [_view(n, f"outlet{n}") for n in range(1, 9)]
    # Comparisons of one event that each leave a different article out of the coverage.
    subsets = [[v for v in views if v is not left_out] for left_out in views]
    for subset in subsets:
        workspaces.graph((7, 1), subset, build)
    built = build.pairs
    for subset in subsets:
        workspaces.graph((7, 1), subset, build)
    assert build.pairs == built, "every set's graph is still kept"
