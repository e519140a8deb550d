"""Writing one ingested article to the store in a single transaction."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime

import numpy as np
import numpy.typing as npt
from sqlalchemy import select
from sqlalchemy.orm import Session

from comparison.reprints import one_text, passage_keys
from core.db.reprints import first_publications, text_root
from core.db.schema import (
    ArticleRow,
    PassageRow,
    PassageVectorRow,
    ReportRow,
    ReportVectorRow,
)
from core.models import PassageSpan


def _hamming(a: int, b: int) -> int:
    return ((a ^ b) & 0xFFFF_FFFF_FFFF_FFFF).bit_count()


@dataclass(frozen=True, slots=True)
class NewReport:
    content_hash: str
    simhash: int
    text: str
    language: str | None
    passages: Sequence[PassageSpan]
    passage_vectors: npt.NDArray[np.float32]
    report_vector: npt.NDArray[np.float32]
    near_duplicate_of: int | None


@dataclass(frozen=True, slots=True)
class NewArticle:
    canonical_url: str
    url: str
    outlet_id: int | None
    outlet_name: str
    title: str
    authors: tuple[str, ...]
    site_name: str | None
    language: str | None
    published_at: datetime | None
    extra: dict[str, str]
    verified: bool = True


@dataclass(frozen=True, slots=True)
class StoredReport:
    report_id: int
    passage_ids: list[int]
    stored_at: datetime


def article_id_for(session: Session, canonical_url: str) -> int | None:
    return session.scalar(select(ArticleRow.id).where(ArticleRow.canonical_url == canonical_url))


def report_id_for_hash(session: Session, content_hash: str) -> int | None:
    return session.scalar(select(ReportRow.id).where(ReportRow.content_hash == content_hash))


def near_duplicate_report(
    session: Session,
    simhash: int,
    candidates: Sequence[int],
    max_distance: int,
    passages: Sequence[str] = (),
) -> int | None:
    """The original of the closest candidate report within `max_distance` SimHash bits, or else
    of one that prints most of `passages` word for word (`comparison.reprints.one_text`): a copy
    with a few figures and words changed and a paragraph cut can fall past the SimHash distance.

    Candidates come from the article-vector index: a reprint's vector is all but identical.
    """
    if not candidates:
        return None
    rows = session.execute(
        select(ReportRow.id, ReportRow.simhash, ReportRow.near_duplicate_of).where(
            ReportRow.id.in_(candidates)
        )
    ).all()
    close = [row for row in rows if _hamming(row.simhash, simhash) <= max_distance]
    if not close and passages:
        keys = passage_keys(passages)
        texts: dict[int, list[str]] = {}
        for report_id, text in session.execute(
            select(PassageRow.report_id, PassageRow.text).where(
                PassageRow.report_id.in_(candidates)
            )
        ):
            texts.setdefault(report_id, []).append(text)
        close = [row for row in rows if one_text(keys, passage_keys(texts.get(row.id, ())))]
    if not close:
        return None
    best = min(close, key=lambda row: (_hamming(row.simhash, simhash), row.id))
    return int(best.near_duplicate_of or best.id)


def insert_report(session: Session, report: NewReport, model_id: int) -> StoredReport:
    row = ReportRow(
        content_hash=report.content_hash,
        simhash=report.simhash,
        text=report.text,
        language=report.language,
        near_duplicate_of=report.near_duplicate_of,
        created_at=datetime.now(UTC),
    )
    session.add(row)
    session.flush()
    passage_rows = [
        PassageRow(report_id=row.id, idx=span.index, start=span.start, end=span.end, text=span.text)
        for span in report.passages
    ]
    session.add_all(passage_rows)
    session.flush()
    session.add_all(
        PassageVectorRow(
            passage_id=passage.id,
            model_id=model_id,
            vector=np.asarray(vector, dtype=np.float32).tobytes(),
        )
        for passage, vector in zip(passage_rows, report.passage_vectors, strict=True)
    )
    session.add(
        ReportVectorRow(
            report_id=row.id,
            model_id=model_id,
            vector=np.asarray(report.report_vector, dtype=np.float32).tobytes(),
        )
    )
    return StoredReport(row.id, [passage.id for passage in passage_rows], row.created_at)


def insert_article(session: Session, article: NewArticle, report_id: int) -> int:
    row = ArticleRow(
        canonical_url=article.canonical_url,
        url=article.url,
        report_id=report_id,
        outlet_id=article.outlet_id,
        outlet_name=article.outlet_name,
        title=article.title,
        authors=list(article.authors),
        site_name=article.site_name,
        language=article.language,
        published_at=article.published_at,
        fetched_at=datetime.now(UTC),
        extra=dict(article.extra),
        verified=article.verified,
    )
    session.add(row)
    session.flush()
    return row.id


def original_article(session: Session, report_id: int, exclude: int) -> int | None:
    """The first other publication of a report's text (`core.db.reprints`' rule)."""
    near = session.scalar(select(ReportRow.near_duplicate_of).where(ReportRow.id == report_id))
    firsts = first_publications(session, [report_id], exclude=exclude)
    return firsts.get(text_root(report_id, near))
