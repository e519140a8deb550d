"""`parallax coverage`: one article's same-event coverage, found in the store or ingested now.

The store and the command share one embedder: the hashing test double, or the packaged model
for the test that checks the grouping against the demo's ground truth (slow).
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner, Result

import cli.coverage
from api.mapping import coverage_out
from api.schemas import ArticleOut, CoverageOut
from cli.main import ExitCode, app
from compare import EngineComparer
from core.config import Settings
from demo import ARTICLES, DemoArticle
from demo.articles import EVACUATION
from demo.server import DemoSite
from index.embedder import Embedder
from ingest.service import ingest_service
from tests.api._support import article_html, article_url, event_articles
from tests.doubles import HashingEmbedder

runner = CliRunner()
HASHING = HashingEmbedder(64)
EVENT = event_articles(EVACUATION)
# The Harbour Gazette reprints Meridian Wire's report; the others wrote their own.
MERIDIAN, GAZETTE, LEDGER, COURIER, PATRIOT = EVENT


@pytest.fixture(autouse=True)
def _environment(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PARALLAX_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.setenv("PARALLAX_PER_HOST_DELAY", "0")
    # Loopback stays refused, as by default, unless a test allows it.
    monkeypatch.delenv("PARALLAX_ALLOWED_PRIVATE_HOSTS", raising=False)
    monkeypatch.setenv("COLUMNS", "250")


@pytest.fixture
def model(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> Embedder:
    """The embedder behind the store and the command: hashing unless parametrised "packaged"."""
    chosen: Embedder = (
        request.getfixturevalue("embedder")
        if getattr(request, "param", "hashing") == "packaged"
        else HASHING
    )
    monkeypatch.setattr(cli.coverage, "load_embedder", lambda _settings: chosen)
    return chosen


def store(model: Embedder, articles: Sequence[DemoArticle]) -> dict[DemoArticle, int]:
    """Ingest the articles' pages (nothing fetched) into PARALLAX_DATA_DIR: article → id."""

    async def ingest() -> dict[DemoArticle, int]:
        async with ingest_service(
            Settings(), embedder=model, run_workers=False, schedule_feeds=False
        ) as service:
            ids: dict[DemoArticle, int] = {}
            for article in articles:
                result = await service.pipeline.ingest_html(
                    article_url(article), article_html(article)
                )
                ids[article] = result.article_id
            return ids

    return asyncio.run(ingest())


def coverage(*arguments: str) -> Result:
    return runner.invoke(app, ["coverage", *arguments])


def answer(result: Result) -> dict[str, Any]:
    assert result.exit_code == ExitCode.OK, result.output
    parsed: dict[str, Any] = json.loads(result.stdout)
    return parsed


def covered_ids(result: Result) -> set[int]:
    return {item["article_id"] for item in answer(result)["coverage"]}


@pytest.mark.parametrize(
    "model", ["hashing", pytest.param("packaged", marks=pytest.mark.slow)], indirect=True
)
def test_by_id_lists_the_other_outlets_of_its_event_only(model: Embedder) -> None:
    ids = store(model, ARTICLES)
    others = {ids[article] for article in EVENT if article != LEDGER}

    result = coverage("--article-id", str(ids[LEDGER]), "--json")
    body = answer(result)
    assert body["article"]["id"] == ids[LEDGER]
    assert body["article"]["outlet"] == "The Daily Ledger"
    assert body["event_id"] is not None
    assert covered_ids(result) == others
    confidences = [item["same_event_confidence"] for item in body["coverage"]]
    assert confidences == sorted(confidences, reverse=True)

    table = coverage("--article-id", str(ids[LEDGER]))
    assert table.exit_code == ExitCode.OK, table.output
    header = table.stdout.splitlines()[0]
    assert header.startswith(f"article {ids[LEDGER]} · The Daily Ledger · ")
    assert header.endswith(f"event {body['event_id']}")
    for item in body["coverage"]:
        assert item["outlet"] in table.stdout
        assert f"{item['same_event_confidence']:.2f}" in table.stdout
    assert "cosine " in table.stdout  # the evidence column


def test_json_is_the_coverage_compare_answers_with(model: Embedder) -> None:
    ids = store(model, EVENT)
    body = answer(coverage("--article-id", str(ids[LEDGER]), "--json"))

    assert set(body) == {"article", "event_id", "coverage"}
    assert set(body["article"]) == set(ArticleOut.model_fields) - {"passages"}
    for item in body["coverage"]:
        assert set(item) == set(CoverageOut.model_fields)
        CoverageOut.model_validate(item)

    async def compared() -> list[dict[str, Any]]:
        async with ingest_service(
            Settings(), embedder=model, run_workers=False, schedule_feeds=False
        ) as service:
            comparer = EngineComparer(service, index_version=str)
            comparison = await asyncio.to_thread(comparer.compare, ids[LEDGER])
        return [coverage_out(item).model_dump(mode="json") for item in comparison.coverage]

    assert body["coverage"] == asyncio.run(compared())
    copies = {item["article_id"]: item["wire_copy_of"] for item in body["coverage"]}
    assert copies.pop(ids[GAZETTE]) == ids[MERIDIAN]
    assert set(copies.values()) == {None}


def test_by_url_of_a_stored_article(model: Embedder) -> None:
    ids = store(model, EVENT)
    # Tracking parameters are canonicalised away, as the ingest pipeline does.
    url = article_url(COURIER) + "?utm_source=newsletter&utm_medium=email"

    result = coverage(url, "--json")
    assert answer(result)["article"]["id"] == ids[COURIER]
    assert covered_ids(result) == {ids[article] for article in EVENT if article != COURIER}
    assert "ingested" not in result.stderr


def test_a_new_article_is_fetched_ingested_and_its_coverage_printed(
    model: Embedder, monkeypatch: pytest.MonkeyPatch
) -> None:
    ids = store(model, EVENT[:-1])
    monkeypatch.setenv("PARALLAX_ALLOWED_PRIVATE_HOSTS", "127.0.0.1")
    with DemoSite() as site:
        result = coverage(site.url_of(PATRIOT), "--json")
        body = answer(result)
        assert "ingested as article" in result.stderr
        assert body["article"]["url"] == site.url_of(PATRIOT)
        assert covered_ids(result) == set(ids.values())

        again = coverage(site.url_of(PATRIOT), "--json")
        assert answer(again)["article"]["id"] == body["article"]["id"]
        assert "ingested" not in again.stderr


def test_a_saved_page_is_ingested_without_fetching(model: Embedder, tmp_path: Path) -> None:
    ids = store(model, EVENT[:-1])
    page = tmp_path / "saved.html"
    page.write_text(article_html(PATRIOT), encoding="utf-8")

    result = coverage(article_url(PATRIOT), "--html", str(page), "--json")
    assert "ingested as article" in result.stderr
    assert answer(result)["article"]["url"] == article_url(PATRIOT)
    assert covered_ids(result) == set(ids.values())


@pytest.mark.parametrize(
    "url", ["http://127.0.0.1/admin", "http://localhost:8080/", "http://[::1]/"]
)
def test_a_refused_address_is_a_one_line_error(model: Embedder, url: str) -> None:
    assert Settings().allowed_private_hosts == []
    result = coverage(url)
    assert result.exit_code == ExitCode.USAGE, result.output
    assert result.stdout == ""
    [line] = result.stderr.splitlines()
    assert line.startswith("error (refused-address): refused ")
    assert isinstance(result.exception, SystemExit)  # no traceback


@pytest.mark.parametrize("url", ["file:///etc/x", "ftp://news.example/a", "javascript:alert(1)"])
def test_a_url_of_another_scheme_is_a_one_line_invalid_url_error(model: Embedder, url: str) -> None:
    result = coverage(url)
    assert result.exit_code == ExitCode.USAGE, result.output
    [line] = result.stderr.splitlines()
    assert line.startswith("error (invalid-url): only http and https URLs are fetched")


def test_a_page_that_cannot_be_fetched_exits_3(
    model: Embedder, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("PARALLAX_ALLOWED_PRIVATE_HOSTS", "127.0.0.1")
    with DemoSite() as site:
        result = coverage(f"{site.base_url}/dailyledger/no-such-article")
    assert result.exit_code == ExitCode.ALL_FAILED, result.output
    [line] = result.stderr.splitlines()
    assert line.startswith("error (http-status): ")


def test_an_unknown_article_id_is_a_usage_error(model: Embedder) -> None:
    store(model, [MERIDIAN])
    result = coverage("--article-id", "99999")
    assert result.exit_code == ExitCode.USAGE, result.output
    assert result.stderr.strip() == "error (not-found): no article 99999"


def test_an_article_alone_in_its_event_exits_1(model: Embedder) -> None:
    ids = store(model, [MERIDIAN])
    [article_id] = ids.values()
    result = coverage("--article-id", str(article_id), "--json")
    assert result.exit_code == ExitCode.NO_COVERAGE, result.output
    assert json.loads(result.stdout)["coverage"] == []
    assert "no coverage" in result.stderr


@pytest.mark.parametrize(
    "arguments",
    [
        [],
        ["https://news.example/a", "--article-id", "1"],
        ["--article-id", "1", "--html", __file__],
        ["https://news.example/a", "--html", "does-not-exist.html"],
        ["--article-id", "0"],
    ],
)
def test_bad_usage_exits_2(arguments: list[str]) -> None:
    assert coverage(*arguments).exit_code == ExitCode.USAGE


def test_a_stored_article_of_a_host_no_longer_allowed_is_found_not_refused(
    model: Embedder, monkeypatch: pytest.MonkeyPatch
) -> None:
    ids = store(model, EVENT[:-1])
    monkeypatch.setenv("PARALLAX_ALLOWED_PRIVATE_HOSTS", "127.0.0.1")
    with DemoSite() as site:
        url = site.url_of(PATRIOT)
        first = answer(coverage(url, "--json"))
    monkeypatch.delenv("PARALLAX_ALLOWED_PRIVATE_HOSTS")
    # Looking it up fetches nothing: `coverage` finds it, as `ingest` finds it a duplicate.
    again = coverage(url, "--json")
    assert again.exit_code == 0, again.output
    assert answer(again)["article"]["id"] == first["article"]["id"]
    assert covered_ids(again) == set(ids.values())
    # A URL of that host that is not stored is still refused before anything is fetched.
    other = coverage(url.replace(PATRIOT.path, "no-such-article"))
    assert other.exit_code == ExitCode.USAGE
    assert other.stderr.startswith("error (refused-address): ")
