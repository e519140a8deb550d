"""Connected components over ids: articles joined by links (one outlet, one text) into groups."""

from __future__ import annotations

from collections.abc import Iterable

__all__ = ["components"]


def components(ids: Iterable[int], links: Iterable[tuple[int, int]]) -> dict[int, int]:
    """id → the representative of its component, for every id in `ids` (links to other ids
    are ignored)."""
    parent = {i: i for i in ids}

    def find(x: int) -> int:
        while parent[x] != x:
            parent[x] = parent[parent[x]]
            x = parent[x]
        return x

    for a, b in links:
        if a in parent and b in parent:
            parent[find(a)] = find(b)
    return {i: find(i) for i in parent}
