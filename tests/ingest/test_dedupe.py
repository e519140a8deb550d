from __future__ import annotations

import pytest

from ingest.dedupe import (
    NEAR_DUPLICATE_DISTANCE,
    content_hash,
    hamming,
    is_near_duplicate,
    simhash,
)

WIRE = """LOS ANGELES (AP) — Automakers rolled out a fleet of new SUVs and electric vehicles \
at the Los Angeles Auto Show on Wednesday, betting that buyers will keep moving away from sedans.

Ford showed off its Mustang Mach-E, an all-electric SUV that borrows its name and some styling \
cues from the famous pony car. The company says it will have a range of up to 300 miles.

Volkswagen unveiled the ID. Space Vizzion, a concept electric wagon that it says will go on sale \
in 2021. Its interior is made largely of recycled materials.

Analysts say the shift toward SUVs is likely to continue even as fuel prices rise, because \
customers like the higher seating position and the extra cargo room they offer.

Tesla was not exhibiting at the show, but its pickup truck, due to be revealed next week in \
Hawthorne, was a frequent topic of conversation among executives and analysts."""

OTHER = """The Los Angeles Auto Show opened to the press this week with a clear message from the \
industry: the electric future is arriving, whether or not drivers are ready for it.

Walking the floor, one could hardly miss the crowds around the new Mustang, which now comes as a \
battery-powered crossover, a decision that has angered some longtime fans of the muscle car.

Dealers we spoke to were cautious. Several said customers still ask mostly about gas mileage and \
price, and that charging remains a worry for anyone who lives in an apartment.

Still, the investments are enormous, and the companies insist there is no turning back: most \
plan dozens of electric models by the middle of the decade."""


def test_content_hash_ignores_case_and_whitespace() -> None:
    assert content_hash("Hello  World\n\nAgain") == content_hash("hello world again ")
    assert content_hash("Hello World") != content_hash("Hello World!")
    assert len(content_hash("x")) == 64


def test_simhash_is_signed_64_bit_and_stable() -> None:
    values = [simhash(WIRE), simhash(OTHER), simhash("a b c d"), simhash("")]
    for value in values:
        assert -(2**63) <= value < 2**63
    assert simhash(WIRE) == simhash(WIRE)
    assert simhash("") == 0
    assert any(v < 0 for v in (simhash(f"story number {i} of the day") for i in range(40)))


def test_hamming_handles_signed_values() -> None:
    assert hamming(0, -1) == 64
    assert hamming(-1, -1) == 0
    assert hamming(0b1011, 0b0001) == 2
    assert hamming(-(2**63), 0) == 1


@pytest.mark.parametrize(
    "edited",
    [
        "By Maria Lopez, Associated Press\n\n" + WIRE,
        "Electric SUVs steal the show in LA\n\n" + WIRE,
        WIRE + "\n\nCopyright 2019 The Associated Press. All rights reserved.",
        WIRE.replace("Wednesday", "Tuesday"),
        WIRE.upper(),
    ],
)
def test_light_edits_are_near_duplicates(edited: str) -> None:
    assert is_near_duplicate(simhash(WIRE), simhash(edited))


def test_different_articles_on_one_event_are_not() -> None:
    distance = hamming(simhash(WIRE), simhash(OTHER))
    assert distance > NEAR_DUPLICATE_DISTANCE
    assert not is_near_duplicate(simhash(WIRE), simhash(OTHER))
    assert is_near_duplicate(simhash(WIRE), simhash(OTHER), max_distance=64)
