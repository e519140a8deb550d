"""The evaluation pool: articles of an events file, their features and cached vectors.

Embeddings are cached on disk keyed by model name and text (default under the system temp dir,
never the repository), so reruns take seconds.
"""

from __future__ import annotations

import hashlib
import json
import tempfile
from collections.abc import Collection, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import numpy as np
import numpy.typing as npt

from comparison.entities import EntityExtractor
from comparison.evidence import ArticleFeatures, PoolStats, build_features
from index.embedder import Embedder
from ingest.segment import segment

__all__ = ["DATASETS", "DEFAULT_CACHE", "EvalArticle", "Pool", "build_pool", "load_articles"]

DATASETS = ("BASIL", "PAC", "NewsWCL50", "ECB+", "AllSides-NeuS")
DEFAULT_CACHE = Path(tempfile.gettempdir()) / "parallax-eval-cache"


@dataclass(frozen=True, slots=True)
class EvalArticle:
    number: int
    article_id: str
    event_id: str
    dataset: str
    sibling_event_id: str | None
    outlet: str | None
    published_at: datetime | None
    title: str
    text: str


def load_articles(
    path: Path,
    *,
    events_per_dataset: int | None = None,
    datasets: Collection[str] | None = None,
) -> list[EvalArticle]:
    """Articles of an events file in file order; optionally some datasets, n events each."""
    articles: list[EvalArticle] = []
    taken: dict[str, int] = {}
    with path.open(encoding="utf-8") as lines:
        for line in lines:
            if not line.strip():
                continue
            event = json.loads(line)
            dataset = event["source_dataset"]
            if datasets is not None and dataset not in datasets:
                continue
            if events_per_dataset is not None and taken.get(dataset, 0) >= events_per_dataset:
                continue
            taken[dataset] = taken.get(dataset, 0) + 1
            for raw in event["articles"]:
                date = raw.get("date")
                articles.append(
                    EvalArticle(
                        number=len(articles),
                        article_id=raw["article_id"],
                        event_id=event["event_id"],
                        dataset=dataset,
                        sibling_event_id=event.get("sibling_event_id"),
                        outlet=raw.get("outlet"),
                        published_at=datetime.fromisoformat(date).replace(tzinfo=UTC)
                        if date
                        else None,
                        title=raw.get("title") or "",
                        text=raw["text"],
                    )
                )
    return articles


class _VectorCache:
    """Passage and title vectors per article, on disk keyed by model name, title and text."""

    def __init__(self, embedder: Embedder, directory: Path) -> None:
        self.embedder = embedder
        slug = hashlib.sha256(embedder.name.encode()).hexdigest()[:12]
        self.directory = directory / slug
        self.directory.mkdir(parents=True, exist_ok=True)

    def _path(self, article: EvalArticle) -> Path:
        key = f"{self.embedder.name}\x00{article.title}\x00{article.text}"
        return self.directory / f"{hashlib.sha256(key.encode()).hexdigest()}.npz"

    def vectors(
        self, articles: Sequence[EvalArticle], *, group: int = 60
    ) -> list[tuple[npt.NDArray[np.float32], npt.NDArray[np.float32] | None]]:
        """(passages float32 (n, d), title float32 (d,) or None) per article."""
        missing = [a for a in articles if not self._path(a).exists()]
        for start in range(0, len(missing), group):
            batch = missing[start : start + group]
            texts = [[p.text for p in segment(a.text)] + [a.title] for a in batch]
            flat = self.embedder.encode([t for item in texts for t in item])
            at = 0
            for article, item in zip(batch, texts, strict=True):
                block = flat[at : at + len(item)]
                at += len(item)
                np.savez(self._path(article), passages=block[:-1], title=block[-1])
        out: list[tuple[npt.NDArray[np.float32], npt.NDArray[np.float32] | None]] = []
        for article in articles:
            with np.load(self._path(article)) as data:
                passages = np.asarray(data["passages"], dtype=np.float32)
                title = np.asarray(data["title"], dtype=np.float32) if article.title else None
            out.append((passages, title))
        return out


@dataclass(slots=True)
class Pool:
    """Everything the metrics need: articles, features, IDF stats, times (NaN when undated)."""

    articles: list[EvalArticle]
    features: list[ArticleFeatures]
    stats: PoolStats
    times: npt.NDArray[np.float64]
    mean_vectors: npt.NDArray[np.float32]


def build_pool(
    articles: list[EvalArticle],
    embedder: Embedder,
    extractor: EntityExtractor,
    cache: Path = DEFAULT_CACHE,
) -> Pool:
    vectors = _VectorCache(embedder, cache).vectors(articles)
    features: list[ArticleFeatures] = []
    means = np.zeros((len(articles), embedder.dimension), dtype=np.float32)
    for article, (passages, title) in zip(articles, vectors, strict=True):
        features.append(
            build_features(
                article_id=article.number,
                text=article.text,
                entities=extractor.extract(article.text),
                passage_vectors=passages,
                title_vector=title,
                outlet=article.outlet,
                published_at=article.published_at,
            )
        )
        if passages.shape[0]:
            mean = passages.mean(axis=0)
            means[article.number] = mean / np.linalg.norm(mean)
    times = np.array([a.published_at.timestamp() if a.published_at else np.nan for a in articles])
    return Pool(articles, features, PoolStats.of(features), times, means)
