from __future__ import annotations

import gc
from collections.abc import Callable

import httpx

from api.main import YOUNG_GENERATION_THRESHOLD
from core.config import Settings
from tests.api._support import Lifespan, assert_problem, running


async def test_healthz(client: httpx.AsyncClient) -> None:
    response = await client.get("/healthz")
    assert response.status_code == 200
    assert response.json() == {"status": "ok"}


async def test_readyz_reports_model_and_counts(client: httpx.AsyncClient) -> None:
    response = await client.get("/readyz")
    assert response.status_code == 200
    body = response.json()
    assert body["status"] == "ready"
    assert body["model"].startswith("test-double/")
    assert body["articles"] == 0
    assert body["pending_jobs"] == 0


async def test_metrics_are_prometheus_text_labelled_by_route(
    client: httpx.AsyncClient,
) -> None:
    await client.get("/articles/12345")
    response = await client.get("/metrics")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/plain")
    text = response.text
    assert (
        'parallax_http_requests_total{method="GET",route="/articles/{article_id}",status="404"} 1.0'
        in text
    )
    assert "parallax_http_request_duration_seconds_bucket" in text
    assert "parallax_ingest_jobs_pending 0.0" in text
    assert "parallax_articles 0.0" in text


async def test_each_app_has_its_own_registry(api: tuple[httpx.AsyncClient, Lifespan]) -> None:
    client, lifespan = api
    await client.get("/healthz")
    registry = lifespan.runtime.metrics.registry
    value = registry.get_sample_value(
        "parallax_http_requests_total", {"method": "GET", "route": "/healthz", "status": "200"}
    )
    assert value == 1.0


async def test_outlets_lists_the_registry(api: tuple[httpx.AsyncClient, Lifespan]) -> None:
    client, _ = api
    response = await client.get("/outlets")
    assert response.status_code == 200
    assert response.json() == []


async def test_unknown_route_and_method_are_problems(client: httpx.AsyncClient) -> None:
    assert_problem(await client.get("/nowhere"), 404, "not-found")
    assert_problem(await client.delete("/compare"), 405, "method-not-allowed")


async def test_openapi_documents_problems_and_examples(client: httpx.AsyncClient) -> None:
    schema = (await client.get("/openapi.json")).json()
    assert "Problem" in schema["components"]["schemas"]
    compare = schema["paths"]["/compare"]["post"]
    examples = compare["requestBody"]["content"]["application/json"]["examples"]
    assert set(examples) == {"url", "html", "text"}
    refused = compare["responses"]["403"]["content"]
    assert list(refused) == ["application/problem+json"]
    assert compare["responses"]["422"]["content"]["application/problem+json"]
    for path in (
        "/events",
        "/events/{event_id}",
        "/articles/{article_id}",
        "/outlets",
        "/ingest",
        "/jobs/{job_id}",
        "/healthz",
        "/readyz",
        "/metrics",
    ):
        assert path in schema["paths"]


async def test_the_app_freezes_its_startup_heap_and_restores_the_collector(
    api_settings: Callable[..., Settings],
) -> None:
    before = gc.get_threshold()
    async with running(api_settings()):
        assert gc.get_threshold()[0] == YOUNG_GENERATION_THRESHOLD
        assert gc.get_freeze_count() > 0, "what startup loaded is frozen"
    assert gc.get_threshold() == before
    assert gc.get_freeze_count() == 0
