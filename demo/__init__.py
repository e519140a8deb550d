"""Invented outlets and their articles for tests and the demo.

The server playing them is `demo.server.DemoSite` (not imported here, so that
`python -m demo.server` runs cleanly).
"""

from __future__ import annotations

from demo.articles import ARTICLES, EVENTS, DemoArticle
from demo.outlets import DEMO_OUTLETS, DemoOutlet, demo_outlets, outlet_for_demo_url

__all__ = [
    "ARTICLES",
    "DEMO_OUTLETS",
    "EVENTS",
    "DemoArticle",
    "DemoOutlet",
    "demo_outlets",
    "outlet_for_demo_url",
]
