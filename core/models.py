"""Typed domain objects shared by every package."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime


@dataclass(frozen=True, slots=True)
class Outlet:
    slug: str
    name: str
    domains: tuple[str, ...]
    feeds: tuple[str, ...] = ()
    language: str = "en"
    country: str = ""
    kind: str = ""
    leaning: str = ""


@dataclass(frozen=True, slots=True)
class FetchedPage:
    """A response body that passed every fetch check, decoded to text."""

    url: str
    final_url: str
    status: int
    content_type: str
    text: str
    encoding: str
    etag: str | None = None
    last_modified: str | None = None
    not_modified: bool = False
    content: bytes = b""


@dataclass(frozen=True, slots=True)
class ExtractedArticle:
    url: str
    canonical_url: str
    title: str
    text: str
    authors: tuple[str, ...] = ()
    published_at: datetime | None = None
    site_name: str | None = None
    language: str | None = None


@dataclass(frozen=True, slots=True)
class PassageSpan:
    """One passage of an article: `article_text[start:end] == text`, always."""

    index: int
    start: int
    end: int
    text: str


@dataclass(frozen=True, slots=True)
class FeedEntry:
    url: str
    title: str | None = None
    published_at: datetime | None = None


@dataclass(frozen=True, slots=True)
class ArticleInput:
    """An article handed to the pipeline with its text already known (JSONL, pasted page)."""

    url: str
    text: str
    title: str = ""
    outlet: str | None = None
    published_at: datetime | None = None
    authors: tuple[str, ...] = ()
    language: str | None = None
    extra: dict[str, str] = field(default_factory=dict)
