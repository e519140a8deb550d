"""What the engine keeps of recently compared events: their article views and claim graphs.

Keyed by (event id, event version): a new article in an event bumps its version, so nothing
stale is ever served and no invalidation is needed; a new version retires the older ones. A later
comparison in the same event reads its articles from memory and reuses the claim graph, so its
cost is that of one article's divergences rather than of aligning the whole event again. When
the event has grown, the new version's graph extends the last version's (`ClaimGraph.extended`):
only the new articles are scored, so the claim graph stays current at the cost of the arrivals.
Views are read again for a new version (whether an article is a reprint can change), and so
is the event's membership, which only a new version changes.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field

from comparison.alignment import ClaimGraph
from comparison.model import ArticleView

__all__ = ["EventKey", "EventWorkspaces", "Members"]

EventKey = tuple[int, int]
"""(event id after merges, event version)."""


Members = Mapping[int, str | None]
"""An event's articles by id, with their languages."""


@dataclass(slots=True)
class _Workspace:
    members: Members | None = None
    views: dict[int, ArticleView] = field(default_factory=dict)
    graphs: dict[tuple[int, ...], ClaimGraph] = field(default_factory=dict)
    # The last version's graphs, until this version has one of its own.
    inherited: tuple[ClaimGraph, ...] = ()


class EventWorkspaces:
    """A thread-safe LRU of per-event workspaces; `size` 0 keeps nothing."""

    # A large event compared from different articles ranks different coverage sets, a graph
    # each. Only events larger than a comparison's coverage have more than one.
    MAX_GRAPHS_PER_EVENT = 16

    def __init__(self, size: int) -> None:
        self._size = size
        self._lock = threading.Lock()
        self._workspaces: OrderedDict[EventKey, _Workspace] = OrderedDict()

    def _workspace(self, key: EventKey) -> _Workspace:
        with self._lock:
            workspace = self._workspaces.get(key)
            if workspace is None:
                workspace = _Workspace(inherited=self._retire_older(key))
                if self._size:
                    self._workspaces[key] = workspace
                    while len(self._workspaces) > self._size:
                        self._workspaces.popitem(last=False)
            else:
                self._workspaces.move_to_end(key)
            return workspace

    def _retire_older(self, key: EventKey) -> tuple[ClaimGraph, ...]:
        """Drop the event's older versions; returns the latest one's graphs to build on."""
        event_id, version = key
        older = sorted(k for k in self._workspaces if k[0] == event_id and k[1] < version)
        if not older:
            return ()
        latest = self._workspaces[older[-1]]
        for stale in older:
            del self._workspaces[stale]
        return (*latest.graphs.values(), *latest.inherited)

    def members(self, key: EventKey, load: Callable[[], Members]) -> Members:
        """The event's articles and their languages, read once per event version."""
        workspace = self._workspace(key)
        members = workspace.members
        if members is None:
            members = workspace.members = load()
        return members

    def views(
        self,
        key: EventKey | None,
        ids: Sequence[int],
        load: Callable[[Sequence[int]], list[ArticleView]],
    ) -> list[ArticleView]:
        """The views of `ids` in that order, loading only those not kept yet."""
        if key is None:
            return load(ids)
        workspace = self._workspace(key)
        missing = [article_id for article_id in ids if article_id not in workspace.views]
        if missing:
            for view in load(missing):
                workspace.views[view.article_id] = view
        return [workspace.views[article_id] for article_id in ids if article_id in workspace.views]

    def graph(
        self,
        key: EventKey | None,
        views: Sequence[ArticleView],
        build: Callable[[Sequence[ArticleView]], ClaimGraph],
    ) -> ClaimGraph:
        """The claim graph of exactly these articles, built once per event version."""
        if key is None:
            return build(views)
        workspace = self._workspace(key)
        members = tuple(sorted(view.article_id for view in views))
        with self._lock:
            graph = workspace.graphs.get(members)
            known = (*workspace.graphs.values(), *workspace.inherited)
        if graph is None:
            base = _closest(known, members)
            graph = base.extended(views) if base is not None else build(views)
            # Claims are computed once, here, so that threads later only read the graph.
            graph.claims()
            with self._lock:
                if len(workspace.graphs) >= self.MAX_GRAPHS_PER_EVENT:
                    workspace.graphs.pop(next(iter(workspace.graphs)))
                workspace.graphs[members] = graph
                workspace.inherited = ()
        return graph


def _closest(graphs: Sequence[ClaimGraph], members: Sequence[int]) -> ClaimGraph | None:
    """The graph sharing the most articles with `members` (at least two), if any."""
    wanted = set(members)
    best = max(graphs, key=lambda graph: len(graph.article_ids & wanted), default=None)
    if best is None or len(best.article_ids & wanted) < 2:
        return None
    return best
