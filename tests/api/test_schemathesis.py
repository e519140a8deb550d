"""Schemathesis against the OpenAPI schema of a served app: zero failures allowed.

The app runs under uvicorn with the hashing test double as its embedder: this fuzzes the HTTP
surface (validation, problem+json, status codes, headers), not the model.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from tests.api._support import no_shipped_outlets, served

pytestmark = pytest.mark.slow

CONFIG = Path(__file__).with_name("schemathesis.toml")
APP = ["-m", "uvicorn", "--factory", "tests.api._served_app:build"]


def test_schemathesis_finds_nothing(tmp_path: Path) -> None:
    pytest.importorskip("schemathesis")
    # Beside this interpreter: make runs the suite without activating the virtualenv.
    beside = Path(sys.executable).with_name("schemathesis")
    executable = str(beside) if beside.is_file() else shutil.which("schemathesis")
    assert executable is not None
    env = {
        "PARALLAX_DATA_DIR": str(tmp_path / "data"),
        "PARALLAX_OUTLETS_FILE": str(no_shipped_outlets(tmp_path / "outlets.toml")),
        "PARALLAX_SCHEDULER_ENABLED": "false",
        "PARALLAX_COVERAGE_REFRESH": "false",
        "PARALLAX_RATE_LIMIT_PER_MINUTE": "0",
        "PARALLAX_FETCH_RETRIES": "0",
        "PARALLAX_CONNECT_TIMEOUT": "1",
        "PARALLAX_FETCH_DEADLINE": "3",
        "PARALLAX_COMPARE_DEADLINE": "5",
    }
    with served(APP, env, tmp_path / "server.log") as base_url:
        run = subprocess.run(
            [
                executable,
                "--config-file",
                str(CONFIG),
                "run",
                f"{base_url}/openapi.json",
                "--max-examples",
                "25",
                "--request-timeout",
                "15",
                "--generation-deterministic",
                "--no-color",
            ],
            capture_output=True,
            text=True,
            timeout=900,
            check=False,
            cwd=tmp_path,
        )
    assert run.returncode == 0, run.stdout[-6000:] + run.stderr[-2000:]
