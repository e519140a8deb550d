"""The shape of one invented article and the keys of the invented events."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

__all__ = [
    "EVACUATION",
    "EVENTS",
    "FACTORY_FIRE",
    "RAIL_STRIKE_NOVEMBER",
    "RAIL_STRIKE_OCTOBER",
    "RATE_DECISION",
    "DemoArticle",
]

EVACUATION = "sardova-rescuers-evacuation"
FACTORY_FIRE = "marlow-vale-factory-fire"
RATE_DECISION = "bank-of-aldermark-rate-cut"
RAIL_STRIKE_OCTOBER = "rtwu-rail-strike-october"
RAIL_STRIKE_NOVEMBER = "rtwu-rail-strike-november"

EVENTS: dict[str, str] = {
    EVACUATION: "Sardovan civil-defence rescuers evacuated through Keled to Halvira",
    FACTORY_FIRE: "Fire at the Brennick Plastics plant in Marlow Vale",
    RATE_DECISION: "Bank of Aldermark cuts its policy rate",
    RAIL_STRIKE_OCTOBER: "RTWU 24-hour rail strike over pay (October)",
    RAIL_STRIKE_NOVEMBER: "RTWU 48-hour rail strike over staffing (November)",
}


@dataclass(frozen=True, slots=True)
class DemoArticle:
    """One invented article; `event` is the ground truth same-event tests compare against.

    `path` is relative to the outlet's prefix, e.g. "2026/11/08/rescuers-evacuated".
    `feed_tracking` adds campaign parameters to the feed's link so canonicalisation is exercised.
    """

    outlet: str
    path: str
    title: str
    authors: tuple[str, ...]
    published_at: datetime
    paragraphs: tuple[str, ...]
    event: str
    section: str = "News"
    summary: str = ""
    feed_tracking: bool = False

    @property
    def text(self) -> str:
        return "\n\n".join(self.paragraphs)

    @property
    def description(self) -> str:
        return self.summary or self.paragraphs[0]
