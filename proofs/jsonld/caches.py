"""The per-loader caches of JSON-LD context processing: processed active contexts, expanded IRIs and
values, and pyld's resolved contexts, each bounded (a full cache empties itself and refills)."""

from __future__ import annotations

import json
import threading
from collections.abc import Mapping
from typing import Any

from proofs.jsonld.fragments import FragmentStore
from proofs.jsonld.names import standard_terms

__all__ = ["MAX_IRIS", "ContextCache"]

# Bounds for the per-loader caches; past them a cache is emptied (it refills from the next calls).
_MAX_PROCESSED = 4096
MAX_IRIS = 65536
_MAX_RESOLVED = 1024
_MAX_PLANS = 8192


class _BoundedDict(dict[str, Any]):
    """A dict that empties itself when full (inline contexts of documents are keyed by content)."""

    def __init__(self, limit: int) -> None:
        super().__init__()
        self._limit = limit

    def __setitem__(self, key: str, value: Any) -> None:
        if len(self) >= self._limit and key not in self:
            self.clear()
        super().__setitem__(key, value)


class ContextCache:
    """Processed active contexts of one loader (JSON-LD 1.1 API §4.1 Context Processing, memoized).

    pyld caches a processed context under a fresh uuid of the active context it was applied to. A
    type-scoped context (``@propagate: false``) is applied to a new clone each time, and a remote
    context is resolved anew for every call, so those caches never hit across calls and every
    typed node reprocesses its scoped context. Context processing is a pure function of (active
    context, local context, base, processing mode, flags): this memo returns the same frozen active
    context object for the same inputs, which in turn makes the active contexts passed on stable
    identities, so whole chains of processing hit.

    Keys: the active context by identity (the memo keeps it alive, so an id is never reused); the
    local context by URL (only this loader's documents can be behind it), by identity for objects
    inside this loader's documents (the loader is frozen), otherwise by its JSON content.
    """

    def __init__(self, documents: Mapping[str, Any]) -> None:
        self._owned: set[int] = set()
        for document in documents.values():
            self._collect(document)
        self._processed: dict[tuple[Any, ...], tuple[Any, Any]] = {}
        self.iris: dict[tuple[Any, ...], tuple[Any, Any]] = {}
        self.values: dict[tuple[Any, ...], tuple[Any, Any]] = {}
        # (active context id, a node object's entry names, base) -> the value-independent part of its
        # expansion plan (proofs.jsonld.expansion._Processor._plan_template).
        self.plans: dict[tuple[Any, ...], tuple[Any, Any]] = {}
        # (active context id, a node object's entry names) -> the names that expand to @type; (active
        # context id, types, base, processing mode) -> the context with the types' scoped contexts.
        self.type_keys: dict[tuple[Any, ...], tuple[Any, Any]] = {}
        self.type_scoped: dict[tuple[Any, ...], tuple[Any, Any]] = {}
        # pyld's ContextResolver cache: URL or canonical JSON -> ResolvedContext, for this loader only.
        self.resolved: dict[str, Any] = _BoundedDict(_MAX_RESOLVED)
        # Expanded fragments that recur across documents (proofs.jsonld.fragments).
        self.fragments = FragmentStore()
        # IRI -> the terms this loader's (published) contexts name it by: what a property must be written as.
        self.standard_terms = standard_terms(documents.values())
        self._lock = threading.Lock()

    def _collect(self, value: Any) -> None:
        if isinstance(value, dict):
            self._owned.add(id(value))
            for item in value.values():
                self._collect(item)
        elif isinstance(value, list):
            self._owned.add(id(value))
            for item in value:
                self._collect(item)

    def local_key(self, local_ctx: Any) -> Any:
        """A hashable key for a local context, or None when it cannot be keyed safely."""
        if local_ctx is None or isinstance(local_ctx, str):
            return local_ctx
        if id(local_ctx) in self._owned:
            return ("owned", id(local_ctx))
        try:
            return ("json", json.dumps(local_ctx, sort_keys=True, separators=(",", ":")))
        except (TypeError, ValueError):
            return None

    def get(self, key: tuple[Any, ...], active_ctx: Any) -> Any:
        entry = self._processed.get(key)
        if entry is not None and entry[0] is active_ctx:
            return entry[1]
        return None

    def put(self, key: tuple[Any, ...], active_ctx: Any, processed: Any) -> None:
        with self._lock:
            if len(self._processed) >= _MAX_PROCESSED:
                self._processed.clear()
            self._processed[key] = (active_ctx, processed)

    def put_iri(self, key: tuple[Any, ...], active_ctx: Any, iri: Any) -> None:
        with self._lock:
            if len(self.iris) >= MAX_IRIS:
                self.iris.clear()
            self.iris[key] = (active_ctx, iri)

    def put_plan(self, key: tuple[Any, ...], active_ctx: Any, plan: Any) -> None:
        self._put(self.plans, key, active_ctx, plan)

    def put_type_keys(self, key: tuple[Any, ...], active_ctx: Any, names: tuple[str, ...]) -> None:
        self._put(self.type_keys, key, active_ctx, names)

    def put_type_scoped(self, key: tuple[Any, ...], active_ctx: Any, scoped: Any) -> None:
        self._put(self.type_scoped, key, active_ctx, scoped)

    def _put(
        self, memo: dict[tuple[Any, ...], tuple[Any, Any]], key: tuple[Any, ...], ctx: Any, value: Any
    ) -> None:
        with self._lock:
            if len(memo) >= _MAX_PLANS:
                memo.clear()
            memo[key] = (ctx, value)

    def put_value(self, key: tuple[Any, ...], active_ctx: Any, value: Any) -> None:
        with self._lock:
            if len(self.values) >= MAX_IRIS:
                self.values.clear()
            self.values[key] = (active_ctx, value)
