from __future__ import annotations

import pytest

from comparison.quantities import (
    Quantity,
    clause_context,
    extract_quantities,
    is_planned,
    parse_number_words,
)


def _one(text: str, kind: str) -> Quantity:
    found = [q for q in extract_quantities(text) if q.kind == kind]
    assert len(found) == 1, found
    return found[0]


def test_offsets_are_exact() -> None:
    text = "About 800 were to be evacuated; 422 arrived in Jordan on July 22, 2018, at 3:30 p.m."
    quantities = extract_quantities(text)
    assert [q.text for q in quantities] == ["About 800", "422", "July 22, 2018", "3:30 p.m."]
    for q in quantities:
        assert text[q.start : q.end] == q.text


@pytest.mark.parametrize(
    ("words", "value"),
    [
        ("four hundred and twenty-two", 422.0),
        ("twenty-two", 22.0),
        ("a dozen", 12.0),
        ("two million", 2_000_000.0),
        ("one thousand two hundred", 1200.0),
        ("ninety", 90.0),
        ("half", 0.5),
        ("elephant", None),
    ],
)
def test_parse_number_words(words: str, value: float | None) -> None:
    assert parse_number_words(words) == value


@pytest.mark.parametrize(
    ("text", "value", "head"),
    [
        ("Four hundred and twenty-two people crossed into Jordan.", 422.0, "person"),
        ("The convoy carried 98 members of the group.", 98.0, "member"),
        ("Officials said 324 of their relatives also left.", 324.0, "relative"),
        ("At least 12 armed men attacked the post.", 12.0, "man"),
        ("Police detained 1,250 protesters overnight.", 1250.0, "protester"),
        ("Nearly 80 937 hectares burned.", 80937.0, ""),
        ("A dozen children were rescued.", 12.0, "child"),
    ],
)
def test_counts_and_what_they_count(text: str, value: float, head: str) -> None:
    found = [q for q in extract_quantities(text) if q.kind in ("count", "measure")]
    assert found
    q = found[0]
    if q.kind == "count":
        assert q.value == value
        assert q.head == head


def test_approximate_qualifiers_and_ranges() -> None:
    about = _one("About 800 people were to be evacuated.", "count")
    assert about.approximate
    assert about.value == 800.0
    assert about.text == "About 800"
    more = _one("More than 3,000 troops were deployed.", "count")
    assert more.approximate
    assert more.value == 3000.0
    assert more.head == "troop"
    span = _one("Between 80 and 100 people were hurt.", "count")
    assert (span.value, span.high, span.approximate) == (80.0, 100.0, True)
    dash = _one("Some 80-100 boats sank.", "count")
    assert (dash.value, dash.high) == (80.0, 100.0)
    vague = _one("Hundreds of protesters gathered outside.", "count")
    assert vague.approximate
    assert vague.value == 200.0
    assert vague.head == "protester"


def test_money() -> None:
    billions = _one("Safeway bought the chain for $1.8 billion in 1998.", "money")
    assert (billions.value, billions.unit, billions.text) == (1.8e9, "USD", "$1.8 billion")
    assert billions.resolution == pytest.approx(0.05e9)
    pounds = _one("The club paid £40m for him.", "money")
    assert (pounds.value, pounds.unit) == (40e6, "GBP")
    euros = _one("Fines reached €2.5 million.", "money")
    assert (euros.value, euros.unit) == (2.5e6, "EUR")
    words = _one("They lost 80-100 million dollars.", "money")
    assert (words.value, words.high, words.unit) == (80e6, 100e6, "USD")
    hyphen = _one("He posted $3-million bail.", "money")
    assert hyphen.value == 3e6


def test_percentages() -> None:
    assert _one("Shares fell 12.5% on Monday.", "percent").value == 12.5
    assert _one("Turnout rose 4 percent.", "percent").value == 4.0
    assert _one("The rate is 3 per cent.", "percent").value == 3.0
    assert _one("The 3 5/8 percent note fell.", "percent").value == 3.625


def test_dates_times_and_years() -> None:
    date = _one("The evacuation took place on July 22, 2018.", "date")
    assert date.date_parts == (2018, 7, 22)
    european = _one("It happened on 23 July 2018 near the border.", "date")
    assert european.date_parts == (2018, 7, 23)
    no_year = _one("Voting ends Sept. 9.", "date")
    assert no_year.date_parts == (0, 9, 9)
    weekday = _one("Police said on Monday that it was over.", "date")
    assert weekday.unit == "weekday"
    assert _one("He was first elected in 1998.", "year").value == 1998.0
    assert _one("Polls close at 7 p.m.", "time").value == 19.0
    assert _one("The meeting began at 10:45.", "time").value == pytest.approx(10.75)


def test_durations_ages_ordinals_and_measures() -> None:
    months = _one("She spent three months in rehab.", "duration")
    assert months.value == pytest.approx(3 * 30.4)
    assert months.unit == "day"
    half = _one("She was 5 1/2 months pregnant.", "duration")
    assert half.value == pytest.approx(5.5 * 30.4)
    assert _one("The 33-year-old actress checked in.", "age").value == 33.0
    ordinal = _one("She entered rehab for the second time.", "ordinal")
    assert (ordinal.value, ordinal.head) == (2.0, "time")
    assert _one("It was his 3rd arrest.", "ordinal").value == 3.0
    miles = _one("The town lies 30 miles west of Baghdad.", "measure")
    assert miles.unit == "m"
    assert miles.value == pytest.approx(30 * 1609.34)


def test_text_without_numbers() -> None:
    assert extract_quantities("The minister attended the summit in Brussels.") == []


def test_context_and_modality() -> None:
    text = "Israel said about 800 were to be evacuated. Jordan said 422 arrived."
    q = extract_quantities(text)[1]
    context = clause_context(text, q.start, q.end)
    assert context == "Jordan said 422 arrived."
    assert is_planned("about 800 were to be evacuated")
    assert not is_planned(context)
