"""The core every package builds on: settings, the error tree and the domain objects.

The store (`core.db`) and the outlet registry (`core.outlets`) are imported where they are used.
"""

from __future__ import annotations

from core.config import Settings
from core.errors import ParallaxError
from core.models import ArticleInput, ExtractedArticle, FeedEntry, FetchedPage, Outlet, PassageSpan

__all__ = [
    "ArticleInput",
    "ExtractedArticle",
    "FeedEntry",
    "FetchedPage",
    "Outlet",
    "ParallaxError",
    "PassageSpan",
    "Settings",
]
