"""The store's tables. The database is the truth; FAISS indexes are derived from it.

A *report* is one distinct text (unique content hash) with its passages and vectors; an
*article* is one publication of a report at a canonical URL by an outlet. A wire story
republished verbatim by three outlets is one report with three articles.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    DateTime,
    Float,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    String,
    Text,
    TypeDecorator,
    UniqueConstraint,
    false,
    true,
)
from sqlalchemy.engine import Dialect
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column


class UTCDateTime(TypeDecorator[datetime]):
    """Aware UTC datetimes in and out, whatever the backend keeps (SQLite keeps naive text)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetimes are ambiguous: pass an aware one")
        return value.astimezone(UTC)

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


class Base(DeclarativeBase):
    pass


class OutletRow(Base):
    __tablename__ = "outlets"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    slug: Mapped[str] = mapped_column(String(100), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    domains: Mapped[list[str]] = mapped_column(JSON, default=list)
    language: Mapped[str] = mapped_column(String(16), default="en")
    country: Mapped[str] = mapped_column(String(8), default="")
    kind: Mapped[str] = mapped_column(String(32), default="")
    leaning: Mapped[str] = mapped_column(String(32), default="")
    # Set for an outlet added through the API: the store is its only record.
    added_at: Mapped[datetime | None] = mapped_column(UTCDateTime())


class FeedRow(Base):
    __tablename__ = "feeds"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    outlet_id: Mapped[int] = mapped_column(ForeignKey("outlets.id"), index=True)
    url: Mapped[str] = mapped_column(String(2000), unique=True)
    etag: Mapped[str | None] = mapped_column(String(500))
    last_modified: Mapped[str | None] = mapped_column(String(100))
    last_polled_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    next_poll_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), index=True)
    consecutive_failures: Mapped[int] = mapped_column(Integer, default=0)
    last_error: Mapped[str | None] = mapped_column(Text)


class EventRow(Base):
    __tablename__ = "events"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    first_published_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    last_published_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    merged_into: Mapped[int | None] = mapped_column(ForeignKey("events.id"), index=True)
    version: Mapped[int] = mapped_column(Integer, default=0)


class EventChangeRow(Base):
    """One change to the events, in commit order (`core.db.changes`)."""

    __tablename__ = "event_changes"
    # AUTOINCREMENT: SQLite never hands out an id again, even after the newest rows are pruned.
    __table_args__ = ({"sqlite_autoincrement": True},)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    kind: Mapped[str] = mapped_column(String(16))
    event_id: Mapped[int] = mapped_column(ForeignKey("events.id"))
    article_id: Mapped[int | None] = mapped_column(ForeignKey("articles.id"))
    source_event_id: Mapped[int | None] = mapped_column(ForeignKey("events.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())


class ReportRow(Base):
    __tablename__ = "reports"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    content_hash: Mapped[str] = mapped_column(String(64), unique=True)
    simhash: Mapped[int] = mapped_column(BigInteger, index=True)
    text: Mapped[str] = mapped_column(Text)
    language: Mapped[str | None] = mapped_column(String(16))
    near_duplicate_of: Mapped[int | None] = mapped_column(ForeignKey("reports.id"), index=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())


class ArticleRow(Base):
    __tablename__ = "articles"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    canonical_url: Mapped[str] = mapped_column(String(2000), unique=True)
    url: Mapped[str] = mapped_column(String(2000))
    report_id: Mapped[int] = mapped_column(ForeignKey("reports.id"), index=True)
    outlet_id: Mapped[int | None] = mapped_column(ForeignKey("outlets.id"), index=True)
    outlet_name: Mapped[str] = mapped_column(String(200), default="")
    title: Mapped[str] = mapped_column(Text, default="")
    authors: Mapped[list[str]] = mapped_column(JSON, default=list)
    site_name: Mapped[str | None] = mapped_column(String(200))
    language: Mapped[str | None] = mapped_column(String(16), index=True)
    published_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), index=True)
    fetched_at: Mapped[datetime] = mapped_column(UTCDateTime())
    event_id: Mapped[int | None] = mapped_column(ForeignKey("events.id"), index=True)
    extra: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    # False for a page or text a caller submitted: it serves that caller's comparison but is
    # no outlet's article for anyone else (the service never fetched it itself).
    verified: Mapped[bool] = mapped_column(Boolean, default=True, server_default=true())
    # Stored before the caps and over them: kept, but never processed or compared again.
    quarantined: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())


class ArticleFeaturesRow(Base):
    """What same-event matching needs of an article besides its passage vectors."""

    __tablename__ = "article_features"

    article_id: Mapped[int] = mapped_column(ForeignKey("articles.id"), primary_key=True)
    model_id: Mapped[int] = mapped_column(ForeignKey("embedding_models.id"))
    title_vector: Mapped[bytes | None] = mapped_column(LargeBinary)
    names: Mapped[list[str]] = mapped_column(JSON, default=list)
    places: Mapped[list[str]] = mapped_column(JSON, default=list)
    figures: Mapped[list[str]] = mapped_column(JSON, default=list)
    dates: Mapped[list[str]] = mapped_column(JSON, default=list)
    terms: Mapped[dict[str, int]] = mapped_column(JSON, default=dict)


class PassageRow(Base):
    __tablename__ = "passages"
    __table_args__ = (UniqueConstraint("report_id", "idx"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    report_id: Mapped[int] = mapped_column(ForeignKey("reports.id"), index=True)
    idx: Mapped[int] = mapped_column(Integer)
    start: Mapped[int] = mapped_column(Integer)
    end: Mapped[int] = mapped_column(Integer)
    text: Mapped[str] = mapped_column(Text)


class EmbeddingModelRow(Base):
    """One vector set: every stored vector names the model and dimension that made it."""

    __tablename__ = "embedding_models"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String(300), unique=True)
    dimension: Mapped[int] = mapped_column(Integer)


class PassageVectorRow(Base):
    __tablename__ = "passage_vectors"

    passage_id: Mapped[int] = mapped_column(ForeignKey("passages.id"), primary_key=True)
    model_id: Mapped[int] = mapped_column(ForeignKey("embedding_models.id"), primary_key=True)
    vector: Mapped[bytes] = mapped_column(LargeBinary)


class ReportVectorRow(Base):
    __tablename__ = "report_vectors"

    report_id: Mapped[int] = mapped_column(ForeignKey("reports.id"), primary_key=True)
    model_id: Mapped[int] = mapped_column(ForeignKey("embedding_models.id"), primary_key=True)
    vector: Mapped[bytes] = mapped_column(LargeBinary)


class BatchRow(Base):
    """A unit of work a caller asked for (one CLI run, one POST /ingest): a set of jobs."""

    __tablename__ = "batches"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    kind: Mapped[str] = mapped_column(String(32))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())


class JobRow(Base):
    __tablename__ = "jobs"
    __table_args__ = (
        UniqueConstraint("batch_id", "key"),
        Index("ix_jobs_status_available", "status", "available_at"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    batch_id: Mapped[int | None] = mapped_column(ForeignKey("batches.id"), index=True)
    kind: Mapped[str] = mapped_column(String(32))
    key: Mapped[str] = mapped_column(String(2000))
    payload: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    status: Mapped[str] = mapped_column(String(16), default="queued")
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    available_at: Mapped[datetime] = mapped_column(UTCDateTime())
    lease_until: Mapped[datetime | None] = mapped_column(UTCDateTime())
    lease_owner: Mapped[str | None] = mapped_column(String(200))
    last_error: Mapped[str | None] = mapped_column(Text)
    outcome: Mapped[str | None] = mapped_column(String(32))
    article_id: Mapped[int | None] = mapped_column(ForeignKey("articles.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime())


class FailureRow(Base):
    __tablename__ = "failures"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    job_id: Mapped[int | None] = mapped_column(ForeignKey("jobs.id"), index=True)
    feed_id: Mapped[int | None] = mapped_column(ForeignKey("feeds.id"), index=True)
    url: Mapped[str] = mapped_column(String(2000))
    stage: Mapped[str] = mapped_column(String(32))
    reason: Mapped[str] = mapped_column(String(64), index=True)
    detail: Mapped[str] = mapped_column(Text, default="")
    duration_s: Mapped[float | None] = mapped_column(Float)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
