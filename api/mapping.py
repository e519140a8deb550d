"""From the service's domain objects to the API's schemas, and from requests to sources.

The only module that knows both sides: field names on the right are the public contract.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from api.schemas import (
    QUOTE_CONTEXT_CHARS,
    ArticleDetail,
    ArticleOut,
    ClaimOut,
    ClaimPassageOut,
    CompareByHtml,
    CompareByText,
    CompareRequest,
    Comparison,
    CounterpartOut,
    CoverageOut,
    DivergenceOut,
    EditOut,
    EventDetail,
    EventPage,
    EventSummary,
    JobFailure,
    JobOut,
    OutletOut,
    PassageOut,
    PendingCoverage,
    ReprintArticleOut,
    ReprintOut,
    SpanOut,
    SummaryOut,
)
from compare import model as domain
from compare.archive import ArticleRecord, EventRecord, OutletStats
from compare.archive import EventPage as DomainEventPage
from compare.archive import EventSummary as DomainEventSummary
from compare.refresh import PendingRefresh
from compare.resolve import ArticleSource, FromPage, FromText, FromUrl
from comparison.edits import Edit, Span
from comparison.model import Divergence, PassageView
from ingest.service import JobReport

__all__ = [
    "article_detail_out",
    "article_out",
    "article_source",
    "claim_out",
    "comparison_out",
    "coverage_out",
    "event_detail_out",
    "event_page_out",
    "job_out",
    "outlet_out",
    "pending_out",
]


def article_source(request: CompareRequest) -> ArticleSource:
    if isinstance(request, CompareByText):
        return FromText(
            text=request.text,
            title=request.title,
            outlet=request.outlet,
            published_at=request.published_at,
            url=None if request.url is None else str(request.url),
            shared=request.share,
        )
    if isinstance(request, CompareByHtml):
        return FromPage(url=str(request.url), html=request.html)
    return FromUrl(url=str(request.url))


QuoteContext = Mapping[int, tuple[str, str]]


def quote_context(passages: Sequence[PassageView]) -> QuoteContext:
    """Each passage's neighbours as TextQuoteSelector `prefix` and `suffix`, by passage id: the
    end of the passage before and the start of the one after."""
    ordered = sorted(passages, key=lambda passage: passage.index)
    context: dict[int, tuple[str, str]] = {}
    for position, passage in enumerate(ordered):
        before = ordered[position - 1].text[-QUOTE_CONTEXT_CHARS:] if position else ""
        after = (
            ordered[position + 1].text[:QUOTE_CONTEXT_CHARS] if position + 1 < len(ordered) else ""
        )
        context[passage.passage_id] = (before, after)
    return context


def passage_out(passage: PassageView, context: QuoteContext | None = None) -> PassageOut:
    prefix, suffix = (context or {}).get(passage.passage_id, ("", ""))
    return PassageOut(
        id=passage.passage_id,
        index=passage.index,
        start=passage.start,
        end=passage.end,
        text=passage.text,
        prefix=prefix,
        suffix=suffix,
    )


def article_out(article: domain.Article) -> ArticleOut:
    context = quote_context(article.passages)
    return ArticleOut(
        id=article.id,
        url=article.url,
        outlet=article.outlet,
        outlet_slug=article.outlet_slug,
        title=article.title,
        published_at=article.published_at,
        language=article.language,
        passages=[passage_out(p, context) for p in article.passages],
        verified=article.verified,
    )


def coverage_out(entry: domain.CoverageEntry) -> CoverageOut:
    return CoverageOut(
        article_id=entry.article_id,
        url=entry.url,
        outlet=entry.outlet,
        title=entry.title,
        published_at=entry.published_at,
        same_event_confidence=entry.same_event_confidence,
        wire_copy_of=entry.wire_copy_of,
        language=entry.language,
    )


def claim_out(claim: domain.ArticleClaim, context: QuoteContext | None = None) -> ClaimOut:
    return ClaimOut(
        id=claim.id,
        passage=passage_out(claim.passage, context) if claim.passage is not None else None,
        others=[
            ClaimPassageOut(
                article_id=other.article_id,
                outlet=other.outlet,
                url=other.url,
                passage_id=other.passage_id,
                start=other.start,
                end=other.end,
                text=other.text,
                similarity=other.similarity,
            )
            for other in claim.others
        ],
    )


def divergence_out(
    divergence: Divergence, comparison: domain.Comparison, context: QuoteContext
) -> DivergenceOut:
    return DivergenceOut(
        type=divergence.type,
        confidence=max(0.0, min(1.0, divergence.confidence)),
        importance=max(0.0, min(1.0, divergence.importance)),
        passage=(
            passage_out(divergence.passage, context) if divergence.passage is not None else None
        ),
        counterparts=[
            CounterpartOut(
                article_id=member.passage.article_id,
                outlet=member.outlet,
                url=comparison.url_of(member.passage.article_id),
                start=member.passage.start,
                end=member.passage.end,
                text=member.passage.text,
            )
            for member in divergence.counterparts
        ],
        evidence=divergence.evidence,
        explanation=divergence.explanation,
    )


def _span_out(span: Span | None) -> SpanOut | None:
    return SpanOut(start=span.start, end=span.end, text=span.text) if span is not None else None


def _reprint_article(comparison: domain.Comparison, article_id: int) -> ReprintArticleOut:
    if article_id == comparison.article.id:
        own = comparison.article
        return ReprintArticleOut(article_id=own.id, outlet=own.outlet, url=own.url)
    entry = next(item for item in comparison.coverage if item.article_id == article_id)
    return ReprintArticleOut(article_id=article_id, outlet=entry.outlet, url=entry.url)


def _edit_out(edit: Edit, source: ReprintArticleOut, reprint: ReprintArticleOut) -> EditOut:
    return EditOut(
        kind=edit.kind,
        source=_span_out(edit.source),
        reprint=_span_out(edit.copy),
        loaded=edit.loaded,
        explanation=edit.describe(source.outlet, reprint.outlet),
    )


def reprint_out(item: domain.Reprint, comparison: domain.Comparison) -> ReprintOut:
    source = _reprint_article(comparison, item.source_id)
    reprint = _reprint_article(comparison, item.reprint_id)
    return ReprintOut(
        source=source,
        reprint=reprint,
        unchanged=not item.edits,
        edits_from_source=[_edit_out(edit, source, reprint) for edit in item.edits],
    )


def summary_out(summary: domain.Summary) -> SummaryOut:
    return SummaryOut(
        counts=dict(summary.counts),
        agreeing_outlets=list(summary.agreeing_outlets),
        diverging_outlets=list(summary.diverging_outlets),
        shared=summary.shared,
        accounts_agree=summary.accounts_agree,
    )


def comparison_out(comparison: domain.Comparison) -> Comparison:
    context = quote_context(comparison.article.passages)
    return Comparison(
        article=article_out(comparison.article),
        coverage=[coverage_out(entry) for entry in comparison.coverage],
        reprints=[reprint_out(item, comparison) for item in comparison.reprints],
        claims=[claim_out(claim, context) for claim in comparison.claims],
        divergences=[divergence_out(item, comparison, context) for item in comparison.divergences],
        key_differences=[
            divergence_out(item, comparison, context) for item in comparison.key_differences
        ],
        summary=summary_out(comparison.summary),
        model=comparison.model,
        index_version=comparison.index_version,
        engine=comparison.engine,
    )


def _event_summary_out(summary: DomainEventSummary) -> EventSummary:
    return EventSummary(
        id=summary.id,
        title=summary.title,
        first_published_at=summary.first_published_at,
        last_published_at=summary.last_published_at,
        article_count=summary.article_count,
        outlets=list(summary.outlets),
        languages=list(summary.languages),
        version=summary.version,
    )


def event_page_out(page: DomainEventPage) -> EventPage:
    return EventPage(
        items=[_event_summary_out(item) for item in page.items],
        total=page.total,
        limit=page.limit,
        offset=page.offset,
        next_offset=page.next_offset,
    )


def event_detail_out(record: EventRecord, claims: Sequence[domain.ArticleClaim]) -> EventDetail:
    return EventDetail(
        **_event_summary_out(record.summary).model_dump(),
        coverage=[coverage_out(entry) for entry in record.coverage],
        claims=[claim_out(claim) for claim in claims],
    )


def article_detail_out(record: ArticleRecord) -> ArticleDetail:
    return ArticleDetail(
        **article_out(record.article).model_dump(),
        canonical_url=record.canonical_url,
        authors=list(record.authors),
        event_id=record.event_id,
        text=record.text,
        fetched_at=record.fetched_at,
    )


def outlet_out(stats: OutletStats) -> OutletOut:
    outlet = stats.outlet
    return OutletOut(
        slug=outlet.slug,
        name=outlet.name,
        domains=list(outlet.domains),
        language=outlet.language,
        country=outlet.country,
        kind=outlet.kind,
        leaning=outlet.leaning,
        feeds=stats.feeds,
        articles=stats.articles,
    )


def job_out(report: JobReport) -> JobOut:
    status = report.status
    return JobOut(
        id=status.id,
        kind=status.kind,
        status="finished" if status.finished else "pending",
        created_at=status.created_at,
        counts={str(key): int(value) for key, value in status.counts.items()},
        outcomes=status.outcomes,
        failures=[
            JobFailure(url=item.url, stage=item.stage, reason=item.reason, detail=item.detail)
            for item in report.failures
        ],
    )


def pending_out(pending: PendingRefresh) -> PendingCoverage:
    return PendingCoverage(
        job_id=pending.batch_id,
        poll=f"/jobs/{pending.batch_id}",
        retry_after=pending.retry_after,
    )
