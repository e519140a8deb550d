"""Entity extraction and figure parsing stay near-linear on inputs built to make them quadratic."""

from __future__ import annotations

import pytest

from comparison.entities import RegexEntityExtractor
from tests.adversarial import finishes

pytestmark = pytest.mark.slow

EXTRACT = """
from comparison.entities import RegexEntityExtractor, figure_values
text = {text}
print(len(RegexEntityExtractor().extract(text)), len(figure_values(text)))
"""


def test_twenty_thousand_entities_are_not_compared_pairwise() -> None:
    text = "' '.join(f'Alpha{n} said {n}.' for n in range(100_000))"
    entities, figures = map(int, finishes(EXTRACT.format(text=text)).split())
    assert entities == 200_000
    assert figures == 100_000


@pytest.mark.parametrize(
    "text",
    [
        "'1' * 300_000",  # a money or percent pattern retried from every digit
        "'A' + ' ' * 100_000 + 'a'",  # two space quantifiers around an optional particle
        "'The Foo said. ' * 50_000",  # a leading stop word stripped by copying the rest
    ],
)
def test_regexes_do_not_backtrack_quadratically(text: str) -> None:
    finishes(EXTRACT.format(text=text))


def test_overlapping_mentions_keep_the_first_pattern() -> None:
    found = RegexEntityExtractor().extract("On May 5 2019 the fund lost $5 million, or 12 percent.")
    assert [(e.label, e.text) for e in found] == [
        ("DATE", "May 5 2019"),
        ("MONEY", "$5 million"),
        ("PERCENT", "12 percent"),
    ]


def test_a_passage_listing_many_counts_is_not_summed_in_every_triple() -> None:
    code = """
    from comparison.model import PassageView
    from comparison.numeric import compare_quantities
    heads = [f"{chr(97 + n % 26)}{chr(97 + n // 26 % 26)}rbles" for n in range(200)]
    focus = ", ".join(f"{n + 2} {head}" for n, head in enumerate(heads))
    other = ", ".join(f"{n + 900} {head}" for n, head in enumerate(heads))
    found = compare_quantities(
        PassageView(0, 1, 0, 0, len(focus), focus), PassageView(1, 2, 0, 0, len(other), other)
    )
    print(found is not None)
    """
    assert finishes(code).strip() == "True"
