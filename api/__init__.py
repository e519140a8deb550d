"""The HTTP API: `create_app()` builds it; everything else is reached through it."""

from __future__ import annotations

from api.main import create_app

__all__ = ["create_app"]
