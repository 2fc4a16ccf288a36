"""Offline JSON-LD: a frozen document loader over bundled, sha256-pinned contexts, and safe-mode checks.

Never fetches: a context URL that is not bundled raises :class:`UnknownContext`. Safe mode (VC Data
Integrity §4.6, "dataset poisoning"; VCDM 2.0 §4.3): a property or type that does not expand to an absolute
IRI raises :class:`UndefinedTerm` instead of being silently dropped.
"""

from __future__ import annotations

import copy
import hashlib
import json
import threading
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any

from pyld import jsonld
from pyld.context_resolver import ContextResolver

from proofs.errors import ProofsError

__all__ = [
    "CONTEXTS_DIR",
    "ContextIntegrityError",
    "DocumentLoader",
    "JsonLdFailure",
    "UndefinedTerm",
    "UnknownContext",
    "bundled_loader",
    "expand_safe",
]

CONTEXTS_DIR = Path(__file__).resolve().parent.parent / "schemas" / "contexts"
# Relative IRIs are resolved against this sentinel base so that they can be recognised and refused.
_SENTINEL_BASE = "https://relative-iri.invalid/"


class JsonLdFailure(ProofsError):
    """JSON-LD processing failed (malformed document or context)."""


class UnknownContext(JsonLdFailure):
    """A context URL is not among the bundled ones; nothing is fetched."""

    def __init__(self, url: str) -> None:
        super().__init__(f"unknown JSON-LD context: {url}")
        self.url = url


class UndefinedTerm(JsonLdFailure):
    """A property or type is not defined by the document's contexts (it would be dropped)."""

    def __init__(self, term: str, path: str) -> None:
        super().__init__(f"undefined term {term!r} at {path}")
        self.term = term
        self.path = path


class ContextIntegrityError(RuntimeError):
    """A bundled context file does not match its pinned sha256."""


class DocumentLoader:
    """A frozen pyld document loader: serves only the documents it was built with.

    Each loader owns the caches of the contexts processed with it (:class:`_ContextCache`), so two
    loaders that serve different documents under the same URL never see each other's results.
    """

    def __init__(self, documents: Mapping[str, Any]) -> None:
        # Its own copy: what the caller does to its objects later cannot reach the caches.
        self._documents = {url: json_copy(document) for url, document in documents.items()}
        self._context_cache = _ContextCache(self._documents)

    def __contains__(self, url: object) -> bool:
        return url in self._documents

    def urls(self) -> Iterator[str]:
        return iter(self._documents)

    def document(self, url: str) -> Any:
        try:
            return self._documents[url]
        except KeyError:
            raise UnknownContext(url) from None

    def with_documents(self, extra: Mapping[str, Any]) -> DocumentLoader:
        return DocumentLoader({**self._documents, **extra})

    def __call__(self, url: str, options: Mapping[str, Any] | None = None) -> dict[str, Any]:
        return {"contextUrl": None, "documentUrl": url, "document": self.document(url)}

    def check_terms(self, document: Mapping[str, Any]) -> None:
        """Safe-mode check only (raises UndefinedTerm / UnknownContext)."""
        expand_safe(document, loader=self)


# pyld's frozen active contexts (frozendict, a pyld dependency; taken from pyld rather than imported).
_FROZEN: type[dict[str, Any]] = type(jsonld.freeze({}))

# Bounds for the per-loader caches; past them a cache is emptied (it refills from the next calls).
_MAX_PROCESSED = 4096
_MAX_IRIS = 65536
_MAX_RESOLVED = 1024


class _BoundedDict(dict[str, Any]):
    """A dict that empties itself when full (inline contexts of documents are keyed by content)."""

    def __init__(self, limit: int) -> None:
        super().__init__()
        self._limit = limit

    def __setitem__(self, key: str, value: Any) -> None:
        if len(self) >= self._limit and key not in self:
            self.clear()
        super().__setitem__(key, value)


class _ContextCache:
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
        # pyld's ContextResolver cache: URL or canonical JSON -> ResolvedContext, for this loader only.
        self.resolved: dict[str, Any] = _BoundedDict(_MAX_RESOLVED)
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
            if len(self.iris) >= _MAX_IRIS:
                self.iris.clear()
            self.iris[key] = (active_ctx, iri)

    def put_value(self, key: tuple[Any, ...], active_ctx: Any, value: Any) -> None:
        with self._lock:
            if len(self.values) >= _MAX_IRIS:
                self.values.clear()
            self.values[key] = (active_ctx, value)


class _Resolver(ContextResolver):  # type: ignore[misc]
    """pyld's resolver over one loader's own cache; remote contexts are cached too (the loader is frozen)."""

    def _cache_resolved_context(self, key: str, resolved: Any, tag: str | None) -> Any:
        return super()._cache_resolved_context(key, resolved, tag or "static")


class _Processor(jsonld.JsonLdProcessor):  # type: ignore[misc]
    def __init__(self, cache: _ContextCache, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self._ctx_cache = cache

    def _expand_iri(
        self,
        active_ctx: Any,
        value: Any,
        base: Any = None,
        vocab: bool = False,
        local_ctx: Any = None,
        defined: Any = None,
    ) -> Any:
        # IRI expansion (JSON-LD 1.1 API §5.2) outside context processing is a function of the
        # (frozen, never mutated) active context, the value and the flags: memoized per loader.
        if local_ctx is not None or defined is not None or type(value) is not str:
            return super()._expand_iri(active_ctx, value, base, vocab, local_ctx, defined)
        if not isinstance(active_ctx, _FROZEN):
            return super()._expand_iri(active_ctx, value, base, vocab)
        key = (id(active_ctx), value, base, vocab)
        entry = self._ctx_cache.iris.get(key)
        if entry is not None and entry[0] is active_ctx:
            return entry[1]
        iri = super()._expand_iri(active_ctx, value, base, vocab)
        self._ctx_cache.put_iri(key, active_ctx, iri)
        return iri

    def _expand(
        self,
        active_ctx: Any,
        active_property: Any,
        element: Any,
        options: dict[str, Any],
        inside_list: bool = False,
        inside_index: bool = False,
        type_scoped_ctx: Any = None,
    ) -> Any:
        # pyld's first steps of the Expansion Algorithm (JSON-LD 1.1 API §5.1.2 steps 1-5) for scalars
        # and arrays, without its per-call type tests; node objects and framing go to pyld.
        kind = type(element)
        if kind in _SCALARS and active_property != "@default":
            if not inside_list and (
                active_property is None
                or self._expand_iri(active_ctx, active_property, vocab=True) == "@graph"
            ):
                return None  # a free-floating scalar
            return self._expand_value(active_ctx, active_property, element, options)
        if kind is list and active_property != "@default":
            container = jsonld.JsonLdProcessor.get_context_value(active_ctx, active_property, "@container")
            inside_list = inside_list or (
                "@list" in container if type(container) is list else container == "@list"
            )
            expanded: list[Any] = []
            for item in element:
                result = self._expand(
                    active_ctx,
                    active_property,
                    item,
                    options,
                    inside_list=inside_list,
                    inside_index=inside_index,
                    type_scoped_ctx=type_scoped_ctx,
                )
                if inside_list and type(result) is list:
                    result = {"@list": result}
                if result is not None:
                    if type(result) is list:
                        expanded.extend(result)
                    else:
                        expanded.append(result)
            return expanded
        return super()._expand(
            active_ctx, active_property, element, options, inside_list, inside_index, type_scoped_ctx
        )

    def _expand_value(
        self, active_ctx: Any, active_property: Any, value: Any, options: dict[str, Any]
    ) -> Any:
        # Value expansion (JSON-LD 1.1 API §5.3.2) of a scalar is a function of the frozen active
        # context, the property, the value (and its type: True, 1 and 1.0 differ) and the base.
        kind = type(value)
        if kind not in _SCALARS or not isinstance(active_ctx, _FROZEN):
            return super()._expand_value(active_ctx, active_property, value, options)
        key = (id(active_ctx), active_property, kind, value, options.get("base", ""))
        entry = self._ctx_cache.values.get(key)
        if entry is None or entry[0] is not active_ctx:
            result = super()._expand_value(active_ctx, active_property, value, options)
            self._ctx_cache.put_value(key, active_ctx, result)
        else:
            result = entry[1]
        # A fresh object each time: the expanded document is the caller's to keep or change.
        return dict(result) if isinstance(result, dict) else result

    def _expand_object(
        self,
        active_ctx: Any,
        active_property: Any,
        expanded_active_property: Any,
        element: Any,
        expanded_parent: Any,
        options: dict[str, Any],
        inside_list: bool = False,
        type_key: Any = None,
        type_scoped_ctx: Any = None,
    ) -> Any:
        plan = self._simple_plan(
            active_ctx, element, expanded_parent, type_key, expanded_active_property, options
        )
        if plan is None:
            return super()._expand_object(
                active_ctx,
                active_property,
                expanded_active_property,
                element,
                expanded_parent,
                options,
                inside_list,
                type_key,
                type_scoped_ctx,
            )
        base = options.get("base", "")
        for key, value, expanded_property, term_ctx in plan:
            if expanded_property is None:
                continue
            if expanded_property is _DROPPED:
                self.on_property_dropped(term_ctx)
            elif expanded_property == "@id":
                expanded_parent["@id"] = self._expand_iri(active_ctx, value, base=base)
            elif expanded_property == "@type":
                for t in value if type(value) is list else (value,):
                    iri = self._expand_iri(type_scoped_ctx, t, vocab=True, base=base)
                    types = expanded_parent.get("@type", _MISSING)
                    if types is _MISSING:
                        expanded_parent["@type"] = iri
                    elif type(types) is list:
                        types.append(iri)
                    else:
                        expanded_parent["@type"] = [types, iri]
            elif expanded_property == "@value":
                expanded_parent["@value"] = value
            elif expanded_property == "@language":
                if value is not None:
                    expanded_parent["@language"] = value.lower()
            else:
                expanded_value = self._expand(term_ctx, key, value, options, inside_list=False)
                if expanded_value is None:
                    continue
                _add_to_array(expanded_parent, expanded_property, expanded_value)
        return None

    def _simple_plan(
        self,
        active_ctx: Any,
        element: dict[str, Any],
        expanded_parent: dict[str, Any],
        type_key: Any,
        expanded_active_property: Any,
        options: dict[str, Any],
    ) -> list[tuple[str, Any, Any, Any]] | None:
        """What pyld's ``_expand_object`` would do with each entry, when all of them are of the plain
        kinds (``@id``, ``@type``, ``@value``, ``@language``, and properties without containers other than
        ``@set``, without ``@json``/``@nest``/reverse terms); None for anything else, which pyld expands.

        Entries are ``(key, value, expanded property, term context)``; a dropped key is marked
        ``_DROPPED`` with its expanded form in the last place; ``@context`` gets ``None``.
        """
        if not isinstance(active_ctx, _FROZEN) or expanded_active_property == "@reverse":
            return None
        if type_key in element:
            first = element[type_key]
            if first and type(first) is list:
                first = first[0]
            if self._expand_iri(active_ctx, first, vocab=True) == "@json":
                return None
        mappings = active_ctx["mappings"]
        plan: list[tuple[str, Any, Any, Any]] = []
        seen: set[str] = set()
        for key, value in sorted(element.items()):
            if key == "@context":
                continue
            expanded_property = self._expand_iri(active_ctx, key, vocab=True)
            if expanded_property is None or not _absolute_or_keyword(expanded_property):
                plan.append((key, value, _DROPPED, expanded_property))
                continue
            if expanded_property[0] == "@":
                if expanded_property != "@type" and (
                    expanded_property in seen or expanded_property in expanded_parent
                ):
                    return None  # colliding keywords: pyld raises
                seen.add(expanded_property)
                kind = type(value)
                if expanded_property == "@id":
                    if kind is not str:
                        return None
                elif expanded_property == "@type":
                    if kind is list:
                        if not all(type(t) is str for t in value):
                            return None
                    elif kind is not str:
                        return None
                elif expanded_property == "@value":
                    if kind is list or kind is dict or isinstance(value, (list, dict)):
                        return None
                elif expanded_property == "@language":
                    if value is not None and kind is not str:
                        return None
                else:
                    return None
                plan.append((key, value, expanded_property, None))
                continue
            definition = mappings.get(key)
            if definition is not None and (
                definition.get("@container", _SET_ONLY) not in _PLAIN_CONTAINERS
                or definition.get("@type") == "@json"
                or "@nest" in definition
                or definition.get("reverse")
            ):
                return None
            term_ctx = active_ctx
            scoped = definition.get("@context") if definition is not None else None
            if scoped is not None:
                term_ctx = self._process_context(
                    active_ctx, scoped, options, propagate=True, override_protected=True
                )
                term_definition = term_ctx["mappings"].get(key)
                if term_definition is not None and term_definition.get("reverse"):
                    return None
            plan.append((key, value, expanded_property, term_ctx))
        return plan

    def _process_context(
        self,
        active_ctx: Any,
        local_ctx: Any,
        options: dict[str, Any],
        override_protected: bool = False,
        propagate: bool = True,
        validate_scoped: bool = True,
        cycles: set[str] | None = None,
    ) -> Any:
        # Calls with `cycles` come from inside context processing (scoped-context validation): not memoized.
        local_key = None if cycles is not None else self._ctx_cache.local_key(local_ctx)
        if local_key is None:
            return super()._process_context(
                active_ctx, local_ctx, options, override_protected, propagate, validate_scoped, cycles
            )
        key = (
            id(active_ctx),
            local_key,
            override_protected,
            propagate,
            validate_scoped,
            options.get("base", ""),
            options.get("processingMode"),
        )
        processed = self._ctx_cache.get(key, active_ctx)
        if processed is None:
            processed = super()._process_context(
                active_ctx, local_ctx, options, override_protected, propagate, validate_scoped
            )
            # Only frozen results: a plain dict (an empty local context's clone) may still be mutated.
            if isinstance(processed, _FROZEN):
                self._ctx_cache.put(key, active_ctx, processed)
        return processed


def json_copy(value: Any) -> Any:
    """A deep copy of JSON data (dicts, lists, scalars), several times faster than ``copy.deepcopy``.

    Anything that is not plain JSON (a dict subclass, a tuple, ...) is handed to ``copy.deepcopy``.
    """
    kind = type(value)
    if kind is dict:
        return {k: json_copy(v) for k, v in value.items()}
    if kind is list:
        return [json_copy(v) for v in value]
    if kind in (str, int, float, bool) or value is None:
        return value
    return copy.deepcopy(value)


_MISSING = object()
_DROPPED = object()
_SCALARS = frozenset((str, int, float, bool))
_SET_ONLY = ("@set",)
_PLAIN_CONTAINERS: tuple[Any, ...] = (None, "@set", ["@set"], _SET_ONLY)
_ABSOLUTE_OR_KEYWORD: dict[str, bool] = {}


def _absolute_or_keyword(iri: str) -> bool:
    """pyld's test for keeping an expanded property (absolute IRI or keyword), memoized."""
    known = _ABSOLUTE_OR_KEYWORD.get(iri)
    if known is None:
        known = bool(jsonld._is_absolute_iri(iri) or jsonld._is_keyword(iri))
        if len(_ABSOLUTE_OR_KEYWORD) >= _MAX_IRIS:
            _ABSOLUTE_OR_KEYWORD.clear()
        _ABSOLUTE_OR_KEYWORD[iri] = known
    return known


def _add_to_array(parent: dict[str, Any], prop: str, value: Any) -> None:
    """pyld's ``add_value(parent, prop, value, {'propertyIsArray': True})`` (duplicates allowed)."""
    if type(value) is list:
        if not value and prop not in parent:
            parent[prop] = []
        for item in value:
            _add_to_array(parent, prop, item)
        return
    values = parent.get(prop)
    if values is None:
        parent[prop] = [value]
    elif type(values) is list:
        values.append(value)
    else:
        parent[prop] = [values, value]


def _expand(document: Any, loader: DocumentLoader, *, on_dropped: Any, base: str) -> list[Any]:
    """pyld's ``JsonLdProcessor.expand`` for an in-memory document (JSON-LD 1.1 API §5.1).

    The same steps as ``expand`` without ``expandContext`` and remote documents, with the loader's
    context caches. ``document`` must be a private copy (the expanded form may share its values).
    """
    cache = loader._context_cache
    processor = _Processor(cache, on_property_dropped=on_dropped)
    options = {
        "isFrame": False,
        "keepFreeFloatingNodes": False,
        "documentLoader": loader,
        "contextResolver": _Resolver(cache.resolved, loader),
        "extractAllScripts": False,
        "processingMode": "json-ld-1.1",
        "base": base,
    }
    active_ctx = processor._get_initial_context(options)
    expanded = processor._expand(active_ctx, None, document, options, inside_list=False)
    if isinstance(expanded, dict) and "@graph" in expanded and len(expanded) == 1:
        expanded = expanded["@graph"]
    elif expanded is None:
        expanded = []
    return expanded if isinstance(expanded, list) else [expanded]


def bundled_loader(directory: Path = CONTEXTS_DIR) -> DocumentLoader:
    """Load every context in ``manifest.json``, verifying each file's sha256."""
    manifest = json.loads((directory / "manifest.json").read_text(encoding="utf-8"))
    documents: dict[str, Any] = {}
    for url, entry in manifest["contexts"].items():
        data = (directory / entry["file"]).read_bytes()
        if hashlib.sha256(data).hexdigest() != entry["sha256"]:
            raise ContextIntegrityError(f"{entry['file']} does not match its pinned sha256")
        documents[url] = json.loads(data)
    return DocumentLoader(documents)


def _find_contexts(value: Any) -> Iterator[str]:
    if isinstance(value, str):
        yield value
    elif isinstance(value, list):
        for item in value:
            yield from _find_contexts(item)


def _check_context_urls(document: Any, loader: DocumentLoader) -> None:
    """Refuse unknown context URLs up front (also nested, scoped contexts are resolved by the loader)."""
    if isinstance(document, dict):
        for key, value in document.items():
            if key == "@context":
                for url in _find_contexts(value):
                    if url not in loader:
                        raise UnknownContext(url)
            else:
                _check_context_urls(value, loader)
    elif isinstance(document, list):
        for item in document:
            _check_context_urls(item, loader)


def _is_absolute(iri: str) -> bool:
    if iri.startswith(_SENTINEL_BASE):
        return False
    return iri.startswith("_:") or (":" in iri and not iri.startswith(":"))


_RECURSE_KEYWORDS = frozenset(("@graph", "@list", "@set", "@included", "@reverse"))


def _expanded_ok(node: Any) -> bool:
    """True when :func:`_check_expanded` would pass (the same walk, iterative, without building paths)."""
    stack = [node]
    while stack:
        item = stack.pop()
        if isinstance(item, list):
            stack.extend(item)
            continue
        if not isinstance(item, dict):
            continue
        types = item.get("@type")
        if types is not None and "@value" not in item:
            for t in types if isinstance(types, list) else (types,):
                if isinstance(t, str) and not _is_absolute(t):
                    return False
        node_id = item.get("@id")
        if isinstance(node_id, str) and node_id and not _is_absolute(node_id):
            return False
        for key, value in item.items():
            if key[:1] != "@" or key in _RECURSE_KEYWORDS:
                stack.append(value)
    return True


def _check_expanded(node: Any, path: str) -> None:
    if isinstance(node, list):
        for i, item in enumerate(node):
            _check_expanded(item, f"{path}[{i}]")
        return
    if not isinstance(node, dict):
        return
    for t in node.get("@type", []) if isinstance(node.get("@type"), list) else [node.get("@type")]:
        if isinstance(t, str) and not _is_absolute(t) and "@value" not in node:
            raise UndefinedTerm(t.removeprefix(_SENTINEL_BASE), f"{path}.type")
    node_id = node.get("@id")
    if isinstance(node_id, str) and node_id and not _is_absolute(node_id):
        raise UndefinedTerm(node_id.removeprefix(_SENTINEL_BASE), f"{path}.id")
    for key, value in node.items():
        if not key.startswith("@"):
            _check_expanded(value, f"{path}.{key}")
        elif key in ("@graph", "@list", "@set", "@included", "@reverse"):
            _check_expanded(value, path)


def _checked_copy(value: Any, loader: DocumentLoader) -> Any:
    """:func:`json_copy` and :func:`_check_context_urls` in one walk."""
    kind = type(value)
    if kind is dict:
        out = {}
        for key, item in value.items():
            if key == "@context":
                for url in _find_contexts(item):
                    if url not in loader:
                        raise UnknownContext(url)
                out[key] = json_copy(item)
            else:
                out[key] = _checked_copy(item, loader)
        return out
    if kind is list:
        return [_checked_copy(item, loader) for item in value]
    if isinstance(value, (dict, list)):
        _check_context_urls(value, loader)
    return json_copy(value)


def expand_safe(document: Mapping[str, Any], *, loader: DocumentLoader) -> list[Any]:
    """Expand with the frozen loader; raise on unknown contexts and on any dropped term."""
    private = _checked_copy(dict(document), loader)
    dropped: list[str] = []

    def on_dropped(term: str | None = None, *args: Any, **kwargs: Any) -> None:
        dropped.append(str(term))

    try:
        expanded = _expand(private, loader, on_dropped=on_dropped, base=_SENTINEL_BASE)
    except UnknownContext:
        raise
    except jsonld.JsonLdError as exc:
        cause = exc
        while cause is not None:
            if isinstance(cause, UnknownContext):
                raise cause from None
            cause = getattr(cause, "cause", None) or cause.__cause__
        raise JsonLdFailure(
            f"JSON-LD processing failed: {exc.type if hasattr(exc, 'type') else exc}"
        ) from None
    if dropped:
        raise UndefinedTerm(dropped[0], "$")
    if not _expanded_ok(expanded):
        _check_expanded(expanded, "$")  # the reference walk: raises, naming where
    return expanded
