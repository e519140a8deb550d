from __future__ import annotations

import typer
from typer.testing import CliRunner

from api.security import KeyRing
from cli.serve import keygen, serve


def test_keygen_prints_a_key_and_the_hash_that_accepts_it() -> None:
    app = typer.Typer()
    app.command()(keygen)
    result = CliRunner().invoke(app, [])
    assert result.exit_code == 0
    lines = dict(line.split(":", 1) for line in result.output.strip().splitlines())
    key, digest = lines["key"].strip(), lines["hash"].strip()
    assert KeyRing([digest]).identify(key) is not None


def test_serve_takes_host_and_port() -> None:
    app = typer.Typer()
    app.command()(serve)
    result = CliRunner().invoke(app, ["--help"])
    assert result.exit_code == 0
    assert "--host" in result.output
    assert "--port" in result.output
    bad = CliRunner().invoke(app, ["--port", "0"])
    assert bad.exit_code != 0
