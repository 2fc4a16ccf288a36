"""A small time-to-live cache for fetched documents (status lists, DID documents, type metadata, images).

The app owns its instances (``AppState``), beside the memo of verified status lists.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from typing import Generic, TypeVar

__all__ = ["TtlCache"]

V = TypeVar("V")


class TtlCache(Generic[V]):
    """Fetched documents (status lists, DID documents, badge images) by URL, kept ``ttl`` seconds
    (``clock``: the monotonic clock it reads, for tests)."""

    def __init__(
        self, ttl: float, max_entries: int = 512, *, clock: Callable[[], float] = time.monotonic
    ) -> None:
        self.ttl = ttl
        self.max_entries = max_entries
        self._clock = clock
        self._items: dict[str, tuple[float, V]] = {}
        self._lock = threading.Lock()

    def get(self, url: str) -> V | None:
        with self._lock:
            item = self._items.get(url)
            if item is None or item[0] < self._clock():
                return None
            return item[1]

    def put(self, url: str, value: V, *, max_age: float | None = None) -> None:
        """Keep ``value`` for ``ttl`` seconds, or ``max_age`` when shorter (the document's own limit;
        0 or less: not kept)."""
        ttl = self.ttl if max_age is None else min(self.ttl, max_age)
        if ttl <= 0:
            return
        with self._lock:
            if len(self._items) >= self.max_entries:
                self._items.clear()
            self._items[url] = (self._clock() + ttl, value)
