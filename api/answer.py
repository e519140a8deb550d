"""Rendering /compare answers: the comparison's part once, the request's part every time.

An answer is a view of the comparison (the same for every caller until the event changes) and
the request's status (ingested, pending, meta with timings). The view is rendered to JSON once
per form and kept with the cached comparison; each answer splices its status onto it, so a
cached answer costs a few hundred bytes of rendering however large the comparison.
"""

from __future__ import annotations

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


class PreparedAnswer:
    """A comparison and its views, each form rendered at most once."""

    __slots__ = ("_views", "comparison")

    def __init__(self, comparison: Comparison) -> None:
        self.comparison = comparison
        self._views: dict[Fields, bytes] = {}

    def is_rendered(self, fields: Fields) -> bool:
        return fields in self._views

    def view(self, fields: Fields) -> bytes:
        """The rendered view (a JSON object) for `fields`."""
        rendered = self._views.get(fields)
        if rendered is None:
            if fields == "full":
                rendered = self.comparison.model_dump_json(include=_VIEW_FIELDS).encode("utf-8")
            else:
                rendered = light_view(self.comparison).model_dump_json().encode("utf-8")
            self._views[fields] = rendered
        return rendered


def splice(view: bytes, status: AnswerStatus) -> bytes:
    """One JSON object: the view's members, then the status's."""
    tail = status.model_dump_json().encode("utf-8")
    return view[:-1] + b"," + tail[1:]


def light_view(comparison: ComparisonView) -> LightView:
    """The extension's view: offsets to highlight, counts and outlets, all bounded."""
    ranked = sorted(
        (item for item in comparison.divergences if item.passage is not None),
        key=lambda item: -item.confidence,
    )
    highlights = [
        Highlight(
            type=item.type,
            start=item.passage.start,
            end=item.passage.end,
            confidence=round(item.confidence, 3),
        )
        for item in ranked
        if item.passage is not None
    ]
    summary = SummaryOut(
        counts=comparison.summary.counts,
        agreeing_outlets=_names(comparison.summary.agreeing_outlets),
        diverging_outlets=_names(comparison.summary.diverging_outlets),
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
