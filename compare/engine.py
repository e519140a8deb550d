"""The comparison engine behind /compare: same-event coverage, claims and divergences.

`EngineComparer.compare` reads the article's coverage (`compare.coverage`), aligns the event into
a claim graph kept per event version (`compare.workspaces`), and asks `comparison.divergences`
where the accounts part; the answer is a domain `Comparison`.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Protocol

from sqlalchemy.orm import Session, sessionmaker

from compare.coverage import MAX_COVERAGE, event_coverage, event_members, store_views
from compare.model import ArticleClaim, ClaimPassage, Comparison, Reprint
from compare.summary import summarize
from compare.workspaces import EventKey, EventWorkspaces, Members
from comparison.agreement import shared_share
from comparison.alignment import ClaimGraph, align_event
from comparison.divergences import compare_article
from comparison.model import ArticleView, Claim, PassageView
from comparison.one_sided import default_gate
from comparison.pair_cover import PairCover
from comparison.ranking import key_differences
from comparison.reprints import find_reprints, merge_divergences
from core.db.events import live_event
from core.db.schema import EventRow
from core.errors import NotFound
from ingest.service import IngestService

__all__ = ["Comparer", "ComparerFactory", "EngineComparer"]


class Comparer(Protocol):
    """The comparison engine as its callers see it. Both methods block (store reads, FAISS,
    model inference): the API calls them in a worker thread, never on the event loop."""

    @property
    def name(self) -> str:
        """Identifies the engine and its version in answers and cache keys."""
        ...

    def compare(self, article_id: int) -> Comparison:
        """One article's view of its event: coverage, claims, divergences.

        Raises `core.errors.NotFound` when no article has that id.
        """
        ...

    def event_claims(self, event_id: int) -> Sequence[ArticleClaim]:
        """The claim matrix of one event across its outlets (`passage` is left None).

        Raises `core.errors.NotFound` when no event has that id.
        """
        ...


ComparerFactory = Callable[[IngestService], Comparer]


class EngineComparer:
    name = "parallax-engine-14"

    def __init__(
        self,
        service: IngestService,
        *,
        index_version: Callable[[], str],
        kept_events: int = 256,
        max_articles: int = 60,
        cover: PairCover | None = None,
    ) -> None:
        self._sessions: sessionmaker[Session] = service.sessions
        self._events = service.events
        self._model = service.embedder.name
        self._index_version = index_version
        self._from_store = store_views(
            model_id=service.indexes.model_id, dimension=service.embedder.dimension
        )
        self._workspaces = EventWorkspaces(kept_events)
        self._max_articles = max_articles
        self._cover = cover
        self._gate = default_gate().for_model(self._model)

    def _views(
        self, session: Session, ids: Sequence[int], event: EventKey | None
    ) -> list[ArticleView]:
        return self._workspaces.views(
            event, ids, lambda missing: self._from_store(session, missing, event)
        )

    def _members(self, session: Session, key: EventKey) -> Members:
        return self._workspaces.members(key, lambda: event_members(session, key[0]))

    def compare(self, article_id: int) -> Comparison:
        # Answers are keyed by the store's event version, while the coverage's order and
        # confidences come from this process's event index: it catches up first, or an answer
        # made from a lagging index would stay cached (and shared through Redis) after it did.
        self._events.follow()
        with self._sessions() as session:
            coverage = event_coverage(
                session,
                self._events.index,
                article_id,
                load_views=self._views,
                load_members=self._members,
                limit=min(MAX_COVERAGE, self._max_articles - 1),
            )
        reprints = find_reprints(coverage.article, coverage.others)
        focus, *others = views = reprints.articles
        graph = self._workspaces.graph(coverage.event_key, views, align_event)
        divergences = tuple(
            merge_divergences(
                compare_article(focus, views, graph, gate=self._gate, cover=self._cover),
                reprints.divergences,
            )
        )
        claims = article_claims(focus, graph.claims_for(focus.article_id), graph, others)
        summary = summarize(focus.outlet, claims, divergences, shared_share(focus, views))
        return Comparison(
            article=coverage.as_article(),
            coverage=coverage.entries(reprints.sources),
            reprints=tuple(
                Reprint(source.article_id, reprint.article_id, edits)
                for source, reprint, edits in reprints.pairs
            ),
            claims=claims,
            divergences=divergences,
            summary=summary,
            model=self._model,
            index_version=self._index_version(),
            engine=self.name,
            key_differences=tuple(
                key_differences(
                    divergences, focus_outlet=focus.outlet, agreeing=summary.accounts_agree
                )
            ),
        )

    def event_claims(self, event_id: int) -> tuple[ArticleClaim, ...]:
        with self._sessions() as session:
            if session.get(EventRow, event_id) is None:
                raise NotFound(f"no event {event_id}")
            live = session.get(EventRow, live_event(session, event_id))
            assert live is not None
            key = (live.id, live.version)
            members = list(self._members(session, key))[: self._max_articles]
            views = self._views(session, members, key)
        graph = self._workspaces.graph(key, views, align_event)
        multi = [claim for claim in graph.claims() if len(claim.outlets()) > 1]
        return article_claims(None, multi, graph, views)


def article_claims(
    focus: ArticleView | None,
    claims: Sequence[Claim],
    graph: ClaimGraph,
    others: Sequence[ArticleView],
) -> tuple[ArticleClaim, ...]:
    """The claims as `focus` sees them: its own passage beside every other outlet's. A claim
    only `focus` makes is left out; without a focus every member is an "other"."""
    urls = {view.article_id: view.url for view in others}
    if focus is not None:
        urls[focus.article_id] = focus.url
    out: list[ArticleClaim] = []
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
            ArticleClaim(
                id=claim.claim_id,
                passage=own,
                others=tuple(
                    ClaimPassage(
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
                ),
            )
        )
    return tuple(out)


def _similarity(
    graph: ClaimGraph, own: PassageView | None, other: PassageView, fallback: float
) -> float:
    if own is None:
        return max(0.0, min(1.0, fallback))
    score = graph.score((own.article_id, own.index), (other.article_id, other.index))
    return max(0.0, min(1.0, score if score is not None else fallback))
