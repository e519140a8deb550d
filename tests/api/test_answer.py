from __future__ import annotations

import json

from api.answer import LIGHT_FORM_MAX_BYTES, AnswerFacts, PreparedAnswer, light_view, splice
from api.schemas import (
    AnswerStatus,
    ArticleOut,
    CompareResponse,
    CompareSummaryResponse,
    Comparison,
    ComparisonView,
    CounterpartOut,
    CoverageOut,
    DivergenceOut,
    MetaOut,
    PassageOut,
    PendingCoverage,
    SummaryOut,
)


def _passage(index: int) -> PassageOut:
    return PassageOut(id=index, index=index, start=index * 20, end=index * 20 + 10, text="x" * 10)


def _comparison(*, divergences: int, outlets: int, name_length: int) -> Comparison:
    divergence = DivergenceOut(
        type="numeric",
        confidence=0.9,
        passage=_passage(0),
        counterparts=[CounterpartOut(article_id=2, outlet="o", url="u", start=0, end=1, text="y")],
        evidence={"this": "800", "other": "422"},
        explanation="800 here; 422 there.",
    )
    names = [f"{n:03d}" + "n" * name_length for n in range(outlets)]
    return Comparison(
        article=ArticleOut(
            id=1,
            url="https://a.example/" + "p" * 1980,
            outlet="O" * 500,
            title="T" * 5000,
            published_at=None,
            language="en",
            passages=[_passage(n) for n in range(3)],
        ),
        coverage=[
            CoverageOut(
                article_id=n + 10,
                url=f"https://b.example/{n}",
                outlet=name,
                title="t",
                published_at=None,
                same_event_confidence=0.9,
                wire_copy_of=None,
            )
            for n, name in enumerate(names)
        ],
        claims=[],
        divergences=[divergence] * divergences,
        key_differences=[divergence] * min(5, divergences),
        summary=SummaryOut(agreeing_outlets=names, diverging_outlets=names),
        model="m",
        index_version="v",
        engine="e",
    )


def _large_status() -> AnswerStatus:
    return AnswerStatus(
        ingested=True,
        coverage_status="pending",
        pending=PendingCoverage(job_id=10**9, poll=f"/jobs/{10**9}", retry_after=30),
        meta=MetaOut(
            model="sentence-transformers/all-MiniLM-L6-v2",
            index_version="passages:123456789,reports:123456789",
            engine="engine-1",
            cached=False,
            timings_ms={"total": 123456.78},
        ),
    )


def test_the_light_form_highlights_only_the_key_differences_under_5kb() -> None:
    comparison = _comparison(divergences=2000, outlets=5, name_length=10)
    comparison.key_differences[0] = comparison.key_differences[0].model_copy(
        update={"confidence": 0.99}
    )
    answer = splice(PreparedAnswer(comparison).view("summary"), _large_status())
    assert len(answer) <= LIGHT_FORM_MAX_BYTES
    body = CompareSummaryResponse.model_validate_json(answer)
    assert len(body.highlights) == 5
    assert body.highlights[0].confidence == 0.99
    assert body.highlights[0].explanation == "800 here; 422 there."
    assert body.coverage_count == 5


def test_the_light_form_fits_even_with_many_long_outlet_names() -> None:
    comparison = _comparison(divergences=50, outlets=60, name_length=150)
    view = light_view(comparison)
    answer = splice(view.model_dump_json().encode(), _large_status())
    assert len(answer) <= LIGHT_FORM_MAX_BYTES
    assert view.outlets
    assert view.summary.diverging_outlets


def test_a_spliced_answer_is_the_full_response() -> None:
    comparison = _comparison(divergences=3, outlets=2, name_length=5)
    status = _large_status()
    spliced = splice(PreparedAnswer(comparison).view("full"), status)
    expected = CompareResponse(
        **comparison.model_dump(include=set(CompareResponse.model_fields)), **status.model_dump()
    )
    assert json.loads(spliced) == json.loads(expected.model_dump_json())
    assert list(json.loads(spliced)) == list(CompareResponse.model_fields)


def test_a_prepared_answer_keeps_both_views_and_the_facts_a_request_needs() -> None:
    comparison = _comparison(divergences=1, outlets=2, name_length=5)
    answer = PreparedAnswer(comparison)
    assert answer.view("full") == comparison.model_dump_json(
        include=set(ComparisonView.model_fields)
    ).encode("utf-8")
    assert answer.view("summary") == light_view(comparison).model_dump_json().encode("utf-8")
    facts = answer.facts
    assert (facts.article_id, facts.article_url) == (comparison.article.id, comparison.article.url)
    assert facts.other_outlets == {item.outlet for item in comparison.coverage}
    assert facts.has_coverage
    assert (facts.model, facts.index_version, facts.engine) == (
        comparison.model,
        comparison.index_version,
        comparison.engine,
    )


def test_the_article_s_own_outlet_is_not_other_coverage() -> None:
    comparison = _comparison(divergences=1, outlets=2, name_length=5)
    own = comparison.article.outlet
    first = comparison.coverage[0].model_copy(update={"outlet": own})
    unnamed = comparison.coverage[1].model_copy(update={"outlet": ""})
    facts = AnswerFacts.of(comparison.model_copy(update={"coverage": [first, unnamed]}))
    assert facts.other_outlets == {f"article:{unnamed.article_id}"}
