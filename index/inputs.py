"""Checking what every embedder is given."""

from __future__ import annotations

from collections.abc import Sequence

__all__ = ["text_list"]


def text_list(texts: Sequence[str]) -> list[str]:
    # A bare str is a Sequence[str] too; embedding it character by character is never meant.
    if isinstance(texts, str):
        raise TypeError("encode() takes a sequence of texts, not a single str")
    return list(texts)
