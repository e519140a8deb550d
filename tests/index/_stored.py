"""Reports committed straight to a store, with their vectors, for the index tests."""

from __future__ import annotations

from datetime import UTC, datetime
from itertools import count

import numpy as np
from sqlalchemy.orm import Session, sessionmaker

from core.db.schema import ArticleRow, PassageRow, PassageVectorRow, ReportRow, ReportVectorRow
from index.sync import get_or_create_model, vector_to_bytes
from tests.doubles import HashingEmbedder

# Index bookkeeping does not depend on embedding quality: the hashing test double suffices.
EMBEDDER = HashingEmbedder(32)
MODEL, DIM = EMBEDDER.name, EMBEDDER.dimension
_SERIAL = count()


class StoreReports:
    """Commits one report with one passage per text and their vectors; returns the ids."""

    def __init__(self, sessions: sessionmaker[Session]) -> None:
        self._sessions = sessions

    def __call__(
        self,
        texts: list[str],
        model: str = MODEL,
        *,
        article: bool = False,
        published_at: datetime | None = None,
    ) -> tuple[int, list[int]]:
        """With ``article`` (or a ``published_at``), the report gets an article published then
        (None: undated)."""
        vectors = EMBEDDER.encode(texts)
        serial = next(_SERIAL)
        with self._sessions.begin() as session:
            model_id = get_or_create_model(session, model, DIM)
            report = ReportRow(
                content_hash=f"{serial:064x}",
                simhash=0,
                text=" ".join(texts),
                language="en",
                created_at=datetime.now(UTC),
            )
            session.add(report)
            session.flush()
            passage_ids = []
            offset = 0
            for idx, (text, vector) in enumerate(zip(texts, vectors, strict=True)):
                passage = PassageRow(
                    report_id=report.id, idx=idx, start=offset, end=offset + len(text), text=text
                )
                offset += len(text) + 1
                session.add(passage)
                session.flush()
                passage_ids.append(passage.id)
                session.add(
                    PassageVectorRow(
                        passage_id=passage.id, model_id=model_id, vector=vector_to_bytes(vector)
                    )
                )
            mean = vectors.mean(axis=0)
            session.add(
                ReportVectorRow(
                    report_id=report.id,
                    model_id=model_id,
                    vector=vector_to_bytes(mean / np.linalg.norm(mean)),
                )
            )
            if article or published_at is not None:
                session.add(
                    ArticleRow(
                        canonical_url=f"https://example.org/{serial}",
                        url=f"https://example.org/{serial}",
                        report_id=report.id,
                        published_at=published_at,
                        fetched_at=datetime.now(UTC),
                    )
                )
            return report.id, passage_ids
