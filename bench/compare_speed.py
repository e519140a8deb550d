"""Cost of comparing one article against its event, from stored vectors.

An event of 6 articles x 40 passages is already in a `ClaimGraph` (as in a running service);
each run adds a 7th article of 40 passages (alignment: exact scoring against the 6, mutual best
matches, regrouping the event's claims) and runs the numeric and contradiction detectors on every
aligned pair involving the new article. Vectors are synthetic (384-d, topic + noise) and the
passages are invented news sentences with figures and negations, so the detectors do real work;
no model is loaded, as the service reads stored vectors.

It also prints what the claim graph alone costs when the event grows by that article: extended
from the kept graph (`ClaimGraph.extended`, as the service's event workspaces do) against
rebuilt from scratch (what a service keeping no graph would pay).

    python bench/compare_speed.py [--runs 40] [--articles 6] [--passages 40]

BLAS is capped at one thread (`--blas-threads`), as the service caps its threads from settings.
Prints the median and p95 in milliseconds and the load average (other processes skew figures).
"""

from __future__ import annotations

import argparse
import copy
import os
import statistics
import time
from collections.abc import Callable

import numpy as np
from threadpoolctl import threadpool_limits  # type: ignore[import-untyped,unused-ignore]

from comparison.alignment import ClaimGraph, align_event
from comparison.contradiction import detect_contradiction
from comparison.model import ArticleView, PassageView
from comparison.numeric import compare_quantities

SUBJECTS = ["Officials", "Police", "The ministry", "Witnesses", "The company", "Rescuers"]
VERBS = ["said", "confirmed", "reported", "denied", "announced", "did not confirm"]
OBJECTS = [
    "people were evacuated",
    "homes were damaged",
    "workers were laid off",
    "troops were deployed",
    "families arrived",
    "votes were counted",
]
PLACES = ["in Jordan", "near the border", "in the capital", "on Sunday", "overnight", "in July"]


def _sentence(topic: int, variant: int, rng: np.random.Generator) -> str:
    figure = 50 + topic * 7 + (variant % 3) * (topic % 2)
    return (
        f"{SUBJECTS[(topic + variant) % 6]} {VERBS[(topic * variant) % 6]} that {figure} "
        f"{OBJECTS[topic % 6]} {PLACES[(topic + 2 * variant) % 6]}, "
        f"according to a statement numbered {int(rng.integers(1, 9))}."
    )


def _article(
    article_id: int, passages: int, topics: np.ndarray, rng: np.random.Generator, dim: int
) -> ArticleView:
    chosen = rng.choice(len(topics), size=passages, replace=False)
    texts = [_sentence(int(t), article_id, rng) for t in chosen]
    text = " ".join(texts)
    views, cursor = [], 0
    for index, sentence in enumerate(texts):
        start = text.index(sentence, cursor)
        cursor = start + len(sentence)
        views.append(
            PassageView(article_id * 1000 + index, article_id, index, start, cursor, sentence)
        )
    noise = rng.normal(size=(passages, dim)).astype(np.float32)
    vectors = topics[chosen] + 0.6 * noise / np.sqrt(dim)
    vectors /= np.linalg.norm(vectors, axis=1, keepdims=True)
    return ArticleView(
        article_id,
        f"outlet{article_id}.example",
        "",
        "",
        text,
        None,
        tuple(views),
        vectors.astype(np.float32),
    )


def compare(graph: ClaimGraph, article: ArticleView) -> int:
    """Align `article` into `graph` and run the pairwise detectors; returns the finding count."""
    graph.add_article(article)
    findings = 0
    for claim in graph.claims_for(article.article_id):
        mine = [m for m in claim.members if m.passage.article_id == article.article_id]
        for member in claim.members:
            if member.passage.article_id == article.article_id:
                continue
            for focus in mine:
                findings += compare_quantities(focus.passage, member.passage) is not None
                findings += detect_contradiction(focus.passage, member.passage) is not None
    return findings


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--runs", type=int, default=40)
    parser.add_argument("--articles", type=int, default=6)
    parser.add_argument("--passages", type=int, default=40)
    parser.add_argument("--dim", type=int, default=384)
    parser.add_argument("--blas-threads", type=int, default=1)
    args = parser.parse_args()
    # As the service caps its threads: BLAS threads waking for 40x40 products stall under load.
    threadpool_limits(args.blas_threads)
    rng = np.random.default_rng(0)
    topics = rng.normal(size=(80, args.dim)).astype(np.float32)
    topics /= np.linalg.norm(topics, axis=1, keepdims=True)
    event = [_article(k + 1, args.passages, topics, rng, args.dim) for k in range(args.articles)]
    base = ClaimGraph()
    for article in event:
        base.add_article(article)
    base.claims()
    newcomers = [_article(100 + k, args.passages, topics, rng, args.dim) for k in range(args.runs)]
    timings, findings = [], 0
    for article in newcomers:
        graph = copy.deepcopy(base)
        start = time.perf_counter()
        findings += compare(graph, article)
        timings.append((time.perf_counter() - start) * 1000)
    extend = [
        _timed(lambda a=article: base.extended([*event, a]).claims()) for article in newcomers
    ]
    rebuild = [_timed(lambda a=article: align_event([*event, a]).claims()) for article in newcomers]
    timings.sort()
    p95 = timings[min(len(timings) - 1, round(0.95 * (len(timings) - 1)))]
    print(
        f"event {args.articles} x {args.passages} passages + 1 article of {args.passages}: "
        f"median {statistics.median(timings):.1f} ms, p95 {p95:.1f} ms "
        f"over {args.runs} runs ({findings / args.runs:.1f} findings/run); "
        f"load average {os.getloadavg()[0]:.2f}"
    )
    print(
        f"claim graph of the grown event: extended median {statistics.median(extend):.1f} ms, "
        f"rebuilt median {statistics.median(rebuild):.1f} ms "
        f"(ratio {statistics.median(rebuild) / statistics.median(extend):.1f})"
    )


def _timed(work: Callable[[], object]) -> float:
    start = time.perf_counter()
    work()
    return (time.perf_counter() - start) * 1000


if __name__ == "__main__":
    main()
