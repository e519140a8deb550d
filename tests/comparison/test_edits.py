"""What a reprint changed: each kind of edit, found exactly, with offsets into both texts."""

from __future__ import annotations

from datetime import UTC, datetime

import numpy as np

from comparison.edits import Edit, edits_from_source
from comparison.model import ArticleView, PassageView
from ingest.segment import segment

SOURCE = (
    "Officials in Marlow Vale said on Monday that 14 people had died in the fire at the "
    "Brennick Plastics plant.",
    "The fire service said the blaze started in a storage hall shortly after midnight.",
    "Firefighters from three counties fought the flames for nine hours before the fire was "
    "brought under control.",
    "The company said it was cooperating fully with the investigation.",
    "Residents living near the plant were told to keep their windows closed.",
    "A union official said workers had raised safety concerns with the managers last year.",
)


def article(article_id: int, outlet: str, paragraphs: tuple[str, ...]) -> ArticleView:
    text = "\n\n".join(paragraphs)
    spans = segment(text)
    return ArticleView(
        article_id=article_id,
        outlet=outlet,
        url=f"https://{outlet.lower().replace(' ', '')}.example/{article_id}",
        title="Fire at the Brennick Plastics plant",
        text=text,
        published_at=datetime(2026, 11, 3, 8 + article_id, tzinfo=UTC),
        passages=tuple(
            PassageView(article_id * 100 + i, article_id, i, s.start, s.end, s.text)
            for i, s in enumerate(spans)
        ),
        vectors=np.zeros((len(spans), 4), dtype=np.float32),
    )


def edited(*replacements: tuple[str, str]) -> tuple[str, ...]:
    paragraphs = list(SOURCE)
    for old, new in replacements:
        hits = [i for i, p in enumerate(paragraphs) if old in p]
        assert len(hits) == 1, old
        paragraphs[hits[0]] = paragraphs[hits[0]].replace(old, new)
    return tuple(p for p in paragraphs if p)


def edits(*replacements: tuple[str, str]) -> tuple[ArticleView, ArticleView, tuple[Edit, ...]]:
    source = article(1, "Meridian Wire", SOURCE)
    copy = article(2, "Harbour Gazette", edited(*replacements))
    found = edits_from_source(source, copy)
    for edit in found:
        if edit.source is not None:
            assert source.text[edit.source.start : edit.source.end] == edit.source.text
        if edit.copy is not None:
            assert copy.text[edit.copy.start : edit.copy.end] == edit.copy.text
    return source, copy, found


def test_an_unchanged_reprint_has_no_edits() -> None:
    assert edits()[2] == ()


def test_a_changed_figure_and_a_changed_word_are_exactly_two_edits() -> None:
    _, _, found = edits(("14 people", "41 people"), ("storage hall", "warehouse"))
    assert [(e.kind, e.source and e.source.text, e.copy and e.copy.text) for e in found] == [
        ("figure", "14", "41"),
        ("wording", "storage hall", "warehouse"),
    ]
    assert not any(edit.loaded for edit in found)


def test_negation_attribution_and_loaded_words_are_told_apart() -> None:
    _, _, found = edits(
        ("was cooperating", "was not cooperating"),
        ("The fire service said", "The fire service claimed"),
        ("A union official said workers", "A union official said frightened workers"),
        ("Residents living", "Terrified residents living"),
    )
    kinds = {(e.kind, e.copy.text if e.copy else "", e.loaded) for e in found}
    assert ("negation", "not", False) in kinds
    assert ("attribution", "claimed", False) in kinds
    assert ("wording", "Terrified", True) in kinds
    assert len(found) == 4


def test_scare_quotes_are_one_loaded_edit_over_the_quoted_words() -> None:
    _, _, found = edits(("from three counties", 'from three "counties"'))
    assert [(e.kind, e.loaded, e.source and e.source.text) for e in found] == [
        ("wording", True, "counties")
    ]
    assert found[0].copy is not None
    assert found[0].copy.text == '"counties"'


def test_quotation_marks_around_a_speakers_words_are_an_edit_but_not_loaded() -> None:
    _, _, found = edits(("raised safety concerns", 'raised "safety concerns"'))
    assert [(e.kind, e.loaded, e.copy and e.copy.text) for e in found] == [
        ("wording", False, '"safety concerns"')
    ]


def test_removed_and_added_sentences_have_their_whole_passage() -> None:
    source, copy, found = edits(
        ("Residents living near the plant were told to keep their windows closed.", ""),
        (
            "The company said it was cooperating fully with the investigation.",
            "The company said it was cooperating fully with the investigation.\n\n"
            "Police arrested the plant's night manager on Tuesday.",
        ),
    )
    assert sorted(e.kind for e in found) == ["sentence_added", "sentence_removed"]
    removed = next(e for e in found if e.kind == "sentence_removed")
    added = next(e for e in found if e.kind == "sentence_added")
    assert removed.copy is None
    assert removed.source is not None
    assert removed.source.text.startswith("Residents living near the plant")
    assert added.source is None
    assert added.copy is not None
    assert added.copy.text == "Police arrested the plant's night manager on Tuesday."
    assert "leaves out" in removed.describe(source.outlet, copy.outlet)


def test_a_rewritten_sentence_is_a_removal_and_an_addition_not_a_word_soup() -> None:
    _, _, found = edits(
        (
            "Residents living near the plant were told to keep their windows closed.",
            "Schools across the county will stay shut until Thursday, the council announced.",
        )
    )
    assert sorted(e.kind for e in found) == ["sentence_added", "sentence_removed"]


def test_a_sentence_glued_to_the_next_without_a_space_is_still_a_sentence_added() -> None:
    *_, found = edits(
        (
            "Residents living near",
            "Police arrested the plant's night manager on Tuesday.Residents living near",
        )
    )
    assert [(e.kind, e.copy and e.copy.text) for e in found] == [
        ("sentence_added", "Police arrested the plant's night manager on Tuesday.")
    ]
    assert found[0].copy_passage is not None
    assert found[0].copy_passage.text.startswith("Police arrested")


def test_a_long_changed_stretch_is_removed_and_added_without_pairing() -> None:
    source = article(1, "Meridian Wire", SOURCE)
    edited_one = SOURCE[3].replace("cooperating fully", "cooperating")
    short = article(2, "Harbour Gazette", (*SOURCE[:3], edited_one, *SOURCE[5:]))
    assert [e.kind for e in edits_from_source(source, short)] == ["wording", "sentence_removed"]
    filler = tuple(f"Paragraph {n} of the archive says nothing new today." for n in range(1300))
    long = article(3, "Harbour Gazette", (*SOURCE[:3], edited_one, *filler, *SOURCE[5:]))
    kinds = [edit.kind for edit in edits_from_source(source, long)]
    assert kinds.count("sentence_added") == 1301
    assert kinds.count("sentence_removed") == 2
