"""Memoized fragments: the expansion (and, in :mod:`proofs.rdf`, the RDF quads and first-degree hashes) of
a part of a document that recurs unchanged across documents, such as the achievement of a credential
template, which is the same in every credential issued from it.

Expanding a node object (JSON-LD 1.1 API §5.1.2) is a function of the active context, the active property,
the element and the base; the active contexts of one loader are frozen objects with stable identities
(:class:`~proofs.jsonld.caches.ContextCache`), so ``(active context, property, base, the element's JSON
text)`` keys the expanded node. Only node objects with an IRI ``@id``, no blank node identifier anywhere
and nothing dropped or relative in them are kept: their RDF triples are then those of their own node map,
apart from the document's (checked again per document by :func:`proofs.rdf.quads_of_expanded`, which falls
back to the whole document when a node of the fragment also appears elsewhere).
"""

from __future__ import annotations

import itertools
import json
import threading
from typing import Any

__all__ = [
    "MAX_FRAGMENTS",
    "MAX_FRAGMENT_BYTES",
    "MAX_FRAGMENT_TEXT",
    "Fragment",
    "FragmentStore",
    "fragment_key",
    "is_memoizable",
]

# Fragments kept per loader (each an expanded achievement, its quads and hashes: tens of kilobytes);
# past this the store empties itself and refills from the next documents.
MAX_FRAGMENTS = 512
# A larger element (as JSON text) is expanded as it comes, never kept: the memo's size stays bounded.
MAX_FRAGMENT_TEXT = 65536
# The JSON text of all the fragments kept per loader, in characters: the verifier memoizes the achievements
# of anyone's credentials, so the memo is bounded in size, not only in entries (its expanded objects,
# quads and hashes take about ten times the text's bytes: about 40 MB at this bound).
MAX_FRAGMENT_BYTES = 4 * 1024 * 1024
_PREFIXES = itertools.count()


class Fragment:
    """One memoized expanded node object (shared by the expansions that hold it: read-only);
    ``derived`` holds what :mod:`proofs.rdf` computes from it once (its quads, blank node hashes).
    ``prefix`` labels its blank nodes, unique to this fragment in the process."""

    __slots__ = ("active_ctx", "checked", "derived", "expanded", "lock", "prefix")

    def __init__(self, active_ctx: Any, expanded: dict[str, Any]) -> None:
        self.active_ctx = active_ctx  # held: the key's id() of it is never reused while the entry lives
        self.expanded = expanded
        self.prefix = f"_:f{next(_PREFIXES)}x"
        self.derived: Any = None
        # Set once a whole document holding it passed the safe-mode check (proofs.jsonld.expand_safe).
        self.checked = False
        self.lock = threading.Lock()


class FragmentStore:
    """The bounded memo of one loader: key -> :class:`Fragment`."""

    def __init__(self, limit: int = MAX_FRAGMENTS, max_bytes: int = MAX_FRAGMENT_BYTES) -> None:
        self._entries: dict[tuple[Any, ...], Fragment] = {}
        self._limit = limit
        self._max_bytes = max_bytes
        self._bytes = 0  # the JSON text of the entries' keys
        self._lock = threading.Lock()

    def get(self, key: tuple[Any, ...], active_ctx: Any) -> Fragment | None:
        entry = self._entries.get(key)
        return entry if entry is not None and entry.active_ctx is active_ctx else None

    def put(self, key: tuple[Any, ...], entry: Fragment) -> None:
        size = len(key[-1]) if key and isinstance(key[-1], str) else 0
        with self._lock:
            if len(self._entries) >= self._limit or self._bytes + size > self._max_bytes:
                self._entries.clear()
                self._bytes = 0
            if key not in self._entries:
                self._bytes += size
            self._entries[key] = entry

    def __len__(self) -> int:
        return len(self._entries)

    def clear(self) -> None:
        """Forget every fragment (a benchmark measuring what a first sight costs)."""
        with self._lock:
            self._entries.clear()
            self._bytes = 0

    @property
    def text_size(self) -> int:
        """The JSON text of the fragments kept, in characters (at most ``max_bytes``)."""
        return self._bytes


def fragment_key(active_ctx: Any, active_property: str, base: Any, element: Any) -> tuple[Any, ...] | None:
    """The memo key of ``element`` expanded under ``active_property``; None when it is not plain JSON or
    longer than :data:`MAX_FRAGMENT_TEXT` characters."""
    try:
        text = json.dumps(element, ensure_ascii=False, separators=(",", ":"), allow_nan=False)
    except (TypeError, ValueError):
        return None
    if len(text) > MAX_FRAGMENT_TEXT:
        return None
    return (id(active_ctx), active_property, base, text)


_KEYWORDS_APART = frozenset(("@graph", "@included", "@reverse", "@index"))


def is_memoizable(expanded: Any) -> bool:
    """A node object with an IRI ``@id``, no blank node identifiers, no named graphs, ``@included``,
    ``@reverse`` or ``@index`` anywhere (those are merged or labelled across the whole document)."""
    if type(expanded) is not dict or "@value" in expanded or "@list" in expanded:
        return False
    node_id = expanded.get("@id")
    if type(node_id) is not str or not node_id or node_id.startswith("_:"):
        return False
    stack: list[Any] = [expanded]
    while stack:
        item = stack.pop()
        if type(item) is list:
            stack.extend(item)
        elif type(item) is dict:
            if "@value" in item:
                datatype = item.get("@type")
                if type(datatype) is str and datatype.startswith("_:"):
                    return False
                continue
            for key, value in item.items():
                if key in _KEYWORDS_APART or key.startswith("_:"):
                    return False
                if key in ("@id", "@type"):
                    for v in value if type(value) is list else (value,):
                        if type(v) is not str or v.startswith("_:"):
                            return False
                else:
                    stack.append(value)
    return True
