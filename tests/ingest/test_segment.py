from __future__ import annotations

import json
import random
from pathlib import Path

import pytest

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
        "Jordan later put the number at 422…",
        "Others gave 98 members and 324 relatives.",
        "Mr. Cohen, 54, declined to comment.",
        "He left at 5 p.m. on Friday.\n\nRead more:",
    ]


def test_no_passage_crosses_a_paragraph_between_full_sentences() -> None:
    text = "The first paragraph ends right here.\n\nThe second paragraph starts over here."
    assert texts(segment(text)) == [
        "The first paragraph ends right here.",
        "The second paragraph starts over here.",
    ]


def test_line_per_sentence_text() -> None:
    text = "Tara Reid checks into rehab\nThe actress entered the Promises Treatment Center today.\n"
    assert texts(segment(text)) == [
        "Tara Reid checks into rehab",
        "The actress entered the Promises Treatment Center today.",
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
    assert [text[s:e] for s, e in sentence_spans(text)] == [
        "He agreed.",
        "She did not.",
        "Then silence.",
    ]


_PIECES = [
    *"abcdefghij ABC.,;:!?…\"'“”‘’—-()0123456789\n\n\t\r\u00a0\u2028é中😀",
    "Dr. ",
    "U.S. ",
    "p.m. ",
    "\n\n",
]


def test_offsets_are_exact_for_random_texts() -> None:
    # Runs without hypothesis too; the hypothesis tests below search the same space harder.
    rng = random.Random(20181122)
    for _ in range(1500):
        text = "".join(rng.choice(_PIECES) for _ in range(rng.randrange(0, 400)))
        check_invariants(text, segment(text))
    for _ in range(30):
        text = "".join(rng.choice(_PIECES[:5]) for _ in range(rng.randrange(1000, 4000)))
        passages = segment(text)
        check_invariants(text, passages)
        assert all(len(p.text) <= MAX_PASSAGE_CHARS for p in passages)


try:
    from hypothesis import HealthCheck, given, settings
    from hypothesis import strategies as st
except ImportError:  # hypothesis is a dev extra; the seeded test above still runs without it
    pass
else:

    @settings(
        max_examples=400,
        deadline=None,
        database=None,
        suppress_health_check=[HealthCheck.too_slow],
    )
    @given(st.lists(st.sampled_from(_PIECES), max_size=400).map("".join))
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
                if rng.random() > 0.25:
                    continue
                text = article["text"]
                check_invariants(text, segment(text))
                # Real text with the whitespace mangled the way scrapers mangle it.
                noisy = text.replace(". ", rng.choice([".  ", ".\n", ". \u00a0", ".\r\n"]), 3)
                check_invariants(noisy, segment(noisy))
                checked += 1
    assert checked > 300


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (
            "Democrats accused Republicans of blocking the deal. Mr. Obama said they had failed. "
            "Sen. Thom Tillis disagreed with that.",
            [
                "Democrats accused Republicans of blocking the deal.",
                "Mr. Obama said they had failed.",
                "Sen. Thom Tillis disagreed with that.",
            ],
        ),
        (
            "He said he was the strongest candidate ever. Mrs. Clinton has called for new rules.",
            [
                "He said he was the strongest candidate ever.",
                "Mrs. Clinton has called for new rules.",
            ],
        ),
        (
            "“That is the best expression of my opinion.” “You know it matters,” she said.",
            ["“That is the best expression of my opinion.”", "“You know it matters,” she said."],
        ),
        (
            'He said the man is an emotional wreck. "\nOfficials said the move is unlikely.',
            ['He said the man is an emotional wreck. "', "Officials said the move is unlikely."],
        ),
        (
            "The meeting with Dr. Haddad and Gov. Smith ran late on Jan. 3 in Washington, D.C.",
            ["The meeting with Dr. Haddad and Gov. Smith ran late on Jan. 3 in Washington, D.C."],
        ),
        (
            "Crowds run beside a plane at the airport in Kabul UGC via AP British forces help a "
            "child at the airport.",
            [
                "Crowds run beside a plane at the airport in Kabul UGC via AP",
                "British forces help a child at the airport.",
            ],
        ),
        (
            "Mandel Andel via Getty Images Within two days, the league moved the game.",
            ["Mandel Andel via Getty Images", "Within two days, the league moved the game."],
        ),
        (
            "The Augusta Chronicle via AP, File “We will lose our country,” he wrote.",
            ["The Augusta Chronicle via AP, File", "“We will lose our country,” he wrote."],
        ),
        (
            "The letter reached the senator via AP reporters who had obtained it.",
            ["The letter reached the senator via AP reporters who had obtained it."],
        ),
    ],
)
def test_titles_and_quotes(text: str, expected: list[str]) -> None:
    assert [text[s:e] for s, e in sentence_spans(text)] == expected
