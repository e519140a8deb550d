"""Copies of one text among an event's articles, their source, and their edits as divergences."""

from __future__ import annotations

from dataclasses import replace

from comparison.edits import edits_from_source
from comparison.reprints import copy_sources, edit_divergences, merge_divergences
from tests.comparison.test_edits import SOURCE, article, edited

OWN_REPORT = (
    "Fourteen people died when fire tore through a plastics plant in Marlow Vale, officials said.",
    "The blaze began in a storage hall, according to the fire service.",
    "The company said it was cooperating fully with the investigation.",
    "A union official said workers had raised safety concerns with the managers last year.",
    "Neighbours described a column of black smoke visible for miles.",
)


def test_an_edited_copy_joins_its_source_and_the_first_to_publish_is_the_source() -> None:
    wire = article(1, "Meridian Wire", SOURCE)
    copy = article(2, "Harbour Gazette", edited(("14 people", "41 people")))
    own = article(3, "Daily Ledger", OWN_REPORT)
    assert copy_sources([copy, own, wire]) == {2: 1}
    assert wire.published_at is not None
    earlier_copy = replace(copy, published_at=wire.published_at.replace(hour=1))
    assert copy_sources([wire, earlier_copy, own]) == {1: 2}


def test_two_shared_quotations_do_not_make_one_text() -> None:
    wire = article(1, "Meridian Wire", SOURCE)
    own = article(3, "Daily Ledger", OWN_REPORT)
    assert copy_sources([wire, own]) == {}


def test_a_copy_the_store_marked_stays_one_text_with_its_source() -> None:
    wire = article(1, "Meridian Wire", SOURCE)
    rewritten = replace(article(2, "Harbour Gazette", OWN_REPORT), wire_copy_of=1)
    assert copy_sources([wire, rewritten]) == {2: 1}


def test_edits_become_divergences_of_the_copy_and_of_its_source() -> None:
    wire = article(1, "Meridian Wire", SOURCE)
    copy = article(
        2,
        "Harbour Gazette",
        edited(
            ("14 people", "41 people"),
            ("Residents living near the plant were told to keep their windows closed.", ""),
        ),
    )
    edits = edits_from_source(wire, copy)
    as_copy = edit_divergences(copy, wire, copy, edits)
    assert sorted(d.type for d in as_copy) == ["numeric", "omission"]
    numeric = next(d for d in as_copy if d.type == "numeric")
    assert numeric.passage is not None
    assert "41" in numeric.passage.text
    assert numeric.counterparts[0].passage.article_id == wire.article_id
    # The source did not leave anything out: what the copy dropped is the copy's omission.
    as_source = edit_divergences(wire, wire, copy, edits)
    assert [d.type for d in as_source] == ["numeric"]
    # An omission the engine already reports is not listed twice.
    assert merge_divergences(as_copy, as_copy) == as_copy
