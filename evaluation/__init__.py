"""Metrics behind `parallax eval`, computed on files in the shared data format.

`run_suite` runs them all; each metric module also runs alone (`python -m evaluation.<name>`),
so none of those is imported here.
"""

from __future__ import annotations

from evaluation.suite import run_suite

__all__ = ["run_suite"]
