"""Comparison keys kept in this process's memory, so a cached /compare asks the store nothing.

A key (article, event, event version) holds until a change in the store's log touches its
article or its event: an article placed, moved or quarantined, an event merged, or any of these
giving the event a new version (`core.db.changes`). The memo is told every change this process
writes or follows (`EventRecorder.watch`) and drops the keys each touches, so a key kept here
lags another process's change by at most the follow interval, as the event index does.

Only keys of verified articles placed in an event are kept: a caller's page is pointed at
another event without a change being logged (`EventRecorder.reattach_unverified`).
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Iterable

from compare.model import ComparisonKey
from core.db.changes import Change

__all__ = ["KeyMemo", "Lookup"]

Lookup = str | int
"""What a key was asked for by: the URL as given, or the article id."""


class KeyMemo:
    """The newest `size` keys by lookup, least recently used dropped first; 0 keeps none.

    A key read from the store is kept only if nothing was forgotten since the read began: read
    `generation` first and hand it to `put`. Otherwise a read that raced a change could keep the
    key the change made stale, after the change was announced.
    """

    def __init__(self, size: int) -> None:
        self._size = size
        self._keys: OrderedDict[Lookup, ComparisonKey] = OrderedDict()
        self._by_article: dict[int, set[Lookup]] = {}
        self._by_event: dict[int, set[Lookup]] = {}
        self._generation = 0
        self._lock = threading.Lock()

    @property
    def generation(self) -> int:
        return self._generation

    def get(self, lookup: Lookup) -> ComparisonKey | None:
        with self._lock:
            key = self._keys.get(lookup)
            if key is not None:
                self._keys.move_to_end(lookup)
            return key

    def put(self, generation: int, lookup: Lookup, key: ComparisonKey) -> None:
        article_id, event_id, _version = key
        if self._size == 0 or event_id is None:
            return
        with self._lock:
            if generation != self._generation:
                return
            self._drop(lookup)
            self._keys[lookup] = key
            self._by_article.setdefault(article_id, set()).add(lookup)
            self._by_event.setdefault(event_id, set()).add(lookup)
            while len(self._keys) > self._size:
                self._drop(next(iter(self._keys)))

    def forget(self, changes: Iterable[Change]) -> None:
        """Drop every key of an article or an event the changes touch."""
        with self._lock:
            self._generation += 1
            touched: set[Lookup] = set()
            for change in changes:
                if change.article_id is not None:
                    touched |= self._by_article.get(change.article_id, set())
                for event_id in (change.event_id, change.source_event_id):
                    if event_id is not None:
                        touched |= self._by_event.get(event_id, set())
            for lookup in touched:
                self._drop(lookup)

    def _drop(self, lookup: Lookup) -> None:
        key = self._keys.pop(lookup, None)
        if key is None:
            return
        article_id, event_id, _version = key
        _unlink(self._by_article, article_id, lookup)
        if event_id is not None:
            _unlink(self._by_event, event_id, lookup)

    def __len__(self) -> int:
        return len(self._keys)


def _unlink(lookups: dict[int, set[Lookup]], owner: int, lookup: Lookup) -> None:
    linked = lookups.get(owner)
    if linked is not None:
        linked.discard(lookup)
        if not linked:
            del lookups[owner]
