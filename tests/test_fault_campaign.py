"""The fault campaign's fast part (`bench/faults.py --fast`): every case handled, nothing lost."""

from __future__ import annotations

import os
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
    assert len(cases) == 13, done.stdout
    full_disk = cases.pop("full disk for the data directory")
    if os.geteuid() == 0:
        assert full_disk[0] == full_disk[1] != "0", done.stdout
        assert full_disk[4] == "0 lost, 0 duplicated, integrity ok, indexes = store"
    else:
        assert full_disk[4].startswith("skipped: no tmpfs")
    for case, (tries, handled, _time, _memory, lost) in cases.items():
        assert tries == handled, (case, done.stdout)
        assert lost.startswith("0"), (case, lost)
    assert "indexes = store" in cases["kill -9 during ingest (3 cycles)"][4]
    overload = cases["overload: 72 comparisons at once, 4× capacity"][4]
    assert "shed" in overload
    assert "/healthz failed" not in overload
