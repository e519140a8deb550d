"""The fault campaign's fast part (`bench/faults.py --fast`): every case handled, nothing lost."""

from __future__ import annotations

import subprocess
import sys

import pytest

from tests.adversarial import ROOT

pytestmark = pytest.mark.slow

CAMPAIGN_HANG_GUARD_SECONDS = 1200


def test_the_fast_campaign_handles_every_case_and_loses_nothing() -> None:
    done = subprocess.run(
        [sys.executable, str(ROOT / "bench" / "faults.py"), "--fast"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=CAMPAIGN_HANG_GUARD_SECONDS,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    rows = [line.split("|")[1:-1] for line in done.stdout.splitlines() if line.startswith("| ")]
    cases = {cells[0].strip(): [cell.strip() for cell in cells[1:]] for cells in rows[1:]}
    assert len(cases) == 11, done.stdout
    for case, (tries, handled, _time, _memory, lost) in cases.items():
        assert tries == handled, (case, done.stdout)
        assert lost.startswith("0"), (case, lost)
    assert "indexes = store" in cases["kill -9 during ingest (3 cycles)"][4]
