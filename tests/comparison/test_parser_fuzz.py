"""Property tests: the quantity parser and the entity extractor never crash on any text, and
every span they return is exact."""

from __future__ import annotations

from hypothesis import example, given, settings
from hypothesis import strategies as st

from comparison.entities import RegexEntityExtractor
from comparison.quantities import extract_quantities

# Pieces that steer the parsers into their branches, with the characters attackers use.
_PIECES = [
    " ",
    ", ",
    ". ",
    "\n",
    "-",
    "–",
    "$",
    "€",
    "£",
    "%",
    " percent",
    " million",
    " billion",
    "1",
    "12",
    "1,000",
    "3.5",
    "1/2",
    "between ",
    " and ",
    "about ",
    "some ",
    "up to ",
    "one",
    "two",
    "hundred",
    "thousand",
    "a dozen",
    "May 5",
    " 2019",
    "Monday",
    "10:30",
    "third",
    "people",
    " were killed",
    "Mr. ",
    "The ",
    "Jordan",
    "U.S.",
    "“",
    "”",
    "‘",
    "’",
    "\u0301",
    "\u200b",
    "\u200f",
    "\u202e",
    "\u2066",
    "\ufeff",
    "٣",
    "²",
]
hostile_text = st.lists(st.sampled_from(_PIECES), max_size=300).map("".join) | st.text(
    max_size=2000
)


@settings(max_examples=300, deadline=None, database=None)
@given(hostile_text)
@example("about Monday 2019")  # once read as one year, "about" reaching over the weekday
def test_quantities_have_exact_spans_in_order(text: str) -> None:
    previous_end = 0
    for quantity in extract_quantities(text):
        assert text[quantity.start : quantity.end] == quantity.text
        assert quantity.start >= previous_end
        previous_end = quantity.end


@settings(max_examples=300, deadline=None, database=None)
@given(hostile_text)
def test_entities_have_exact_non_overlapping_spans(text: str) -> None:
    previous_end = 0
    for entity in RegexEntityExtractor().extract(text):
        assert text[entity.start : entity.end] == entity.text
        assert entity.start >= previous_end
        previous_end = entity.end
