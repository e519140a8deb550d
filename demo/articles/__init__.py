"""Every invented article, one module per event, with its ground-truth event key."""

from __future__ import annotations

from demo.articles import (
    evacuation,
    factory_fire,
    rail_strike_november,
    rail_strike_october,
    rate_decision,
)
from demo.articles.model import (
    EVACUATION,
    EVENTS,
    FACTORY_FIRE,
    RAIL_STRIKE_NOVEMBER,
    RAIL_STRIKE_OCTOBER,
    RATE_DECISION,
    DemoArticle,
)

__all__ = [
    "ARTICLES",
    "EVACUATION",
    "EVENTS",
    "FACTORY_FIRE",
    "RAIL_STRIKE_NOVEMBER",
    "RAIL_STRIKE_OCTOBER",
    "RATE_DECISION",
    "DemoArticle",
]

ARTICLES: tuple[DemoArticle, ...] = (
    *evacuation.ARTICLES,
    *factory_fire.ARTICLES,
    *rate_decision.ARTICLES,
    *rail_strike_october.ARTICLES,
    *rail_strike_november.ARTICLES,
)
