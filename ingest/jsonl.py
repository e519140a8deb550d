"""Reading articles from files in the shared event format (one event per line, articles inside)."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

from core.errors import InvalidInput
from core.models import ArticleInput

_SLUG = re.compile(r"[^a-z0-9]+")


def _placeholder_url(outlet: str, article_id: str) -> str:
    """Datasets without URLs get a stable one under the reserved `.invalid` domain."""
    host = _SLUG.sub("-", outlet.lower()).strip("-") or "unknown-outlet"
    return f"https://{host}.invalid/articles/{_SLUG.sub('-', article_id.lower()).strip('-')}"


def _date(value: object) -> datetime | None:
    if not isinstance(value, str) or not value:
        return None
    parsed = datetime.fromisoformat(value)
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)


def read_articles(path: Path) -> Iterator[ArticleInput]:
    """Every article of every event in `path`; a malformed line raises `InvalidInput`."""
    with path.open(encoding="utf-8") as lines:
        for number, line in enumerate(lines, start=1):
            if not line.strip():
                continue
            try:
                event = json.loads(line)
                for article in event["articles"]:
                    outlet = str(article.get("outlet") or "")
                    article_id = str(article.get("article_id") or "")
                    yield ArticleInput(
                        url=article.get("url") or _placeholder_url(outlet, article_id),
                        text=article["text"],
                        title=article.get("title") or "",
                        outlet=outlet or None,
                        published_at=_date(article.get("date")),
                        extra={
                            "source_article_id": article_id,
                            "source_event_id": event["event_id"],
                        },
                    )
            except (KeyError, TypeError, ValueError) as error:
                raise InvalidInput(
                    f"{path}:{number}: not an event in the expected format ({error})"
                ) from error
