from __future__ import annotations

from pathlib import Path

import pytest
from typer.testing import CliRunner

from cli.main import ExitCode, app
from demo.server import DemoSite

runner = CliRunner()


@pytest.fixture(autouse=True)
def _environment(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PARALLAX_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.setenv("PARALLAX_ALLOWED_PRIVATE_HOSTS", "127.0.0.1")
    monkeypatch.setenv("PARALLAX_PER_HOST_DELAY", "0")


@pytest.mark.parametrize(
    "arguments",
    [
        ["ingest"],
        ["ingest", "--feeds", "--jsonl", "x.jsonl"],
        ["ingest", "https://example.com/a", "--jsonl", "x.jsonl"],
        ["ingest", "--jsonl", "does-not-exist.jsonl"],
    ],
)
def test_bad_usage_exits_2(arguments: list[str]) -> None:
    result = runner.invoke(app, arguments)
    assert result.exit_code == ExitCode.USAGE


def test_malformed_jsonl_exits_2(tmp_path: Path) -> None:
    broken = tmp_path / "broken.jsonl"
    broken.write_text('{"event_id": "x", "articles": [{"title": "no text"}]}\n', encoding="utf-8")
    result = runner.invoke(app, ["ingest", "--jsonl", str(broken), "--no-progress"])
    assert result.exit_code == ExitCode.USAGE
    assert "broken.jsonl:1" in result.output


@pytest.mark.slow
def test_partial_failure_exits_1_and_counts_reasons() -> None:
    with DemoSite() as site:
        good = site.article_urls()[:2]
        result = runner.invoke(app, ["ingest", *good, f"{site.base_url}/missing", "--no-progress"])
    assert result.exit_code == ExitCode.SOME_FAILED, result.output
    assert "ingested" in result.output
    assert "failed: http-status" in result.output


@pytest.mark.slow
def test_every_item_failing_exits_3() -> None:
    with DemoSite() as site:
        result = runner.invoke(app, ["ingest", *site.private_urls(), "--no-progress"])
    assert result.exit_code == ExitCode.ALL_FAILED, result.output
    assert "failed: robots-disallowed" in result.output
