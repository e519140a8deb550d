"""The evaluation commands' shared surface: one parser, the shared data folder, one printer."""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Mapping
from pathlib import Path

DEFAULT_DATA = Path("../shared/data")


def command(prog: str, description: str | None, *, data: bool = True) -> argparse.ArgumentParser:
    """The parser every `python -m evaluation.*` command starts from: `--json`, and `--data`
    (the shared data folder) unless the command takes its files one by one."""
    parser = argparse.ArgumentParser(
        prog=f"python -m {prog}",
        description=description,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    if data:
        parser.add_argument("--data", type=Path, default=DEFAULT_DATA, help="shared data folder")
    parser.add_argument("--json", action="store_true", help="print the results as JSON")
    return parser


def require(path: Path) -> Path | None:
    """`path` when it exists; otherwise prints why to stderr and returns None (exit code 2)."""
    if path.exists():
        return path
    print(
        f"data not found: {path} (pass --data DIR pointing at the shared data folder)",
        file=sys.stderr,
    )
    return None


def emit(metrics: Mapping[str, object], as_json: bool, *, width: int = 40) -> None:
    """Print flat metrics as JSON or as aligned `name value` lines."""
    if as_json:
        print(json.dumps(metrics, indent=2, sort_keys=True))
        return
    for key, value in metrics.items():
        print(f"{key:{width}} {value}")
