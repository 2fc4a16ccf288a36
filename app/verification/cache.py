"""The verification caches the app owns: a small time-to-live cache for fetched documents (status lists,
DID documents, type metadata, images), and the memo of verified status lists.
"""

from __future__ import annotations

import threading
import time
import weakref
from typing import Generic, TypeVar

from proofs.jsonld import DocumentLoader
from verifier import VerifiedStatusLists

__all__ = ["TtlCache", "verified_status_lists"]

V = TypeVar("V")


class TtlCache(Generic[V]):
    """Fetched documents (status lists, DID documents, badge images) by URL, kept ``ttl`` seconds."""

    def __init__(self, ttl: float, max_entries: int = 512) -> None:
        self.ttl = ttl
        self.max_entries = max_entries
        self._items: dict[str, tuple[float, V]] = {}
        self._lock = threading.Lock()

    def get(self, url: str) -> V | None:
        with self._lock:
            item = self._items.get(url)
            if item is None or item[0] < time.monotonic():
                return None
            return item[1]

    def put(self, url: str, value: V) -> None:
        with self._lock:
            if len(self._items) >= self.max_entries:
                self._items.clear()
            self._items[url] = (time.monotonic() + self.ttl, value)


# One memo per app, found by the app's document loader (each app has its own): the verified status lists
# outlive the per-request verifiers. Until AppState holds it as a field, this is where it lives.
_VERIFIED_LISTS: weakref.WeakKeyDictionary[DocumentLoader, VerifiedStatusLists] = weakref.WeakKeyDictionary()
_VERIFIED_LISTS_LOCK = threading.Lock()


def verified_status_lists(loader: DocumentLoader) -> VerifiedStatusLists:
    """The memo of verified status lists of the app whose document loader is ``loader``."""
    with _VERIFIED_LISTS_LOCK:
        memo = _VERIFIED_LISTS.get(loader)
        if memo is None:
            memo = _VERIFIED_LISTS[loader] = VerifiedStatusLists()
        return memo
