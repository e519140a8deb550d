"""Raw embedding throughput of the configured model, and exact FAISS search cost.

1. Encodes ~2,000 real sentences from events.dev.jsonl (the `sentence_spans` of each article,
   8–60 words, in file order) with each backend (`--backends`: torch and onnx-int8), batch 64
   and 2 threads by default; prints the median sentences/s of a few interleaved runs after a
   warm-up, and the memory each model added. Then encodes
   `--articles` articles the way ingest does, one call per article with its passages, at each
   of `--article-batches`: a batch is padded to its longest passage, so the batch size matters
   more here than on a long sorted list.
2. Builds a `VectorIndex` over 200,000 random unit vectors (384-d) and times 1,000 queries
   (k=10): one batch of 1,000, the same batch restricted to an allowed subset (a time window),
   and single queries one at a time (what one API request does).

    python bench/embedding_throughput.py [DATA_DIR]        # default: ../shared/data

Random vectors are fine for timing an exact index (the work does not depend on the values);
they say nothing about recall. Load average is printed because other processes skew the figures.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import time
from collections.abc import Callable
from functools import partial
from pathlib import Path

import faiss
import numpy as np

from core.config import Settings
from index.embedder import PACKAGED_MODEL, Embedder, load_embedder
from index.vector_index import VectorIndex

DEFAULT_DATA = Path(__file__).resolve().parents[1].parent / "shared" / "data"


def load_sentences(events: Path, limit: int) -> list[str]:
    sentences: list[str] = []
    with events.open(encoding="utf-8") as handle:
        for line in handle:
            for article in json.loads(line)["articles"]:
                text = article["text"]
                for start, end in article.get("sentence_spans") or []:
                    sentence = text[start:end].strip()
                    if 8 <= len(sentence.split()) <= 60:
                        sentences.append(sentence)
                        if len(sentences) == limit:
                            return sentences
    return sentences


def load_articles(events: Path, limit: int) -> list[list[str]]:
    """The passages of the first `limit` articles, as ingest segments them."""
    from ingest.segment import segment

    articles: list[list[str]] = []
    with events.open(encoding="utf-8") as handle:
        for line in handle:
            for article in json.loads(line)["articles"]:
                articles.append([passage.text for passage in segment(article["text"])])
                if len(articles) == limit:
                    return articles
    return articles


def timed(action: Callable[[], object], repeats: int) -> list[float]:
    seconds = []
    for _ in range(repeats):
        start = time.perf_counter()
        action()
        seconds.append(time.perf_counter() - start)
    return seconds


def rss_mb() -> float:
    with open("/proc/self/statm", encoding="ascii") as handle:
        return int(handle.read().split()[1]) * os.sysconf("SC_PAGE_SIZE") / 2**20


def load_average() -> str:
    return "load average " + " ".join(f"{x:.2f}" for x in os.getloadavg())


def load(args: argparse.Namespace, backend: str, batch: int) -> Embedder:
    settings = Settings(
        embedding_model=args.model,
        embedding_backend=backend,
        embedding_batch_size=batch,
        torch_threads=args.threads,
    )
    return load_embedder(settings)


def bench_embedding(args: argparse.Namespace, events: Path) -> None:
    """Each backend's sentences/s, runs interleaved so the ratio sees the same machine."""
    sentences = load_sentences(events, args.sentences)
    words = statistics.mean(len(s.split()) for s in sentences)
    print(f"sentences: {len(sentences)} from {events} (mean {words:.1f} words)")
    embedders = {}
    for backend in args.backends:
        before, start = rss_mb(), time.perf_counter()
        embedders[backend] = load(args, backend, args.batch_size)
        embedders[backend].encode(sentences[: args.batch_size])
        print(
            f"{backend}: {embedders[backend].name} ({embedders[backend].dimension}-d), loaded "
            f"in {time.perf_counter() - start:.1f} s, +{rss_mb() - before:.0f} MB resident"
        )
    rates: dict[str, list[float]] = {backend: [] for backend in embedders}
    for _ in range(args.repeats):
        for backend, embedder in embedders.items():
            [seconds] = timed(partial(embedder.encode, sentences), 1)
            rates[backend].append(len(sentences) / seconds)
    for backend, runs in rates.items():
        print(
            f"  {backend}, batch {args.batch_size}, {args.threads} threads: median "
            f"{statistics.median(runs):.0f} sentences/s "
            f"(runs: {', '.join(f'{r:.0f}' for r in runs)})"
        )


def bench_per_article(args: argparse.Namespace, events: Path) -> None:
    articles = load_articles(events, args.articles)
    passages = sum(len(article) for article in articles)
    print(f"articles: {len(articles)} ({passages / len(articles):.1f} passages each on average)")

    def encode_each(embedder: Embedder) -> None:
        for article in articles:
            embedder.encode(article)

    for batch in args.article_batches:
        for backend in args.backends:
            embedder = load(args, backend, batch)
            embedder.encode(articles[0])
            runs = timed(partial(encode_each, embedder), args.repeats)
            per_article = statistics.median(runs) / len(articles) * 1000
            print(
                f"  {backend}, one call per article, batch {batch}: "
                f"median {per_article:.0f} ms/article"
            )


def bench_faiss(args: argparse.Namespace) -> None:
    rng = np.random.default_rng(0)
    vectors = rng.standard_normal((args.vectors, args.dimension), dtype=np.float32)
    vectors /= np.linalg.norm(vectors, axis=1, keepdims=True)
    queries = rng.standard_normal((args.queries, args.dimension), dtype=np.float32)
    ids = np.arange(args.vectors, dtype=np.int64)
    allowed = ids[: max(1, args.vectors // 20)]

    index = VectorIndex(args.dimension, model="bench/random")
    start = time.perf_counter()
    index.add(ids, vectors)
    print(
        f"faiss {faiss.__version__}: IndexIDMap2(IndexFlatIP) over {len(index):,} "
        f"{args.dimension}-d vectors built in {time.perf_counter() - start:.2f} s"
    )
    del vectors
    singles = queries[: args.single_queries]
    for threads in args.faiss_threads:
        faiss.omp_set_num_threads(threads)
        index.search(queries[:10], args.k)
        batch = statistics.median(timed(lambda: index.search(queries, args.k), args.repeats))
        subset = statistics.median(
            timed(lambda: index.search(queries, args.k, allowed=allowed), args.repeats)
        )
        one = statistics.median(
            timed(lambda: [index.search(q[np.newaxis, :], args.k) for q in singles], args.repeats)
        )
        print(
            f"  {threads} faiss thread(s), k={args.k}: {args.queries:,} queries in one batch "
            f"{batch:.2f} s ({batch / args.queries * 1e3:.2f} ms/query); "
            f"allowed={len(allowed):,} ids {subset:.2f} s "
            f"({subset / args.queries * 1e3:.2f} ms/query); "
            f"one at a time {one / len(singles) * 1e3:.2f} ms/query"
        )
    print(f"resident {rss_mb():.0f} MB")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("data", nargs="?", type=Path, default=DEFAULT_DATA, help="shared data dir")
    parser.add_argument("--model", default=PACKAGED_MODEL)
    parser.add_argument("--sentences", type=int, default=2000)
    parser.add_argument("--batch-size", type=int, default=64)
    parser.add_argument("--threads", type=int, default=2, help="model threads")
    parser.add_argument("--backends", nargs="+", default=["torch", "onnx-int8"])
    parser.add_argument("--articles", type=int, default=60)
    parser.add_argument("--article-batches", type=int, nargs="+", default=[64, 16])
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--vectors", type=int, default=200_000)
    parser.add_argument("--dimension", type=int, default=384)
    parser.add_argument("--queries", type=int, default=1000)
    parser.add_argument("--single-queries", type=int, default=100)
    parser.add_argument("--k", type=int, default=10)
    parser.add_argument("--faiss-threads", type=int, nargs="+", default=[1, 2])
    parser.add_argument("--skip-embedding", action="store_true")
    parser.add_argument("--skip-faiss", action="store_true")
    args = parser.parse_args()

    events = args.data / "events.dev.jsonl"
    if not args.skip_embedding and not events.is_file():
        print(f"error: {events} not found; pass the shared data directory", file=sys.stderr)
        return 2
    print(f"{os.cpu_count()} CPUs, {load_average()}")
    if not args.skip_embedding:
        bench_embedding(args, events)
        bench_per_article(args, events)
    if not args.skip_faiss:
        bench_faiss(args)
    print(load_average())
    return 0


if __name__ == "__main__":
    sys.exit(main())
