"""The comparison engine plugs in through `create_app(comparer=...)`: claims, divergences and
the light form's highlights come from it, and a failing engine is a bare 500 problem."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace

from compare import ArticleClaim, ClaimPassage, Comparer, Comparison, EngineComparer
from compare.summary import summarize
from comparison.model import ClaimMember, Divergence, PassageView
from core.config import Settings
from demo.articles import EVACUATION
from ingest.service import IngestService
from tests.api._support import (
    article_url,
    assert_problem,
    event_articles,
    event_ids,
    ingest_demo,
    running,
)


class _Engine:
    """Wraps the default engine, replacing its claims and divergences with one claim and one
    numeric divergence of its own."""

    name = "fake-engine-1"

    def __init__(self, service: IngestService) -> None:
        self._engine = EngineComparer(service, index_version=lambda: "v")
        self.calls = 0

    def compare(self, article_id: int) -> Comparison:
        self.calls += 1
        base = self._engine.compare(article_id)
        passage = base.article.passages[0]
        other = base.coverage[0]
        theirs = PassageView(999, other.article_id, 0, 0, 3, "422")
        claims = (
            ArticleClaim(
                id=1,
                passage=passage,
                others=(
                    ClaimPassage(
                        article_id=other.article_id,
                        outlet=other.outlet,
                        url=other.url,
                        passage_id=999,
                        start=0,
                        end=3,
                        text="422",
                        similarity=0.81,
                    ),
                ),
            ),
        )
        divergences = (
            Divergence(
                type="numeric",
                confidence=0.9,
                passage=passage,
                counterparts=(ClaimMember(theirs, other.outlet, 0.81),),
                evidence={"this": "800", "other": "422"},
                explanation="800 here, 422 there",
            ),
        )
        return replace(
            base,
            claims=claims,
            divergences=divergences,
            key_differences=divergences,
            summary=summarize(base.article.outlet, claims, divergences),
            engine=self.name,
        )

    def event_claims(self, event_id: int) -> tuple[ArticleClaim, ...]:
        return ()


async def test_an_engine_fills_claims_and_divergences(
    api_settings: Callable[..., Settings],
) -> None:
    engines: list[_Engine] = []

    def factory(service: IngestService) -> Comparer:
        engines.append(_Engine(service))
        return engines[-1]

    async with running(api_settings(), comparer=factory) as (client, lifespan):
        ids = [await ingest_demo(lifespan, a) for a in event_articles(EVACUATION)[:2]]
        assert len(set(event_ids(lifespan, ids))) == 1  # the pipeline's grouping
        params = {"url": article_url(event_articles(EVACUATION)[0])}
        answer = (await client.get("/compare", params=params)).json()
        assert answer["meta"]["engine"] == "fake-engine-1"
        [divergence] = answer["divergences"]
        assert divergence["type"] == "numeric"
        assert divergence["passage"]["start"] == answer["article"]["passages"][0]["start"]
        assert divergence["counterparts"][0]["article_id"] == ids[1]
        assert answer["summary"]["counts"]["numeric"] == 1
        assert answer["summary"]["diverging_outlets"] == [divergence["counterparts"][0]["outlet"]]
        assert answer["claims"][0]["others"][0]["similarity"] == 0.81

        light = (await client.get("/compare", params={**params, "fields": "summary"})).json()
        assert light["highlights"] == [
            {
                "type": "numeric",
                "start": divergence["passage"]["start"],
                "end": divergence["passage"]["end"],
                "confidence": 0.9,
                "explanation": "800 here, 422 there",
                "exact": divergence["passage"]["text"],
                "prefix": divergence["passage"]["prefix"],
                "suffix": divergence["passage"]["suffix"],
            }
        ]
        assert answer["key_differences"] == [divergence]
        assert engines[0].calls == 1  # the light form came from the cache


class _Broken:
    name = "broken"

    def compare(self, article_id: int) -> Comparison:
        raise RuntimeError("engine exploded")

    def event_claims(self, event_id: int) -> tuple[ArticleClaim, ...]:
        raise RuntimeError("engine exploded")


async def test_an_engine_failure_is_an_opaque_500_problem(
    api_settings: Callable[..., Settings],
) -> None:
    async with running(
        api_settings(), comparer=lambda _service: _Broken(), raise_app_exceptions=False
    ) as (client, lifespan):
        await ingest_demo(lifespan, event_articles(EVACUATION)[0])
        response = await client.get(
            "/compare", params={"url": article_url(event_articles(EVACUATION)[0])}
        )
        body = assert_problem(response, 500, "internal-error")
        assert "exploded" not in response.text
        assert body["detail"] == "the server could not complete the request"
