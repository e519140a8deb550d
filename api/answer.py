"""Rendering /compare answers: the comparison's part once, the request's part every time.

An answer is a view of the comparison (the same for every caller until the event changes) and
the request's status (ingested, pending, meta with timings). Both forms of the view are rendered
to JSON once, when the comparison is made, and kept in the cache with the few facts a request
needs; each answer splices its status onto a view, so a cached answer costs a few hundred bytes
of rendering however large the comparison. The comparison's objects are not kept: they take
about four times the memory of its JSON.
"""

from __future__ import annotations

from dataclasses import dataclass

from api.schemas import (
    AnswerStatus,
    ArticleBrief,
    Comparison,
    ComparisonView,
    Fields,
    Highlight,
    LightView,
    SummaryOut,
)

LIGHT_FORM_MAX_BYTES = 5000
# The status spliced onto a light view (meta with one timing, maybe a pending refresh) stays
# well under this; the view keeps to the rest.
LIGHT_STATUS_ROOM = 1000

_VIEW_FIELDS = set(ComparisonView.model_fields)


@dataclass(frozen=True, slots=True)
class AnswerFacts:
    """What a request needs of a comparison besides its views.

    `other_outlets`: the coverage's outlets other than the article's own (a covering article
    without an outlet counts as an outlet of its own).
    """

    article_id: int
    article_url: str
    other_outlets: frozenset[str]
    has_coverage: bool
    model: str
    index_version: str
    engine: str

    @classmethod
    def of(cls, comparison: Comparison) -> AnswerFacts:
        own = comparison.article.outlet
        others = {item.outlet or f"article:{item.article_id}" for item in comparison.coverage}
        return cls(
            article_id=comparison.article.id,
            article_url=comparison.article.url,
            other_outlets=frozenset(others - {own}),
            has_coverage=bool(comparison.coverage),
            model=comparison.model,
            index_version=comparison.index_version,
            engine=comparison.engine,
        )


class PreparedAnswer:
    """A comparison's facts and both forms of its view, rendered when it is prepared.

    Rendering a full view can take milliseconds for a large event: prepare answers off the
    event loop.
    """

    __slots__ = ("_views", "facts")

    def __init__(self, comparison: Comparison) -> None:
        self.facts = AnswerFacts.of(comparison)
        self._views: dict[Fields, bytes] = {
            "full": comparison.model_dump_json(include=_VIEW_FIELDS).encode("utf-8"),
            "summary": light_view(comparison).model_dump_json().encode("utf-8"),
        }

    @classmethod
    def restored(cls, facts: AnswerFacts, views: dict[Fields, bytes]) -> PreparedAnswer:
        """An answer prepared elsewhere (another process), from its facts and rendered views."""
        answer = cls.__new__(cls)
        answer.facts = facts
        answer._views = views
        return answer

    def view(self, fields: Fields) -> bytes:
        """The rendered view (a JSON object) for `fields`."""
        return self._views[fields]


def splice(view: bytes, status: AnswerStatus) -> bytes:
    """One JSON object: the view's members, then the status's."""
    tail = status.model_dump_json().encode("utf-8")
    return view[:-1] + b"," + tail[1:]


def light_view(comparison: ComparisonView) -> LightView:
    """The extension's view: the key differences' offsets to highlight, counts and outlets,
    all bounded."""
    # Only what is worth a reader's attention: the key differences on this article's text.
    highlights = [
        Highlight(
            type=item.type,
            start=item.passage.start,
            end=item.passage.end,
            confidence=round(item.confidence, 3),
            explanation=item.explanation[:300],
            exact=item.passage.text[:600],
            prefix=item.passage.prefix,
            suffix=item.passage.suffix,
        )
        for item in comparison.key_differences
        if item.passage is not None
    ]
    summary = SummaryOut(
        counts=comparison.summary.counts,
        agreeing_outlets=_names(comparison.summary.agreeing_outlets),
        diverging_outlets=_names(comparison.summary.diverging_outlets),
        shared=comparison.summary.shared,
        accounts_agree=comparison.summary.accounts_agree,
    )
    article = ArticleBrief(
        id=comparison.article.id,
        url=comparison.article.url[:2000],
        outlet=comparison.article.outlet[:200],
        title=comparison.article.title[:300],
    )
    outlets = _names(sorted({item.outlet for item in comparison.coverage if item.outlet}))
    light = LightView(
        article=article,
        coverage_count=len(comparison.coverage),
        outlets=outlets,
        summary=summary,
        highlights=highlights,
    )
    # Highlights go first, least confident first; names and a very long URL only in extremes.
    while not _fits(light) and light.highlights:
        light.highlights = light.highlights[: len(light.highlights) // 2]
    if not _fits(light):
        light.article.url = light.article.url[:300]
        light.outlets = light.outlets[:3]
        light.summary.agreeing_outlets = light.summary.agreeing_outlets[:3]
        light.summary.diverging_outlets = light.summary.diverging_outlets[:3]
    return light


def _names(names: list[str]) -> list[str]:
    return [name[:100] for name in names[:20]]


def _fits(light: LightView) -> bool:
    return len(light.model_dump_json()) <= LIGHT_FORM_MAX_BYTES - LIGHT_STATUS_ROOM
