"""The API's request and response bodies. Field names here are the public contract."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated, Literal

from pydantic import (
    AfterValidator,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Discriminator,
    Field,
    Tag,
)

from comparison.edits import EditKind
from comparison.model import DIVERGENCE_TYPES, DivergenceType
from ingest.urls import MAX_URL_LENGTH


def as_utc(value: datetime | None) -> datetime | None:
    """The timestamp in UTC (a naive one is read as UTC: the store refuses naive datetimes)."""
    if value is None:
        return None
    if value.tzinfo is None:
        return value.replace(tzinfo=UTC)
    try:
        return value.astimezone(UTC)
    except OverflowError:
        # 9999-12-31T23:59:59-14:00 is year 10000 in UTC, 0001-01-01T00:00:00+14:00 year 0.
        raise ValueError("the date-time is out of range once converted to UTC") from None


def _no_epoch_numbers(value: object) -> object:
    # Lax pydantic reads 1700000000 or "0.5" as a datetime; the contract is RFC 3339 text only.
    if isinstance(value, int | float) or (isinstance(value, str) and _is_number(value)):
        raise ValueError("expected an RFC 3339 date-time such as 2018-07-22T09:00:00Z")
    return value


def _is_number(text: str) -> bool:
    try:
        float(text)
    except ValueError:
        return False
    return True


Url = Annotated[
    str, Field(min_length=1, max_length=MAX_URL_LENGTH, examples=["https://news.example/a"])
]
Timestamp = Annotated[datetime | None, BeforeValidator(_no_epoch_numbers), AfterValidator(as_utc)]


class _Input(BaseModel):
    model_config = ConfigDict(extra="forbid")


# --- /compare requests -------------------------------------------------------------------


class CompareByUrl(_Input):
    """Compare the article at a URL; it is fetched (safely) unless already stored."""

    url: Url

    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={"examples": [{"url": "https://news.example/world/evacuation"}]},
    )


class CompareByHtml(_Input):
    """Compare a page as the reader's browser has it: the answer needs no fetch."""

    url: Url
    html: str = Field(min_length=1, description="The page's HTML.")

    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {
                    "url": "https://news.example/world/evacuation",
                    "html": "<html><body><article><h1>…</h1><p>…</p></article></body></html>",
                }
            ]
        },
    )


class CompareByText(_Input):
    """Compare an article's text; `url` is optional (a stable one is made from the text)."""

    text: str = Field(
        min_length=1, description="The article's text, paragraphs split by blank lines."
    )
    title: str = Field(default="", max_length=2000)
    outlet: str | None = Field(default=None, max_length=200, description="Outlet slug or name.")
    published_at: Timestamp = None
    url: Url | None = None
    share: bool = Field(
        default=False,
        description=(
            "Add the text to the shared archive as the outlet's article (callers with an API "
            "key only); otherwise it serves this comparison and no one else's coverage."
        ),
    )

    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {
                    "text": "Israel evacuated 422 people to Jordan overnight.\n\nOfficials said…",
                    "title": "Evacuation to Jordan",
                    "outlet": "dailyledger",
                    "published_at": "2018-07-22T09:00:00Z",
                }
            ]
        },
    )


def _compare_kind(body: object) -> str:
    # The form is chosen by the fields sent, so an error names the field that is wrong
    # rather than one the caller never meant to send.
    if isinstance(body, BaseModel):
        return type(body).__name__
    if isinstance(body, dict):
        if "text" in body:
            return "CompareByText"
        if "html" in body:
            return "CompareByHtml"
    return "CompareByUrl"


CompareRequest = Annotated[
    Annotated[CompareByUrl, Tag("CompareByUrl")]
    | Annotated[CompareByHtml, Tag("CompareByHtml")]
    | Annotated[CompareByText, Tag("CompareByText")],
    Discriminator(_compare_kind),
]
Fields = Literal["full", "summary"]


# --- the comparison ----------------------------------------------------------------------


QUOTE_CONTEXT_CHARS = 32


class PassageOut(BaseModel):
    id: int
    index: int
    start: int = Field(description="Offset in the article text: `text[start:end]`.")
    end: int
    text: str
    prefix: str = Field(
        default="",
        description=(
            "The end of the passage before (W3C TextQuoteSelector `prefix`): with `text` as "
            "`exact`, it finds the passage in a page whose offsets differ from the extracted text."
        ),
    )
    suffix: str = Field(default="", description="The start of the passage after.")


class ArticleOut(BaseModel):
    id: int
    url: str
    outlet: str
    outlet_slug: str | None = None
    title: str
    published_at: datetime | None
    language: str | None
    passages: list[PassageOut] = Field(default_factory=list)
    verified: bool = Field(
        default=True,
        description=(
            "False for a page or text a caller sent, which the service has not fetched itself: "
            "it serves that caller's comparison and is no one else's coverage."
        ),
    )


class CoverageOut(BaseModel):
    article_id: int
    url: str
    outlet: str
    title: str
    published_at: datetime | None
    same_event_confidence: float = Field(ge=0.0, le=1.0)
    wire_copy_of: int | None = Field(
        default=None, description="The article this one reprints (same wire text), if any."
    )
    language: str | None = None


class ClaimPassageOut(BaseModel):
    article_id: int
    outlet: str
    url: str
    passage_id: int
    start: int
    end: int
    text: str
    similarity: float


class ClaimOut(BaseModel):
    """One claim: this article's passage (if it makes the claim) beside every other outlet's."""

    id: int
    passage: PassageOut | None
    others: list[ClaimPassageOut]


class CounterpartOut(BaseModel):
    article_id: int
    outlet: str
    url: str
    start: int
    end: int
    text: str


class DivergenceOut(BaseModel):
    type: DivergenceType
    confidence: float = Field(
        ge=0.0,
        le=1.0,
        description=(
            "How often an item of this type was right and worth showing when editors judged "
            "real answers (docs/comparison.md, the judged set)."
        ),
    )
    importance: float = Field(
        default=0.0, ge=0.0, le=1.0, description="How much it changes a reader's picture."
    )
    passage: PassageOut | None = Field(description="This article's passage; absent for omissions.")
    counterparts: list[CounterpartOut]
    evidence: dict[str, str | list[str]] = Field(default_factory=dict)
    explanation: str = ""


class SpanOut(BaseModel):
    start: int = Field(description="Offset in the article text: `text[start:end]`.")
    end: int
    text: str


class EditOut(BaseModel):
    """One change from the source's text to the reprint's."""

    kind: EditKind = Field(
        description=(
            "figure, negation, attribution (a reporting verb or hedge), wording, "
            "sentence_removed or sentence_added."
        )
    )
    source: SpanOut | None = Field(
        description="In the source's text; absent for an added sentence."
    )
    reprint: SpanOut | None = Field(
        description="In the reprint's text; absent for a removed sentence. Empty where words were "
        "removed: it marks where."
    )
    loaded: bool = Field(
        default=False, description="A wording change whose new words are loaded or scare-quoted."
    )
    explanation: str = ""


class ReprintArticleOut(BaseModel):
    article_id: int
    outlet: str
    url: str


class ReprintOut(BaseModel):
    """This article and its source, or this article and one of its reprints: one text published
    twice, the source being the first to publish it."""

    source: ReprintArticleOut
    reprint: ReprintArticleOut
    unchanged: bool = Field(description="The reprint carries the source's text without edits.")
    edits_from_source: list[EditOut]


def _zero_counts() -> dict[str, int]:
    return dict.fromkeys(DIVERGENCE_TYPES, 0)


class SummaryOut(BaseModel):
    counts: dict[str, int] = Field(
        default_factory=_zero_counts, description="Divergences per type (every type listed)."
    )
    agreeing_outlets: list[str] = Field(default_factory=list)
    diverging_outlets: list[str] = Field(default_factory=list)
    shared: float = Field(
        default=0.0,
        ge=0.0,
        le=1.0,
        description=(
            "The share of the other outlets' passages this article states too (cosine 0.6 or "
            "more with one of its passages)."
        ),
    )
    accounts_agree: bool = Field(
        default=False,
        description=(
            "The article states much of what the others report and differs from it in few "
            "places (`shared` at 0.1 plus 0.15 for each divergence, or more): no difference "
            "leads the answer but a reprint's edits; `divergences` still lists all."
        ),
    )


class ComparisonView(BaseModel):
    """The part of a full /compare answer that depends only on the comparison."""

    article: ArticleOut
    key_differences: list[DivergenceOut] = Field(
        default_factory=list,
        description=(
            "At most five divergences, ranked by how much they change a reader's picture, each "
            "explained in one sentence that names the outlets and quotes both sides; empty when "
            "the accounts agree. Each is also listed in `divergences`."
        ),
    )
    coverage: list[CoverageOut]
    reprints: list[ReprintOut] = Field(
        default_factory=list,
        description=(
            "Where this article reprints another's text, or another reprints this one: the "
            "source and what the reprint changed, with offsets in both texts."
        ),
    )
    claims: list[ClaimOut]
    divergences: list[DivergenceOut]
    summary: SummaryOut


class Comparison(ComparisonView):
    """What a `Comparer` returns for one article; the API adds ingest, pending and meta."""

    model: str = Field(description="The embedding model behind the comparison.")
    index_version: str = Field(description="Identifies the index state the comparison used.")
    engine: str = Field(description="Which comparison engine produced this answer.")


CoverageStatus = Literal["found", "pending"]


class PendingCoverage(BaseModel):
    job_id: int = Field(description="The feed refresh; poll GET /jobs/{job_id}.")
    poll: str = Field(examples=["/jobs/12"])
    retry_after: int = Field(description="Seconds to wait before asking /compare again.")


class MetaOut(BaseModel):
    model: str
    index_version: str
    engine: str
    cached: bool
    timings_ms: dict[str, float]


class AnswerStatus(BaseModel):
    """The part of a /compare answer that belongs to the request, in both forms."""

    ingested: bool = Field(description="True when this request added the article to the archive.")
    coverage_status: CoverageStatus
    pending: PendingCoverage | None = Field(
        default=None, description="Set when more coverage is being fetched: when to ask again."
    )
    meta: MetaOut


class CompareResponse(AnswerStatus, ComparisonView):
    """The full answer: the comparison, then the request's status."""


class ArticleBrief(BaseModel):
    id: int
    url: str
    outlet: str
    title: str


class Highlight(BaseModel):
    """A key difference on the article's own text (omissions have none to highlight)."""

    type: DivergenceType
    start: int
    end: int
    confidence: float
    explanation: str = ""
    exact: str = Field(default="", description="The passage's text (TextQuoteSelector `exact`).")
    prefix: str = ""
    suffix: str = ""


class LightView(BaseModel):
    """The part of the light form that depends only on the comparison."""

    article: ArticleBrief
    coverage_count: int
    outlets: list[str]
    summary: SummaryOut
    highlights: list[Highlight]


class CompareSummaryResponse(AnswerStatus, LightView):
    """The light form (`fields=summary`) for extensions: under 5 KB."""


# --- browse ------------------------------------------------------------------------------


class ArticleDetail(ArticleOut):
    canonical_url: str
    authors: list[str]
    event_id: int | None
    text: str
    fetched_at: datetime


class OutletOut(BaseModel):
    slug: str
    name: str
    domains: list[str]
    language: str
    country: str
    kind: str
    leaning: str
    feeds: int
    articles: int


class EventSummary(BaseModel):
    id: int
    title: str
    first_published_at: datetime | None
    last_published_at: datetime | None
    article_count: int
    outlets: list[str]
    languages: list[str]
    version: int


class EventPage(BaseModel):
    items: list[EventSummary]
    total: int
    limit: int
    offset: int
    next_offset: int | None


class EventDetail(EventSummary):
    coverage: list[CoverageOut]
    claims: list[ClaimOut] = Field(description="The claim matrix across outlets.")


# --- ingest ------------------------------------------------------------------------------


class IngestUrls(_Input):
    urls: list[Url] = Field(
        min_length=1, description="At most `PARALLAX_MAX_INGEST_URLS` (500 by default)."
    )

    model_config = ConfigDict(
        extra="forbid", json_schema_extra={"examples": [{"urls": ["https://news.example/a"]}]}
    )


class IngestFeeds(_Input):
    feeds: list[Annotated[str, Field(min_length=1, max_length=100)]] = Field(
        max_length=1000, description="Outlet slugs whose feeds to poll; empty polls every feed."
    )

    model_config = ConfigDict(
        extra="forbid", json_schema_extra={"examples": [{"feeds": ["dailyledger"]}]}
    )


IngestRequest = IngestUrls | IngestFeeds


class OutletIn(_Input):
    """An outlet for the service to follow: its articles are attributed to it by the domain of
    its homepage, and its feeds are polled like the registry's."""

    name: str = Field(min_length=1, max_length=200)
    homepage: Url = Field(description="Its articles are matched by this address's domain.")
    feeds: list[Url] = Field(
        min_length=1, description="RSS or Atom feeds, at most `PARALLAX_MAX_OUTLET_FEEDS`."
    )
    slug: str | None = Field(
        default=None,
        pattern=r"^[a-z0-9][a-z0-9-]{0,99}$",
        description="Its name in `/ingest` and filters; made from the name when left out.",
    )
    language: str = Field(default="en", min_length=2, max_length=16)
    country: str = Field(default="", max_length=8)

    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {
                    "name": "Harbour City Herald",
                    "homepage": "https://herald.example/",
                    "feeds": ["https://herald.example/rss.xml"],
                }
            ]
        },
    )


class JobFailure(BaseModel):
    url: str
    stage: str
    reason: str = Field(description="A stable error code, e.g. `fetch-timeout`.")
    detail: str


class JobAccepted(BaseModel):
    job_id: int
    status_url: str
    queued: int


class JobOut(BaseModel):
    id: int
    kind: str
    status: Literal["pending", "finished"]
    created_at: datetime
    counts: dict[str, int] = Field(description="Jobs by state: queued, running, done, failed.")
    outcomes: dict[str, int] = Field(description="Finished jobs by outcome (ingested, …).")
    failures: list[JobFailure]


# --- operations and errors ---------------------------------------------------------------


class Health(BaseModel):
    status: Literal["ok"]


class Readiness(BaseModel):
    status: Literal["ready"]
    model: str
    articles: int
    pending_jobs: int


class Problem(BaseModel):
    """RFC 9457 problem details; `type` is stable per case."""

    model_config = ConfigDict(extra="allow")

    type: str = Field(examples=["https://parallax.example/problems/refused-address"])
    title: str
    status: int
    detail: str
    instance: str
