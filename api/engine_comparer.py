"""The comparison engine behind /compare: same-event coverage, claims and divergences."""

from __future__ import annotations

from collections.abc import Callable, Sequence

from sqlalchemy.orm import Session, sessionmaker

from api.coverage import event_coverage, event_members, passage_out, store_views
from api.event_workspace import EventKey, EventWorkspaces, Members
from api.queries import build_summary
from api.schemas import (
    ClaimOut,
    ClaimPassageOut,
    Comparison,
    CounterpartOut,
    DivergenceOut,
)
from comparison.alignment import ClaimGraph, align_event
from comparison.divergences import compare_article
from comparison.model import ArticleView, Claim, Divergence, PassageView
from core.db.events import live_event
from core.db.schema import EventRow
from core.errors import NotFound
from ingest.service import IngestService


class EngineComparer:
    name = "parallax-engine-1"

    def __init__(
        self,
        service: IngestService,
        *,
        index_version: Callable[[], str],
        kept_events: int = 256,
    ) -> None:
        self._sessions: sessionmaker[Session] = service.sessions
        self._events = service.events
        self._model = service.embedder.name
        self._index_version = index_version
        self._from_store = store_views(
            model_id=service.indexes.model_id, dimension=service.embedder.dimension
        )
        self._workspaces = EventWorkspaces(kept_events)

    def _views(
        self, session: Session, ids: Sequence[int], event: EventKey | None
    ) -> list[ArticleView]:
        return self._workspaces.views(
            event, ids, lambda missing: self._from_store(session, missing, event)
        )

    def _members(self, session: Session, key: EventKey) -> Members:
        return self._workspaces.members(key, lambda: event_members(session, key[0]))

    def compare(self, article_id: int) -> Comparison:
        with self._sessions() as session:
            coverage = event_coverage(
                session,
                self._events.index,
                article_id,
                load_views=self._views,
                load_members=self._members,
            )
        focus, others = coverage.article, coverage.others
        views = [focus, *others]
        graph = self._workspaces.graph(coverage.event_key, views, _align)
        divergences = compare_article(focus, views, graph)
        claims = self._claims_out(focus, graph.claims_for(focus.article_id), graph, others)
        divergence_out = [_divergence_out(divergence, others) for divergence in divergences]
        return Comparison(
            article=coverage.article_out(),
            coverage=coverage.entries(),
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
                    passage=passage_out(own) if own is not None else None,
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
            live = session.get(EventRow, live_event(session, event_id))
            assert live is not None
            key = (live.id, live.version)
            views = self._views(session, list(self._members(session, key)), key)
        graph = self._workspaces.graph(key, views, _align)
        multi = [claim for claim in graph.claims() if len(claim.outlets()) > 1]
        return self._claims_out(None, multi, graph, views)


def _align(views: Sequence[ArticleView]) -> ClaimGraph:
    return align_event(views)


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
        passage=passage_out(divergence.passage) if divergence.passage is not None else None,
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
