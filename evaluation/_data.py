"""Locating the shared data folder from a command line."""

from __future__ import annotations

import sys
from pathlib import Path

DEFAULT_DATA = Path("../shared/data")


def require(path: Path) -> Path | None:
    """`path` when it exists; otherwise prints why to stderr and returns None (exit code 2)."""
    if path.exists():
        return path
    print(
        f"data not found: {path} (pass --data DIR pointing at the shared data folder)",
        file=sys.stderr,
    )
    return None
