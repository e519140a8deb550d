"""Events, formed incrementally: each arriving article joins an event or starts one.

DB-free: the assigner works on article ids, outlets, times and scored matches, so the pipeline
can persist its decisions (`Assignment`) and rebuild the state from the store. Wire copies (one
report republished by several outlets) are grouped so an event counts independent reports
separately from reprints.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime

from comparison.evidence import Evidence

__all__ = [
    "JOIN_THRESHOLD",
    "LINKAGE_SAMPLE",
    "LINKAGE_THRESHOLD",
    "MERGE_THRESHOLD",
    "MOVE_CONFIDENCE",
    "MOVE_MARGIN",
    "SUPPORT_CONFIDENCE",
    "SUPPORT_REPORTS",
    "Assignment",
    "EventAssigner",
    "EventSummary",
    "MemberScorer",
    "PairScorer",
    "find_wire_original",
    "is_wire_copy",
]

# With average linkage deciding, the best single match only pre-selects candidate events.
JOIN_THRESHOLD = 0.6
MERGE_THRESHOLD = 0.95
LINKAGE_THRESHOLD = 0.6
LINKAGE_SAMPLE = 32
# An event that has absorbed a same-kind neighbour averages low against a true newcomer; so
# many independent reports matching this confidently still place it there.
SUPPORT_CONFIDENCE = 0.9
SUPPORT_REPORTS = 3
# The first report of an event has no report of its own event to compare with, so it can join a
# related story's event on a confident link. When a later arrival matches it this confidently
# and it links the arrival's event better by this margin than its own, it moves there.
MOVE_CONFIDENCE = 0.95
MOVE_MARGIN = 0.1
WIRE_IDENTICAL_SHARE = 0.8
SECONDS_PER_DAY = 86_400.0

MemberScorer = Callable[[Sequence[int]], Mapping[int, float]]
"""Same-event confidence of the arriving article against the given stored articles."""
PairScorer = Callable[[int, Sequence[int]], Mapping[int, float]]
"""Same-event confidence of one placed article against the given placed articles."""


def is_wire_copy(evidence: Evidence) -> bool:
    """Near-identical text: most passages of the shorter article recur almost verbatim."""
    return evidence.identical_share >= WIRE_IDENTICAL_SHARE


@dataclass(frozen=True, slots=True)
class Assignment:
    """What happened to one article: its event, whether that event is new, what merged into it,
    and which placed articles moved into it from the events in `shrunk`."""

    article_id: int
    event_id: int
    started: bool
    merged: tuple[int, ...] = ()
    wire_copy_of: int | None = None
    moved: tuple[int, ...] = ()
    shrunk: tuple[int, ...] = ()


@dataclass(frozen=True, slots=True)
class EventSummary:
    """An event as readers see it. `independent_reports` counts wire groups, not articles."""

    event_id: int
    article_ids: tuple[int, ...]
    outlets: tuple[str, ...]
    first_article_id: int
    first_published_at: datetime | None
    last_published_at: datetime | None
    independent_reports: int
    reprints: int


@dataclass(slots=True)
class _Member:
    article_id: int
    outlet: str | None
    published_at: datetime | None
    arrival: int
    report: int


@dataclass(slots=True)
class _Event:
    event_id: int
    members: list[_Member] = field(default_factory=list)


class EventAssigner:
    """Incremental event assignment by average linkage, with merges.

    `assign` takes the article's matches among already-assigned articles as
    (article_id, same_event_confidence) pairs. An event is a candidate when its best match
    reaches `join_threshold`; its linkage is the article's mean confidence over the event's
    independent reports (reprints count once; the article's own outlet and reports outside
    the publication window are left out; the latest `LINKAGE_SAMPLE` reports at most). The
    article joins the candidate of highest linkage if that reaches `linkage_threshold`, else
    starts a new event, so one strong link can no longer chain a related story into an event.
    Every other candidate it links at `merge_threshold` with linkage enough is merged into
    the joined one (the older id survives). Then an article of another event that the new one
    matches at `move_confidence`, and whose own linkage to the new one's event beats its
    linkage to the rest of its event by `move_margin`, moves over with its reprints (given
    `assign`'s `rescore`; an event is never emptied this way). Reports the matches do not
    cover are scored by `assign`'s `score`; without one they count 0. A new event takes the id
    `assign`'s `new_event_id` issues (the store's); without one, events are numbered 1, 2, ...
    unless `next_event_id` says otherwise.
    """

    def __init__(
        self,
        *,
        join_threshold: float = JOIN_THRESHOLD,
        merge_threshold: float = MERGE_THRESHOLD,
        linkage_threshold: float = LINKAGE_THRESHOLD,
        support_confidence: float = SUPPORT_CONFIDENCE,
        support_reports: int = SUPPORT_REPORTS,
        move_confidence: float = MOVE_CONFIDENCE,
        move_margin: float = MOVE_MARGIN,
        window_days: float | None = None,
        next_event_id: int = 1,
    ) -> None:
        if not 0.0 <= join_threshold <= merge_threshold <= 1.0:
            raise ValueError("need 0 <= join_threshold <= merge_threshold <= 1")
        if not 0.0 <= linkage_threshold <= 1.0:
            raise ValueError("need 0 <= linkage_threshold <= 1")
        if not 0.0 <= move_confidence <= 1.0 or move_margin < 0.0:
            raise ValueError("need 0 <= move_confidence <= 1 and move_margin >= 0")
        self.join_threshold = join_threshold
        self.merge_threshold = merge_threshold
        self.linkage_threshold = linkage_threshold
        self.support_confidence = support_confidence
        self.support_reports = support_reports
        self.move_confidence = move_confidence
        self.move_margin = move_margin
        self._window = None if window_days is None else window_days * SECONDS_PER_DAY
        self._next_id = next_event_id
        self._events: dict[int, _Event] = {}
        self._event_of: dict[int, int] = {}
        self._members: dict[int, _Member] = {}
        self._arrivals = 0

    def __contains__(self, article_id: object) -> bool:
        return article_id in self._event_of

    def event_of(self, article_id: int) -> int:
        return self._event_of[article_id]

    def event_ids(self) -> list[int]:
        return sorted(self._events)

    def assign(
        self,
        article_id: int,
        matches: Iterable[tuple[int, float]],
        *,
        outlet: str | None = None,
        published_at: datetime | None = None,
        wire_copy_of: int | None = None,
        score: MemberScorer | None = None,
        rescore: PairScorer | None = None,
        new_event_id: Callable[[], int] | None = None,
    ) -> Assignment:
        """Place a new article; matches naming unknown articles are ignored."""
        if article_id in self._event_of:
            raise ValueError(f"article {article_id} is already assigned")
        known = {other: c for other, c in matches if other in self._event_of}
        best: dict[int, float] = {}
        for other, confidence in known.items():
            event = self._event_of[other]
            best[event] = max(confidence, best.get(event, -1.0))
        wire_event = self._event_of.get(wire_copy_of) if wire_copy_of is not None else None
        linkage = {
            event: self._linkage(event, known, score, outlet, published_at)
            for event, confidence in best.items()
            if confidence >= self.join_threshold and event != wire_event
        }
        if wire_event is not None:
            linkage[wire_event] = best[wire_event] = 1.0
        joinable = sorted(
            (event for event, value in linkage.items() if value >= self.linkage_threshold),
            key=lambda event: (-linkage[event], -best[event], event),
        ) or self._supported(linkage, known, best)
        started = not joinable
        if started:
            target = self._new_event(new_event_id)
            merged: list[int] = []
        else:
            target = joinable[0]
            merged = [e for e in joinable[1:] if best[e] >= self.merge_threshold]
            for other in merged:
                target = self._merge(target, other)
        report = (
            self._members[wire_copy_of].report
            if wire_copy_of is not None and wire_copy_of in self._members
            else article_id
        )
        member = _Member(article_id, outlet, published_at, self._arrivals, report)
        self._arrivals += 1
        self._events[target].members.append(member)
        self._members[article_id] = member
        self._event_of[article_id] = target
        touched = set(merged) | ({joinable[0]} if merged else set())
        moved, shrunk = self._reassign(article_id, known, rescore) if rescore else ([], set())
        return Assignment(
            article_id,
            target,
            started,
            tuple(sorted(touched - {target})),
            wire_copy_of,
            tuple(moved),
            tuple(sorted(shrunk)),
        )

    def _reassign(
        self, article_id: int, known: Mapping[int, float], rescore: PairScorer
    ) -> tuple[list[int], set[int]]:
        """Move confidently matched articles of other events into the new article's event."""
        target = self._event_of[article_id]
        moved: list[int] = []
        shrunk: set[int] = set()
        confident = sorted((c, other) for other, c in known.items() if c >= self.move_confidence)
        for confidence, other in reversed(confident):
            source = self._event_of[other]
            if source == target:
                continue
            member = self._members[other]
            group = [m for m in self._events[source].members if m.report == member.report]
            if len(group) == len(self._events[source].members):
                continue
            here = self._member_linkage(member, target, {article_id: confidence}, rescore)
            there = self._member_linkage(member, source, {}, rescore)
            if here < self.linkage_threshold or here <= there + self.move_margin:
                continue
            for moving in group:
                self._events[source].members.remove(moving)
                self._events[target].members.append(moving)
                self._event_of[moving.article_id] = target
                moved.append(moving.article_id)
            shrunk.add(source)
        return moved, shrunk

    def _member_linkage(
        self, member: _Member, event_id: int, known: dict[int, float], rescore: PairScorer
    ) -> float:
        """A placed article's linkage to an event, its own report left out."""
        return self._linkage(
            event_id,
            known,
            lambda ids: rescore(member.article_id, ids),
            member.outlet,
            member.published_at,
            skip_report=member.report,
        )

    def restore(
        self,
        article_id: int,
        event_id: int,
        *,
        outlet: str | None = None,
        published_at: datetime | None = None,
        report: int | None = None,
    ) -> None:
        """Load an article already placed (from the store) into the event it belongs to."""
        if article_id in self._event_of:
            raise ValueError(f"article {article_id} is already assigned")
        self._events.setdefault(event_id, _Event(event_id))
        self._next_id = max(self._next_id, event_id + 1)
        member = _Member(
            article_id, outlet, published_at, self._arrivals, report if report else article_id
        )
        self._arrivals += 1
        self._events[event_id].members.append(member)
        self._members[article_id] = member
        self._event_of[article_id] = event_id

    def _linkage(
        self,
        event_id: int,
        known: dict[int, float],
        score: MemberScorer | None,
        outlet: str | None,
        published_at: datetime | None,
        *,
        skip_report: int | None = None,
    ) -> float:
        """Mean confidence over the event's eligible reports (each its best-scored member)."""
        reports: dict[int, list[int]] = {}
        for member in sorted(self._events[event_id].members, key=lambda m: m.arrival):
            if (outlet and member.outlet == outlet) or member.report == skip_report:
                continue
            if not self._in_window(member.published_at, published_at):
                continue
            reports.setdefault(member.report, []).append(member.article_id)
        sample = list(reports.values())[-LINKAGE_SAMPLE:]
        if not sample:
            return 0.0
        unscored = [ids[-1] for ids in sample if not any(i in known for i in ids)]
        if unscored and score is not None:
            known.update(score(unscored))
        return sum(max(known.get(i, 0.0) for i in ids) for ids in sample) / len(sample)

    def _supported(
        self, events: Iterable[int], known: Mapping[int, float], best: Mapping[int, float]
    ) -> list[int]:
        """The event most independent reports match with `support_confidence`, if at least
        `support_reports` do."""
        reports: dict[int, set[int]] = {event: set() for event in events}
        for article_id, confidence in known.items():
            event = self._event_of[article_id]
            if confidence >= self.support_confidence and event in reports:
                reports[event].add(self._members[article_id].report)
        supported = [e for e, found in reports.items() if len(found) >= self.support_reports]
        return sorted(supported, key=lambda e: (-len(reports[e]), -best[e], e))[:1]

    def _in_window(self, member: datetime | None, article: datetime | None) -> bool:
        if self._window is None or member is None or article is None:
            return True
        return abs((member - article).total_seconds()) <= self._window

    def _new_event(self, new_event_id: Callable[[], int] | None) -> int:
        if new_event_id is None:
            event_id = self._next_id
            self._next_id += 1
        else:
            event_id = new_event_id()
        if event_id in self._events:
            raise ValueError(f"event {event_id} exists already")
        self._events[event_id] = _Event(event_id)
        return event_id

    def relocate(self, article_id: int, event_id: int) -> None:
        """Put a placed article into `event_id` (as another process decided)."""
        source = self._event_of[article_id]
        if source == event_id:
            return
        member = self._members[article_id]
        self._events[source].members.remove(member)
        if not self._events[source].members:
            del self._events[source]
        self._events.setdefault(event_id, _Event(event_id)).members.append(member)
        self._event_of[article_id] = event_id
        self._next_id = max(self._next_id, event_id + 1)

    def absorb(self, gone: int, into: int) -> None:
        """Move every article of event `gone` into event `into` (a merge another process made)."""
        for member in list(self._events.get(gone, _Event(gone)).members):
            self.relocate(member.article_id, into)

    def _merge(self, a: int, b: int) -> int:
        if a == b:
            return a
        keep, gone = min(a, b), max(a, b)
        absorbed = self._events.pop(gone)
        self._events[keep].members.extend(absorbed.members)
        for member in absorbed.members:
            self._event_of[member.article_id] = keep
        return keep

    def summary(self, event_id: int) -> EventSummary:
        members = self._events[event_id].members
        dated = [m.published_at for m in members if m.published_at is not None]
        first = min(
            members,
            key=lambda m: (m.published_at is None, _sort_time(m.published_at), m.arrival),
        )
        reports = {m.report for m in members}
        return EventSummary(
            event_id=event_id,
            article_ids=tuple(m.article_id for m in sorted(members, key=lambda m: m.arrival)),
            outlets=tuple(sorted({m.outlet for m in members if m.outlet})),
            first_article_id=first.article_id,
            first_published_at=min(dated, key=_sort_time) if dated else None,
            last_published_at=max(dated, key=_sort_time) if dated else None,
            independent_reports=len(reports),
            reprints=len(members) - len(reports),
        )


def _sort_time(value: datetime | None) -> float:
    return value.timestamp() if value is not None else float("inf")


def find_wire_original(matches: Sequence[tuple[int, Evidence]]) -> int | None:
    """The first already-stored article the new one is a near-identical copy of, if any."""
    for article_id, evidence in matches:
        if is_wire_copy(evidence):
            return article_id
    return None
