"""The `parallax` command."""

from __future__ import annotations

from cli.main import app

__all__ = ["app"]
