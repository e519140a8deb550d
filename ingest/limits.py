"""The caps an article must pass before anything of it is stored.

An article over a cap is refused whole, with its reason: cutting it would store a different
article under the outlet's name, and every later step (embedding, events, alignment) costs
more than linear time in its size.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from core.config import Settings
from core.errors import ArticleTooLarge, ArticleTooShort
from core.models import PassageSpan

__all__ = ["ArticleLimits"]


@dataclass(frozen=True, slots=True)
class ArticleLimits:
    min_chars: int
    max_chars: int
    max_passages: int
    max_passage_chars: int

    @classmethod
    def of(cls, settings: Settings) -> ArticleLimits:
        return cls(
            min_chars=settings.min_article_chars,
            max_chars=settings.max_article_chars,
            max_passages=settings.max_article_passages,
            max_passage_chars=settings.max_passage_chars,
        )

    def check_text(self, text: str, *, url: str) -> None:
        """Raises ArticleTooLarge or ArticleTooShort for a text outside the caps."""
        length = len(text)
        if length > self.max_chars:
            raise ArticleTooLarge(
                f"the article text has {length} characters; at most {self.max_chars} are accepted",
                url=url,
                limit=self.max_chars,
            )
        if len(text.strip()) < self.min_chars:
            raise ArticleTooShort(
                f"the article text is shorter than {self.min_chars} characters", url=url
            )

    def check_passages(self, passages: Sequence[PassageSpan], *, url: str) -> None:
        if len(passages) > self.max_passages:
            raise ArticleTooLarge(
                f"the article splits into {len(passages)} passages; at most "
                f"{self.max_passages} are accepted",
                url=url,
                limit=self.max_passages,
            )
