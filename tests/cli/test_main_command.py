"""The `parallax` command's own surface: what it says it is, its version, its flags."""

from __future__ import annotations

from importlib.metadata import version

from typer.testing import CliRunner

from cli.main import app

runner = CliRunner()


def test_version() -> None:
    result = runner.invoke(app, ["--version"])
    assert result.exit_code == 0
    assert result.output.strip() == f"parallax {version('parallax')}"


def test_help_says_what_parallax_does() -> None:
    result = runner.invoke(app, ["--help"])
    assert result.exit_code == 0
    assert "who else covered a news article" in result.output


def test_flags_are_shown_without_a_value() -> None:
    for command in (["coverage"], ["ingest"], ["serve"], ["eval"]):
        result = runner.invoke(app, [*command, "--help"], terminal_width=100)
        assert result.exit_code == 0, result.output
        for line in result.output.splitlines():
            if "--json" in line or "--feeds" in line or "--progress" in line or "--demo " in line:
                assert "<bool>" not in line, line
