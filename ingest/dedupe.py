"""Exact and near-duplicate detection of article texts.

`content_hash` keys a report (one distinct text); `simhash` with `hamming` finds wire copies that
were republished with small edits (a byline, another headline, a trailing paragraph).
"""

from __future__ import annotations

import hashlib
import re
import unicodedata

import numpy as np

__all__ = [
    "NEAR_DUPLICATE_DISTANCE",
    "content_hash",
    "hamming",
    "is_near_duplicate",
    "normalise_text",
    "simhash",
]

# Chosen with `python -m evaluation.near_duplicates` on the dev events: 97% of lightly edited
# copies of real articles fall at or below 12, while no pair of separately written articles on one
# event came closer than 16; the 4-bit margin favours never merging two different accounts.
NEAR_DUPLICATE_DISTANCE = 12

_SHINGLE = 3
_MASK64 = (1 << 64) - 1
_WORD = re.compile(r"\w+")
_SPACE = re.compile(r"\s+")


def normalise_text(text: str) -> str:
    """NFKC, case-folded, whitespace collapsed: the form both hashes are computed on."""
    return _SPACE.sub(" ", unicodedata.normalize("NFKC", text).casefold()).strip()


def content_hash(text: str) -> str:
    """Hex SHA-256 of the normalised text."""
    return hashlib.sha256(normalise_text(text).encode("utf-8")).hexdigest()


def _feature_hash(feature: str) -> int:
    return int.from_bytes(hashlib.blake2b(feature.encode("utf-8"), digest_size=8).digest(), "big")


def simhash(text: str) -> int:
    """64-bit SimHash over word 3-shingles, as a signed integer (fits a SQL BIGINT).

    Each distinct shingle counts once, so a repeated boilerplate line cannot outweigh the story.
    """
    words = _WORD.findall(normalise_text(text))
    if len(words) < _SHINGLE:
        features = {" ".join(words)} if words else set()
    else:
        features = {" ".join(words[i : i + _SHINGLE]) for i in range(len(words) - _SHINGLE + 1)}
    if not features:
        return 0
    hashes = np.array([_feature_hash(f) for f in sorted(features)], dtype=np.uint64)
    bits = (hashes[:, None] >> np.arange(64, dtype=np.uint64)) & np.uint64(1)
    votes = 2 * bits.sum(axis=0, dtype=np.int64) - len(hashes)
    value = sum(1 << int(bit) for bit in np.flatnonzero(votes > 0))
    return value - (1 << 64) if value >= 1 << 63 else value


def hamming(a: int, b: int) -> int:
    """Number of differing bits between two 64-bit hashes, signed or unsigned."""
    return ((a ^ b) & _MASK64).bit_count()


def is_near_duplicate(a: int, b: int, max_distance: int = NEAR_DUPLICATE_DISTANCE) -> bool:
    return hamming(a, b) <= max_distance
