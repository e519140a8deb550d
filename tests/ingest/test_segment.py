from __future__ import annotations

import json
import random
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from core.models import PassageSpan
from ingest.segment import MAX_PASSAGE_CHARS, segment, sentence_spans

ARTICLE = """WASHINGTON —

Dr. Amal Haddad, a U.N. envoy, met U.S. officials in Washington, D.C., on Jan. 3 at 3.30 p.m. to \
discuss the evacuation. "We are not there yet," she told reporters. "Not even close."

Advertisement

Israel said about 800 people were to be moved. Jordan later put the number at 422… Others gave \
98 members and 324 relatives.

Mr. Cohen, 54, declined to comment. He left at 5 p.m. on Friday.

Read more:"""


def check_invariants(text: str, passages: list[PassageSpan]) -> None:
    assert [p.index for p in passages] == list(range(len(passages)))
    previous_end = 0
    for p in passages:
        assert text[p.start : p.end] == p.text
        assert p.text, "empty passage"
        assert p.text == p.text.strip(), "whitespace must be trimmed by offsets"
        assert p.start >= previous_end, "passages must not overlap and must be ordered"
        previous_end = p.end


def texts(passages: list[PassageSpan]) -> list[str]:
    return [p.text for p in passages]


def test_news_article() -> None:
    passages = segment(ARTICLE)
    check_invariants(ARTICLE, passages)
    assert texts(passages) == [
        "WASHINGTON —\n\nDr. Amal Haddad, a U.N. envoy, met U.S. officials in Washington, D.C., "
        "on Jan. 3 at 3.30 p.m. to discuss the evacuation.",
        '"We are not there yet," she told reporters. "Not even close."',
        "Advertisement\n\nIsrael said about 800 people were to be moved.",
        "Jordan later put the number at 422… Others gave 98 members and 324 relatives.",
        "Mr. Cohen, 54, declined to comment. He left at 5 p.m. on Friday.\n\nRead more:",
    ]


def test_no_passage_crosses_a_paragraph_between_full_sentences() -> None:
    text = "The first paragraph ends right here.\n\nThe second paragraph starts over here."
    assert texts(segment(text)) == [
        "The first paragraph ends right here.",
        "The second paragraph starts over here.",
    ]


def test_line_per_sentence_text() -> None:
    text = "Tara Reid checks into rehab\nThe actress entered the Promises Treatment Center on Tuesday.\n"
    assert texts(segment(text)) == [
        "Tara Reid checks into rehab",
        "The actress entered the Promises Treatment Center on Tuesday.",
    ]


def test_hard_wrapped_line_is_not_a_break() -> None:
    text = "The ministry said the convoy would\ncross the border before dawn on Sunday."
    assert texts(segment(text)) == [text]


def test_long_sentence_is_cut_on_a_safe_boundary() -> None:
    clause = "the committee heard from witnesses who described the delays in detail"
    text = "; ".join([clause] * 40) + "."
    passages = segment(text)
    check_invariants(text, passages)
    assert len(passages) > 1
    assert all(len(p.text) <= MAX_PASSAGE_CHARS for p in passages)
    assert all(p.text.endswith(";") or p.text.endswith(".") for p in passages)


def test_unbroken_run_is_still_cut() -> None:
    text = "x" * 2500
    passages = segment(text)
    check_invariants(text, passages)
    assert [len(p.text) for p in passages] == [1000, 1000, 500]


@pytest.mark.parametrize("text", ["", "   ", "\n\n\n", "\t"])
def test_blank_text_has_no_passages(text: str) -> None:
    assert segment(text) == []
    assert sentence_spans(text) == []


def test_only_a_fragment() -> None:
    assert texts(segment("  Advertisement  ")) == ["Advertisement"]


def test_sentence_spans_do_not_merge() -> None:
    text = "He agreed. She did not.\n\nThen silence."
    assert [text[s:e] for s, e in sentence_spans(text)] == ["He agreed.", "She did not.", "Then silence."]


_ALPHABET = st.sampled_from(
    list("abcdefghij ABC.,;:!?…\"'“”‘’—-()0123456789\n\n\t\r\u00a0\u2028é中😀") + ["Dr. ", "U.S. ", "p.m. "]
)


@settings(max_examples=400, deadline=None, database=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(_ALPHABET, max_size=400).map("".join))
def test_offsets_are_exact_for_any_text(text: str) -> None:
    check_invariants(text, segment(text))


@settings(max_examples=100, deadline=None, database=None)
@given(st.text(max_size=3000))
def test_offsets_are_exact_for_arbitrary_unicode(text: str) -> None:
    passages = segment(text)
    check_invariants(text, passages)
    assert all(len(p.text) <= MAX_PASSAGE_CHARS for p in passages)


@pytest.mark.data
def test_offsets_on_real_articles(shared_data: Path) -> None:
    rng = random.Random(7)
    checked = 0
    with (shared_data / "events.dev.jsonl").open(encoding="utf-8") as lines:
        for line in lines:
            for article in json.loads(line)["articles"]:
                text = article["text"]
                check_invariants(text, segment(text))
                # Real text with the whitespace mangled the way scrapers mangle it.
                noisy = text.replace(". ", rng.choice([".  ", ".\n", ". \u00a0", ".\r\n"]), 3)
                check_invariants(noisy, segment(noisy))
                checked += 1
    assert checked > 1000
