"""Copies of one text among an event's articles, their source, and the divergences their edits are.

Ingest marks a reprint when it folds one (`core.db.reprints`), but a copy edited past the SimHash
distance, or fetched before its source, arrives unmarked. Here two articles are one text when
most passages of the shorter one appear in the other word for word (case, quotation marks and
spacing aside): independently written accounts share a quoted sentence or two, never most of
their text. Of each family the first to publish is the source, by the store's rule
(`core.db.reprints.publication_order`); every other member is its copy.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, replace

from comparison.components import components
from comparison.edits import Edit, edits_from_source, sentence_key
from comparison.model import ArticleView, ClaimMember, Divergence, DivergenceType, Finding
from comparison.ranking import importance
from comparison.substance import is_claim, substance
from comparison.voice import Voice, article_voices
from core.db.reprints import publication_order

__all__ = [
    "COPY_SHARE",
    "EDIT_CONFIDENCE",
    "Reprints",
    "copy_sources",
    "edit_divergences",
    "find_reprints",
    "merge_divergences",
    "one_text",
    "passage_keys",
    "reprint_pairs",
    "with_sources",
]

# Share of the shorter article's passages the other prints word for word, and at least this
# many: a copy with a figure, a word and a sentence changed in 20 passages still shares 85%.
COPY_SHARE = 0.6
MIN_SHARED = 3
# A diff between a copy and its source is exact: what it reports as changed was changed.
EDIT_CONFIDENCE = 0.95
_WORD_EDIT_TYPES: dict[str, DivergenceType] = {
    "figure": "numeric",
    "negation": "contradiction",
    "attribution": "attribution",
}


def passage_keys(texts: Iterable[str]) -> frozenset[str]:
    """The passages of one article as `one_text` compares them."""
    return frozenset(key for text in texts if (key := sentence_key(text)))


def one_text(a: frozenset[str], b: frozenset[str]) -> bool:
    """Whether two articles, by their `passage_keys`, print one text."""
    return len(a & b) >= max(MIN_SHARED, COPY_SHARE * min(len(a), len(b)))


def copy_sources(articles: Sequence[ArticleView]) -> dict[int, int]:
    """copy's article id → its source's, over `articles`; sources and lone articles are absent.

    A `wire_copy_of` the store already knows joins a family too."""
    keys = {a.article_id: passage_keys(p.text for p in a.passages) for a in articles}
    links = [(a.article_id, a.wire_copy_of) for a in articles if a.wire_copy_of is not None]
    links += [
        (a.article_id, b.article_id)
        for i, a in enumerate(articles)
        for b in articles[i + 1 :]
        if one_text(keys[a.article_id], keys[b.article_id])
    ]
    family_of = components((a.article_id for a in articles), links)
    families: dict[int, list[ArticleView]] = {}
    for article in articles:
        families.setdefault(family_of[article.article_id], []).append(article)
    sources: dict[int, int] = {}
    for family in families.values():
        if len(family) < 2:
            continue
        first = min(family, key=lambda a: publication_order(a.published_at, a.article_id))
        sources.update((a.article_id, first.article_id) for a in family if a is not first)
    return sources


def with_sources(articles: Sequence[ArticleView], sources: Mapping[int, int]) -> list[ArticleView]:
    """The articles with `wire_copy_of` naming their source where `sources` knows one."""
    return [
        replace(a, wire_copy_of=sources[a.article_id]) if a.article_id in sources else a
        for a in articles
    ]


def _divergence_type(
    edit: Edit, focus_is_copy: bool, voices: Mapping[int, Voice]
) -> DivergenceType | None:
    if edit.kind in _WORD_EDIT_TYPES:
        return _WORD_EDIT_TYPES[edit.kind]
    if edit.kind == "wording":
        return "framing" if edit.loaded else None
    if not focus_is_copy:
        return None
    if edit.kind == "sentence_removed":
        assert edit.source_passage is not None
        return "omission" if is_claim(voices[edit.source_passage.passage_id]) else None
    assert edit.copy_passage is not None
    voice = voices[edit.copy_passage.passage_id]
    return "unique_claim" if is_claim(voice) and substance(voice).worth_showing else None


def edit_divergences(
    focus: ArticleView, source: ArticleView, copy: ArticleView, edits: Sequence[Edit]
) -> list[Divergence]:
    """The edits that change what a reader learns, as divergences of `focus` (the source or the
    copy) from the other: changed figures, negations, attribution and loaded words either way;
    a copy's dropped or added claims only when the copy is the focus. One per passage and type."""
    focus_is_copy = focus.article_id == copy.article_id
    other = source if focus_is_copy else copy
    voices = article_voices(source) | article_voices(copy)
    merged: dict[tuple[int, DivergenceType], Divergence] = {}
    for edit in edits:
        kind = _divergence_type(edit, focus_is_copy, voices)
        if kind is None:
            continue
        mine = edit.copy_passage if focus_is_copy else edit.source_passage
        theirs = edit.source_passage if focus_is_copy else edit.copy_passage
        explanation = edit.describe(source.outlet, copy.outlet)
        evidence: dict[str, str | list[str]] = {"edit": edit.kind, "support": "1"}
        if edit.source is not None:
            evidence["source_text"] = edit.source.text
        if edit.copy is not None:
            evidence["copy_text"] = edit.copy.text
        if edit.loaded:
            evidence["kind"] = "loaded"
        anchor = mine if mine is not None else theirs
        assert anchor is not None
        key = (anchor.passage_id, kind)
        known = merged.get(key)
        if known is not None:
            merged[key] = replace(known, explanation=f"{known.explanation} {explanation}")
            continue
        finding = Finding(kind, 1.0, evidence, explanation)
        merged[key] = Divergence(
            type=kind,
            confidence=EDIT_CONFIDENCE,
            passage=mine if kind != "omission" else None,
            counterparts=(ClaimMember(theirs, other.outlet, 1.0),) if theirs is not None else (),
            evidence=evidence,
            explanation=explanation,
            importance=importance(finding, 1),
        )
    return list(merged.values())


def reprint_pairs(
    focus: ArticleView, others: Sequence[ArticleView], sources: Mapping[int, int]
) -> list[tuple[ArticleView, ArticleView]]:
    """(source, reprint) pairs `focus` belongs to: its own source, or each of its reprints."""
    source_id = sources.get(focus.article_id)
    if source_id is not None:
        return [(a, focus) for a in others if a.article_id == source_id]
    return [(focus, a) for a in others if sources.get(a.article_id) == focus.article_id]


def merge_divergences(
    found: Sequence[Divergence], from_edits: Sequence[Divergence]
) -> list[Divergence]:
    """`found` with the edits' divergences that say something new: one per passage and type,
    and no omission of a passage an omission already names."""
    taken = {(d.passage.passage_id, d.type) for d in found if d.passage is not None}
    omitted = {m.passage.passage_id for d in found if d.type == "omission" for m in d.counterparts}
    merged = list(found)
    for divergence in from_edits:
        if divergence.passage is not None:
            if (divergence.passage.passage_id, divergence.type) in taken:
                continue
        elif omitted & {m.passage.passage_id for m in divergence.counterparts}:
            continue
        merged.append(divergence)
    return merged


@dataclass(frozen=True, slots=True)
class Reprints:
    """The reprints an article's comparison sees. `articles` are the focus and the others with
    `wire_copy_of` naming each copy's source; `pairs` are the (source, reprint, edits) the focus
    belongs to; `divergences` are the focus's divergences that those edits are."""

    articles: list[ArticleView]
    sources: dict[int, int]
    pairs: list[tuple[ArticleView, ArticleView, tuple[Edit, ...]]]
    divergences: list[Divergence]


def find_reprints(focus: ArticleView, others: Sequence[ArticleView]) -> Reprints:
    """Families of one text among `focus` and `others`, and what the focus's family edited."""
    sources = copy_sources([focus, *others])
    focus, *rest = articles = with_sources([focus, *others], sources)
    pairs = [
        (source, reprint, edits_from_source(source, reprint))
        for source, reprint in reprint_pairs(focus, rest, sources)
    ]
    divergences = [
        divergence
        for source, reprint, edits in pairs
        for divergence in edit_divergences(focus, source, reprint, edits)
    ]
    return Reprints(articles, sources, pairs, divergences)
