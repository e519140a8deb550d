"""Puts the repository root on the import path, as pytest does, for benchmarks that reuse the
test suite's helpers (`tests` is not an installed package): `python bench/<name>.py` then
runs from any directory."""

from __future__ import annotations

import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))
