"""One router per resource; `api.main` includes them all."""

from __future__ import annotations

from api.routes import articles, compare, events, health, ingest, outlets

ROUTERS = (
    health.router,
    compare.router,
    events.router,
    articles.router,
    outlets.router,
    ingest.router,
)

__all__ = ["ROUTERS"]
