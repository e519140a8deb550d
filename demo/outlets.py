"""The invented outlets: who they are, how their sites look, and their registry entries.

Every demo outlet lives on one host (the demo server), under its own path prefix:
`{base_url}/{slug}/...`. Host matching cannot tell them apart, so `outlet_for_demo_url`
maps a URL's first path segment to the outlet.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal
from urllib.parse import urlsplit

from core.models import Outlet

__all__ = ["DEMO_OUTLETS", "DemoOutlet", "demo_outlet", "demo_outlets", "outlet_for_demo_url"]


@dataclass(frozen=True, slots=True)
class DemoOutlet:
    slug: str
    name: str
    tagline: str
    feed_format: Literal["rss", "atom"]
    kind: str
    leaning: str
    sections: tuple[str, ...]
    disallowed_paths: tuple[str, ...] = ()
    news_sitemap: bool = False

    @property
    def feed_path(self) -> str:
        return "feed.xml" if self.feed_format == "rss" else "atom.xml"


DEMO_OUTLETS: tuple[DemoOutlet, ...] = (
    DemoOutlet(
        slug="dailyledger",
        name="The Daily Ledger",
        tagline="Independent journalism since 1871",
        feed_format="rss",
        kind="commercial",
        leaning="center",
        sections=("News", "World", "National", "Money", "Opinion", "Culture"),
        news_sitemap=True,
    ),
    DemoOutlet(
        slug="northerncourier",
        name="Northern Courier",
        tagline="The voice of the north",
        feed_format="atom",
        kind="commercial",
        leaning="lean-left",
        sections=("Local", "World", "Business", "Sport", "What's on"),
        disallowed_paths=("/private/",),
    ),
    DemoOutlet(
        slug="meridianwire",
        name="Meridian Wire",
        tagline="Fast, accurate, impartial",
        feed_format="rss",
        kind="wire",
        leaning="center",
        sections=("World", "National", "Business", "Markets"),
    ),
    DemoOutlet(
        slug="frontlinepatriot",
        name="Frontline Patriot",
        tagline="The news they don't want you to read",
        feed_format="rss",
        kind="commercial",
        leaning="right",
        sections=("Nation", "World", "Exposed", "Videos"),
    ),
    DemoOutlet(
        slug="harbourgazette",
        name="The Harbour Gazette",
        tagline="News from the port and beyond",
        feed_format="atom",
        kind="commercial",
        leaning="center",
        sections=("News", "World", "Port", "Weather"),
    ),
)

_BY_SLUG = {outlet.slug: outlet for outlet in DEMO_OUTLETS}


def demo_outlet(slug: str) -> DemoOutlet:
    """The demo outlet of `slug`; raises KeyError for an unknown one."""
    return _BY_SLUG[slug]


def demo_outlets(base_url: str) -> list[Outlet]:
    """Registry entries for the demo outlets served at `base_url` (e.g. http://127.0.0.1:8765)."""
    base = base_url.rstrip("/")
    host = urlsplit(base).hostname or "127.0.0.1"
    return [
        Outlet(
            slug=outlet.slug,
            name=outlet.name,
            domains=(host,),
            feeds=(f"{base}/{outlet.slug}/{outlet.feed_path}",),
            language="en",
            country="ZZ",
            kind=outlet.kind,
            leaning=outlet.leaning,
        )
        for outlet in DEMO_OUTLETS
    ]


def outlet_for_demo_url(url: str) -> str | None:
    """The slug of the demo outlet a URL belongs to, read from its first path segment."""
    try:
        path = urlsplit(url).path
    except ValueError:
        return None
    first = path.lstrip("/").split("/", 1)[0]
    return first if first in _BY_SLUG else None
