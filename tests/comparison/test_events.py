from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import UTC, datetime

import pytest

from comparison.events import EventAssigner, find_wire_original, is_wire_copy
from comparison.evidence import Evidence


def _clusters(assigner: EventAssigner) -> dict[int, list[int]]:
    """Event id -> member article ids, in arrival order."""
    return {
        event_id: list(assigner.summary(event_id).article_ids) for event_id in assigner.event_ids()
    }


def _at(day: int) -> datetime:
    return datetime(2018, 7, day, tzinfo=UTC)


def _evidence(identical_share: float) -> Evidence:
    return Evidence(
        cosine=0.9,
        title_cosine=0.9,
        shorter_passages=5,
        term_cosine=0.8,
        aligned_passages=5,
        aligned_share=0.9,
        identical_share=identical_share,
        best_passage_similarity=0.99,
        name_overlap=0.5,
        place_overlap=0.5,
        figure_overlap=0.0,
        date_overlap=0.0,
        year_conflict=False,
        days_apart=0.0,
    )


def test_first_article_starts_an_event() -> None:
    assigner = EventAssigner()
    result = assigner.assign(1, [], outlet="a", published_at=_at(22))
    assert result.started
    assert result.event_id == 1
    assert assigner.event_of(1) == 1


def test_confident_match_joins_weak_match_starts_new() -> None:
    assigner = EventAssigner(join_threshold=0.5, merge_threshold=0.9)
    assigner.assign(1, [], outlet="a")
    joined = assigner.assign(2, [(1, 0.8)], outlet="b")
    assert not joined.started
    assert joined.event_id == assigner.event_of(1)
    separate = assigner.assign(3, [(1, 0.3), (2, 0.49)], outlet="c")
    assert separate.started
    assert separate.event_id != joined.event_id


def test_unknown_matches_are_ignored() -> None:
    assigner = EventAssigner()
    result = assigner.assign(7, [(99, 0.99)])
    assert result.started


def test_article_linking_two_events_merges_them_into_the_older() -> None:
    assigner = EventAssigner(join_threshold=0.5, merge_threshold=0.8)
    first = assigner.assign(1, [], outlet="a", published_at=_at(22)).event_id
    second = assigner.assign(2, [(1, 0.1)], outlet="b", published_at=_at(23)).event_id
    assert first != second
    bridge = assigner.assign(3, [(2, 0.95), (1, 0.85)], outlet="c", published_at=_at(23))
    assert bridge.event_id == first
    assert bridge.merged == (second,)
    assert {assigner.event_of(i) for i in (1, 2, 3)} == {first}
    assert assigner.event_ids() == [first]


def test_link_below_merge_threshold_does_not_merge() -> None:
    assigner = EventAssigner(join_threshold=0.5, merge_threshold=0.9)
    assigner.assign(1, [])
    assigner.assign(2, [(1, 0.1)])
    result = assigner.assign(3, [(2, 0.95), (1, 0.7)])
    assert result.merged == ()
    assert assigner.event_of(3) == assigner.event_of(2) != assigner.event_of(1)


def test_summary_knows_outlets_first_report_and_span() -> None:
    assigner = EventAssigner()
    assigner.assign(10, [], outlet="b", published_at=_at(23))
    assigner.assign(11, [(10, 0.9)], outlet="a", published_at=_at(22))
    assigner.assign(12, [(10, 0.9), (11, 0.8)], outlet="c", published_at=None)
    summary = assigner.summary(assigner.event_of(10))
    assert summary.article_ids == (10, 11, 12)
    assert summary.outlets == ("a", "b", "c")
    assert summary.first_article_id == 11
    assert summary.first_published_at == _at(22)
    assert summary.last_published_at == _at(23)
    assert summary.independent_reports == 3
    assert summary.reprints == 0


def test_wire_copies_count_as_reprints_not_independent_reports() -> None:
    assigner = EventAssigner()
    assigner.assign(1, [], outlet="ap")
    assigner.assign(2, [(1, 0.99)], outlet="x", wire_copy_of=1)
    assigner.assign(3, [(2, 0.99)], outlet="y", wire_copy_of=2)
    assigner.assign(4, [(1, 0.7)], outlet="z")
    summary = assigner.summary(assigner.event_of(1))
    assert len(summary.article_ids) == 4
    assert summary.independent_reports == 2
    assert summary.reprints == 2


def test_wire_copy_joins_even_below_threshold() -> None:
    assigner = EventAssigner(join_threshold=0.5)
    assigner.assign(1, [])
    result = assigner.assign(2, [(1, 0.2)], wire_copy_of=1)
    assert not result.started
    assert result.wire_copy_of == 1


def test_wire_copy_detection_from_evidence() -> None:
    assert is_wire_copy(_evidence(0.95))
    assert not is_wire_copy(_evidence(0.3))
    assert find_wire_original([(5, _evidence(0.1)), (6, _evidence(0.9))]) == 6
    assert find_wire_original([(5, _evidence(0.1))]) is None


def test_reassigning_an_article_is_refused() -> None:
    assigner = EventAssigner()
    assigner.assign(1, [])
    with pytest.raises(ValueError, match="already assigned"):
        assigner.assign(1, [])


def test_thresholds_are_validated() -> None:
    with pytest.raises(ValueError, match="threshold"):
        EventAssigner(join_threshold=0.9, merge_threshold=0.5)
    with pytest.raises(ValueError, match="linkage_threshold"):
        EventAssigner(linkage_threshold=1.5)
    with pytest.raises(ValueError, match="move_confidence"):
        EventAssigner(move_confidence=1.2)
    with pytest.raises(ValueError, match="move_margin"):
        EventAssigner(move_margin=-0.1)


def _event_of_three(assigner: EventAssigner) -> int:
    assigner.assign(1, [], outlet="a", published_at=_at(10))
    assigner.assign(2, [(1, 0.9)], outlet="b", published_at=_at(10))
    assigner.assign(3, [(1, 0.9), (2, 0.9)], outlet="c", published_at=_at(11))
    return assigner.event_of(1)


def test_one_strong_link_does_not_chain_a_related_story_into_an_event() -> None:
    assigner = EventAssigner()
    event = _event_of_three(assigner)
    related = assigner.assign(
        4, [(1, 0.9)], outlet="d", published_at=_at(11), score=lambda ids: dict.fromkeys(ids, 0.1)
    )
    assert related.started
    same = assigner.assign(
        5, [(1, 0.9)], outlet="e", published_at=_at(11), score=lambda ids: dict.fromkeys(ids, 0.7)
    )
    assert same.event_id == event


def test_enough_confident_reports_place_an_article_in_an_event_diluted_by_a_neighbour() -> None:
    assigner = EventAssigner()
    event = assigner.assign(1, [], outlet="a", published_at=_at(10)).event_id
    # A same-kind neighbour event's reports (4 to 7) got into the event, so its average is low.
    for article_id, outlet in ((2, "b"), (3, "c"), (4, "d"), (5, "e"), (6, "f"), (7, "g")):
        assigner.assign(
            article_id,
            [(1, 0.95)],
            outlet=outlet,
            published_at=_at(10),
            score=lambda ids: dict.fromkeys(ids, 0.9),
        )
    assert {assigner.event_of(i) for i in range(1, 8)} == {event}
    neighbour = {4: 0.05, 5: 0.05, 6: 0.05, 7: 0.05}
    confident = [(1, 0.99), (2, 0.97), (3, 0.95)]
    joined = assigner.assign(
        8, confident, outlet="h", published_at=_at(11), score=lambda ids: neighbour
    )
    assert not joined.started
    assert joined.event_id == event
    # Two confident reports are not enough, nor are three that are one report reprinted.
    two = assigner.assign(
        9, confident[:2], outlet="i", published_at=_at(11), score=lambda ids: neighbour
    )
    assert two.started
    assigner.assign(10, [(1, 0.99)], outlet="j", published_at=_at(10), wire_copy_of=1)
    assigner.assign(11, [(1, 0.99)], outlet="k", published_at=_at(10), wire_copy_of=1)
    reprinted = assigner.assign(
        12,
        [(1, 0.99), (10, 0.99), (11, 0.99)],
        outlet="l",
        published_at=_at(11),
        score=lambda ids: dict.fromkeys(ids, 0.05),
    )
    assert reprinted.started


def test_linkage_scores_each_eligible_report_once() -> None:
    assigner = EventAssigner(window_days=3)
    event = _event_of_three(assigner)
    assigner.assign(6, [(3, 0.99)], outlet="x", published_at=_at(11), wire_copy_of=3)
    assigner.assign(7, [(1, 0.9), (2, 0.9)], outlet="f", published_at=_at(8))
    assert assigner.event_of(7) == event
    asked: list[list[int]] = []

    def score(ids: Sequence[int]) -> dict[int, float]:
        asked.append(list(ids))
        return dict.fromkeys(ids, 0.5)

    # Own outlet (a) and the report outside the window (7) are left out; 3 and its reprint 6
    # are one report, already scored through 6.
    result = assigner.assign(8, [(2, 0.8), (6, 0.9)], outlet="a", published_at=_at(12), score=score)
    assert asked == []
    assert result.event_id == event
    # Without the reprint's match, the report is scored once, through its latest member.
    assigner.assign(9, [(2, 0.8)], outlet="g", published_at=_at(12), score=score)
    assert asked == [[1, 6, 8]]


def test_merging_needs_linkage_too() -> None:
    assigner = EventAssigner(join_threshold=0.5, merge_threshold=0.8)
    first = _event_of_three(assigner)
    second = assigner.assign(4, [], outlet="d", published_at=_at(11)).event_id
    weak = assigner.assign(
        5, [(4, 0.95), (1, 0.96)], outlet="e", score=lambda ids: dict.fromkeys(ids, 0.0)
    )
    assert weak.merged == ()
    assert weak.event_id == second
    strong = assigner.assign(
        6, [(4, 0.95), (1, 0.96)], outlet="f", score=lambda ids: dict.fromkeys(ids, 0.9)
    )
    assert strong.event_id == first
    assert strong.merged == (second,)


def test_clusters_lists_members_in_arrival_order() -> None:
    assigner = EventAssigner(next_event_id=100)
    assigner.assign(5, [])
    assigner.assign(3, [(5, 0.9)])
    assigner.assign(8, [])
    assert _clusters(assigner) == {100: [5, 3], 101: [8]}
    assert 5 in assigner
    assert 42 not in assigner


def _table(pairs: dict[tuple[int, int], float]) -> Callable[[int, Sequence[int]], dict[int, float]]:
    """A pair scorer over a symmetric table of confidences; unlisted pairs score 0."""

    def rescore(article: int, others: Sequence[int]) -> dict[int, float]:
        return {o: pairs.get((article, o), pairs.get((o, article), 0.0)) for o in others}

    return rescore


def _first_report_in_a_related_event(
    assigner: EventAssigner, rescore: Callable[[int, Sequence[int]], dict[int, float]]
) -> tuple[int, int]:
    """Comey report 1, then DNC report 2, which joins it on a confident link at arrival (no DNC
    report to compare with yet); DNC report 3 matches 2 but not 1, so it cannot join."""
    comey = assigner.assign(1, [], outlet="a", published_at=_at(20), rescore=rescore).event_id
    assigner.assign(2, [(1, 0.86)], outlet="b", published_at=_at(20), rescore=rescore)
    assert assigner.event_of(2) == comey
    return comey, assigner.assign(
        3, [(2, 0.97), (1, 0.2)], outlet="c", published_at=_at(20), rescore=rescore
    ).event_id


def test_a_first_report_moves_to_its_own_event_once_that_event_arrives() -> None:
    assigner = EventAssigner(window_days=3)
    comey, dnc = _first_report_in_a_related_event(assigner, _table({(1, 2): 0.3}))
    assert dnc != comey
    assert _clusters(assigner) == {comey: [1], dnc: [2, 3]}
    assigner.assign(4, [(2, 0.96), (3, 0.96)], outlet="d", published_at=_at(21))
    assert assigner.event_of(4) == dnc


def test_the_move_is_reported_for_the_store() -> None:
    assigner = EventAssigner(window_days=3)
    comey = assigner.assign(1, [], outlet="a", published_at=_at(20)).event_id
    assigner.assign(2, [(1, 0.86)], outlet="b", published_at=_at(20))
    arrival = assigner.assign(
        3,
        [(2, 0.97), (1, 0.2)],
        outlet="c",
        published_at=_at(20),
        rescore=_table({(1, 2): 0.3}),
    )
    assert arrival.started
    assert arrival.moved == (2,)
    assert arrival.shrunk == (comey,)


def test_an_article_that_links_its_own_event_about_as_well_stays() -> None:
    # 2 links the Comey report at 0.9 against 0.97 for the DNC one: within the margin.
    assigner = EventAssigner(window_days=3)
    comey, dnc = _first_report_in_a_related_event(assigner, _table({(1, 2): 0.9}))
    assert assigner.event_of(2) == comey
    assert _clusters(assigner)[dnc] == [3]


def test_moves_need_a_confident_match_and_a_rescorer() -> None:
    below = EventAssigner(window_days=3, move_confidence=0.98)
    comey, _ = _first_report_in_a_related_event(below, _table({(1, 2): 0.3}))
    assert below.event_of(2) == comey
    unscored = EventAssigner(window_days=3)
    unscored.assign(1, [], outlet="a", published_at=_at(20))
    unscored.assign(2, [(1, 0.86)], outlet="b", published_at=_at(20))
    result = unscored.assign(3, [(2, 0.97), (1, 0.2)], outlet="c", published_at=_at(20))
    assert result.moved == ()
    assert unscored.event_of(2) == unscored.event_of(1)


def test_a_move_takes_the_reprints_along_and_never_empties_an_event() -> None:
    assigner = EventAssigner(window_days=3)
    rescore = _table({(1, 2): 0.3, (1, 5): 0.3})
    comey = assigner.assign(1, [], outlet="a", published_at=_at(20)).event_id
    assigner.assign(2, [(1, 0.86)], outlet="b", published_at=_at(20))
    assigner.assign(5, [(2, 0.99)], outlet="e", published_at=_at(20), wire_copy_of=2)
    arrival = assigner.assign(
        3, [(2, 0.97), (5, 0.97), (1, 0.2)], outlet="c", published_at=_at(20), rescore=rescore
    )
    assert sorted(arrival.moved) == [2, 5]
    assert _clusters(assigner)[comey] == [1]
    # A report that is its whole event (here with its reprint) does not move: that would leave
    # an empty event behind. It links the newcomer's event well (0.9 to 1, 0.96 to 4) and has
    # nothing else to link in its own, so only that rule keeps it.
    lone = EventAssigner(window_days=3, merge_threshold=0.99)
    first = lone.assign(1, [], outlet="a", published_at=_at(20)).event_id
    second = lone.assign(2, [], outlet="b", published_at=_at(20)).event_id
    lone.assign(3, [(2, 0.99)], outlet="c", published_at=_at(20), wire_copy_of=2)
    kept = lone.assign(
        4,
        [(1, 0.99), (2, 0.96)],
        outlet="d",
        published_at=_at(20),
        rescore=_table({(1, 2): 0.9}),
    )
    assert kept.event_id == first
    assert kept.merged == ()
    assert kept.moved == ()
    assert _clusters(lone)[second] == [2, 3]


def test_a_new_event_takes_the_id_it_is_issued_and_an_issued_id_is_never_reused() -> None:
    assigner = EventAssigner()
    issued = iter([40, 41, 40])
    assert assigner.assign(1, [], outlet="a", new_event_id=lambda: next(issued)).event_id == 40
    assert assigner.assign(2, [], outlet="b", new_event_id=lambda: next(issued)).event_id == 41
    with pytest.raises(ValueError, match="exists already"):
        assigner.assign(3, [], outlet="c", new_event_id=lambda: next(issued))


def test_placements_made_elsewhere_are_followed_by_moves_and_merges() -> None:
    assigner = EventAssigner()
    assigner.restore(1, 10, outlet="a")
    assigner.restore(2, 10, outlet="b")
    assigner.restore(3, 20, outlet="c")
    assigner.relocate(2, 30)
    assert (assigner.event_of(2), assigner.event_ids()) == (30, [10, 20, 30])
    assigner.absorb(30, 20)
    assert {i: assigner.event_of(i) for i in (1, 2, 3)} == {1: 10, 2: 20, 3: 20}
    assert assigner.event_ids() == [10, 20], "an event left empty is gone"
    assigner.absorb(30, 20)
    assigner.relocate(2, 20)
    assert assigner.event_ids() == [10, 20], "following a change twice changes nothing"
    started = assigner.assign(4, [], outlet="d")
    assert started.event_id == 31, "counted ids stay past every followed event"
