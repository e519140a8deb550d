"""The comparison engine behind /compare: same-event coverage, claims and divergences."""

from __future__ import annotations

from collections.abc import Callable, Sequence

from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from api.queries import build_summary
from api.schemas import (
    ArticleOut,
    ClaimOut,
    ClaimPassageOut,
    Comparison,
    CounterpartOut,
    CoverageOut,
    DivergenceOut,
    PassageOut,
)
from comparison.alignment import ClaimGraph, align_event
from comparison.divergences import compare_article
from comparison.model import ArticleView, Claim, Divergence, PassageView
from comparison.store_views import load_articles
from core.db.events import live_event
from core.db.schema import ArticleRow, EventRow
from core.errors import NotFound
from ingest.service import IngestService

MAX_COVERAGE = 24
# Inside one event, mutual best matches already exclude most unrelated pairs, so the claim
# threshold sits below the MRPC-calibrated one (whose negatives are near-paraphrases).
EVENT_ALIGN_THRESHOLD = 0.2
EVENT_COVER_THRESHOLD = 0.6


def _passage_out(passage: PassageView) -> PassageOut:
    return PassageOut(
        id=passage.passage_id,
        index=passage.index,
        start=passage.start,
        end=passage.end,
        text=passage.text,
    )


def _event_members(session: Session, event_id: int) -> list[int]:
    return list(
        session.scalars(
            select(ArticleRow.id).where(ArticleRow.event_id == event_id).order_by(ArticleRow.id)
        ).all()
    )


class EngineComparer:
    name = "parallax-engine-1"

    def __init__(self, service: IngestService, *, index_version: Callable[[], str]) -> None:
        self._sessions: sessionmaker[Session] = service.sessions
        self._events = service.events
        self._model_id = service.indexes.model_id
        self._dimension = service.embedder.dimension
        self._model = service.embedder.name
        self._index_version = index_version

    def _views(self, session: Session, ids: Sequence[int]) -> list[ArticleView]:
        return load_articles(session, ids, model_id=self._model_id, dimension=self._dimension)

    def compare(self, article_id: int) -> Comparison:
        with self._sessions() as session:
            row = session.get(ArticleRow, article_id)
            if row is None:
                raise NotFound(f"no article {article_id}")
            members = (
                _event_members(session, live_event(session, row.event_id))
                if row.event_id is not None
                else [article_id]
            )
            language, slug = row.language, None
            features = self._events.index.features(article_id)
            matches = (
                self._events.index.score(features, [m for m in members if m != article_id])
                if features is not None
                else []
            )
            confidence = {match.article_id: match.same_event_confidence for match in matches}
            ranked = sorted(
                (m for m in members if m != article_id),
                key=lambda m: -confidence.get(m, 0.0),
            )[:MAX_COVERAGE]
            views = self._views(session, [article_id, *ranked])
            languages = dict(
                session.execute(
                    select(ArticleRow.id, ArticleRow.language).where(ArticleRow.id.in_(ranked))
                ).all()
            )
        focus, others = views[0], views[1:]
        graph = align_event(views, threshold=EVENT_ALIGN_THRESHOLD)
        divergences = compare_article(focus, views, graph, cover_threshold=EVENT_COVER_THRESHOLD)
        claims = self._claims_out(focus, graph.claims_for(focus.article_id), graph, others)
        divergence_out = [_divergence_out(divergence, others) for divergence in divergences]
        article = ArticleOut(
            id=focus.article_id,
            url=focus.url,
            outlet=focus.outlet,
            outlet_slug=slug,
            title=focus.title,
            published_at=focus.published_at,
            language=language,
            passages=[_passage_out(p) for p in focus.passages],
        )
        coverage = [
            CoverageOut(
                article_id=view.article_id,
                url=view.url,
                outlet=view.outlet,
                title=view.title,
                published_at=view.published_at,
                same_event_confidence=round(confidence.get(view.article_id, 0.0), 4),
                wire_copy_of=view.wire_copy_of,
                language=languages.get(view.article_id),
            )
            for view in others
        ]
        return Comparison(
            article=article,
            coverage=coverage,
            claims=claims,
            divergences=divergence_out,
            summary=build_summary(focus.outlet, claims, divergence_out),
            model=self._model,
            index_version=self._index_version(),
            engine=self.name,
        )

    def _claims_out(
        self,
        focus: ArticleView | None,
        claims: Sequence[Claim],
        graph: ClaimGraph,
        others: Sequence[ArticleView],
    ) -> list[ClaimOut]:
        urls = {view.article_id: view.url for view in others}
        if focus is not None:
            urls[focus.article_id] = focus.url
        out: list[ClaimOut] = []
        for claim in claims:
            own = next(
                (
                    m.passage
                    for m in claim.members
                    if focus is not None and m.passage.article_id == focus.article_id
                ),
                None,
            )
            members = [
                m for m in claim.members if own is None or m.passage.article_id != own.article_id
            ]
            if own is not None and not members:
                continue
            out.append(
                ClaimOut(
                    id=claim.claim_id,
                    passage=_passage_out(own) if own is not None else None,
                    others=[
                        ClaimPassageOut(
                            article_id=m.passage.article_id,
                            outlet=m.outlet,
                            url=urls.get(m.passage.article_id, ""),
                            passage_id=m.passage.passage_id,
                            start=m.passage.start,
                            end=m.passage.end,
                            text=m.passage.text,
                            similarity=round(_similarity(graph, own, m.passage, m.similarity), 4),
                        )
                        for m in members
                    ],
                )
            )
        return out

    def event_claims(self, event_id: int) -> list[ClaimOut]:
        with self._sessions() as session:
            if session.get(EventRow, event_id) is None:
                raise NotFound(f"no event {event_id}")
            views = self._views(session, _event_members(session, live_event(session, event_id)))
        graph = align_event(views, threshold=EVENT_ALIGN_THRESHOLD)
        multi = [claim for claim in graph.claims() if len(claim.outlets()) > 1]
        return self._claims_out(None, multi, graph, views)


def _similarity(
    graph: ClaimGraph, own: PassageView | None, other: PassageView, fallback: float
) -> float:
    if own is None:
        return max(0.0, min(1.0, fallback))
    score = graph.score((own.article_id, own.index), (other.article_id, other.index))
    return max(0.0, min(1.0, score if score is not None else fallback))


def _divergence_out(divergence: Divergence, others: Sequence[ArticleView]) -> DivergenceOut:
    urls = {view.article_id: view.url for view in others}
    return DivergenceOut(
        type=divergence.type,
        confidence=max(0.0, min(1.0, divergence.confidence)),
        passage=_passage_out(divergence.passage) if divergence.passage is not None else None,
        counterparts=[
            CounterpartOut(
                article_id=member.passage.article_id,
                outlet=member.outlet,
                url=urls.get(member.passage.article_id, ""),
                start=member.passage.start,
                end=member.passage.end,
                text=member.passage.text,
            )
            for member in divergence.counterparts
        ],
        evidence=divergence.evidence,
        explanation=divergence.explanation,
    )
