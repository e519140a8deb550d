"""Metrics behind `parallax eval`, computed on files in the shared data format."""

from __future__ import annotations
