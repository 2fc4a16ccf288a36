"""JSON-LD expansion (JSON-LD 1.1 API §5.1) with pyld, made fast: a pyld processor whose context
processing, IRI and value expansion are memoized in the loader's :class:`~proofs.jsonld.caches.ContextCache`,
and whose plain node objects, scalars and arrays are expanded without pyld's per-call type tests. Anything
beyond the plain kinds goes to pyld itself, so the output is pyld's."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Protocol

from pyld import jsonld
from pyld.context_resolver import ContextResolver

from proofs.jsonld.caches import ContextCache
from proofs.jsonld.fragments import Fragment, fragment_key, is_memoizable
from proofs.jsonld.names import aliased_types, is_aliased
from proofs.jsonld.steps import (
    Refused,
    absolute_or_keyword,
    add_to_array,
    json_copy_plain,
    without_void_vocab,
)

__all__ = ["expand"]


class _CachingLoader(Protocol):
    """A pyld document loader with the context caches of its documents (:class:`.loader.DocumentLoader`)."""

    @property
    def context_cache(self) -> ContextCache: ...

    def __call__(self, url: str, options: Mapping[str, Any] | None = None) -> dict[str, Any]: ...


# pyld's frozen active contexts (frozendict, a pyld dependency; taken from pyld rather than imported).
_FROZEN: type[dict[str, Any]] = type(jsonld.freeze({}))


class _Resolver(ContextResolver):  # type: ignore[misc]
    """pyld's resolver over one loader's own cache; remote contexts are cached too (the loader is frozen)."""

    def _cache_resolved_context(self, key: str, resolved: Any, tag: str | None) -> Any:
        return super()._cache_resolved_context(key, resolved, tag or "static")


class _Processor(jsonld.JsonLdProcessor):  # type: ignore[misc]
    def __init__(
        self,
        cache: ContextCache,
        *,
        on_dropped: Any,
        fragments: frozenset[str] = frozenset(),
        found: list[tuple[Any, Fragment]] | None = None,
    ) -> None:
        super().__init__(on_property_dropped=self._dropped)
        self._ctx_cache = cache
        self._on_dropped = on_dropped
        self._drops = 0
        self._standard = cache.standard_terms
        self.aliased: list[tuple[str, str]] = []  # (member name, what it expands to): see _check_name
        self._fragments = fragments
        self._found = found

    def _dropped(self, *args: Any, **kwargs: Any) -> None:
        self._drops += 1
        self._on_dropped(*args, **kwargs)

    def _check_name(self, key: str, expanded: Any, active_ctx: Any, element: Any) -> None:
        """List in ``aliased`` a member not written by its published name (:mod:`proofs.jsonld.names`)."""
        if is_aliased(self._standard, key, expanded, active_ctx["mappings"], "@value" in element):
            self.aliased.append((key, expanded))

    def _expand_fragment(self, active_ctx: Any, active_property: str, element: Any, options: Any) -> Any:
        """A node object under one of the memoized properties (:mod:`proofs.jsonld.fragments`): its
        expansion from the loader's memo (shared, never to be changed), else expanded here and kept
        when it qualifies. Either way the expanded object and its entry go to ``found``, for
        :func:`proofs.rdf.quads_of_expanded`."""
        base = options.get("base", "")
        key = fragment_key(active_ctx, active_property, base, element)
        store = self._ctx_cache.fragments
        entry = store.get(key, active_ctx) if key is not None else None
        if entry is not None:
            result: Any = entry.expanded  # shared: expand_safe's callers do not change the expansion
        else:
            drops, aliased = self._drops, len(self.aliased)
            result = super()._expand(active_ctx, active_property, element, options, False, False, None)
            if (
                key is None
                or self._drops != drops
                or len(self.aliased) != aliased
                or not is_memoizable(result)
            ):
                return result
            result = json_copy_plain(result)  # its own objects: the element's values may be in it
            entry = Fragment(active_ctx, result)
            store.put(key, entry)
        if self._found is not None:
            self._found.append((result, entry))
        return result

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
        if (
            kind is dict
            and active_property in self._fragments
            and not inside_list
            and not inside_index
            and type_scoped_ctx is None
            and isinstance(active_ctx, _FROZEN)
        ):
            return self._expand_fragment(active_ctx, active_property, element, options)
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
        # context, the property, the value (and its type: True, 1 and 1.0 differ) and the base. A float
        # is keyed by its bits: -0.0 == 0.0, but a term typed xsd:double writes them "-0.0E0" and "0.0E0".
        kind = type(value)
        if kind not in _SCALARS or not isinstance(active_ctx, _FROZEN):
            return super()._expand_value(active_ctx, active_property, value, options)
        exact = value.hex() if kind is float else value
        key = (id(active_ctx), active_property, kind, exact, options.get("base", ""))
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
        if type_key is not None and "@value" not in element:  # a value object's type is its datatype
            types, ctx = element.get(type_key), type_scoped_ctx if type_scoped_ctx is not None else active_ctx
            self.aliased += aliased_types(self._standard, types, self._expand_iri, ctx)
        plan = self._simple_plan(
            active_ctx, element, expanded_parent, type_key, expanded_active_property, options
        )
        if plan is None:
            for key in element:
                if type(key) is str and key != "@context":
                    self._check_name(key, self._expand_iri(active_ctx, key, vocab=True), active_ctx, element)
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
            if expanded_property is _DROPPED:
                self.on_property_dropped(term_ctx)
            elif expanded_property is None:
                continue
            elif expanded_property[0] != "@":  # a property (most entries; keywords: only these four)
                expanded_value = self._expand(term_ctx, key, value, options, inside_list=False)
                if expanded_value is not None:
                    add_to_array(expanded_parent, expanded_property, expanded_value)
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
            elif value is not None:  # @language
                expanded_parent["@language"] = value.lower()
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
        ``_DROPPED`` with its expanded form in the last place; ``@context`` gets ``None``. The part that
        does not depend on the values (:meth:`_plan_template`) is memoized in the loader's cache.
        """
        if not isinstance(active_ctx, _FROZEN) or expanded_active_property == "@reverse":
            return None
        if type_key in element:
            first = element[type_key]
            if first and type(first) is list:
                first = first[0]
            if self._expand_iri(active_ctx, first, vocab=True) == "@json":
                return None
        if expanded_parent:  # a nested (@nest) object's entries may collide with its parent's: not memoized
            template = self._plan_template(active_ctx, element, expanded_parent, options)
        else:
            # The template is a function of the frozen active context, the entries' names and the base.
            memo_key = (id(active_ctx), tuple(element), options.get("base", ""))
            cached = self._ctx_cache.plans.get(memo_key)
            if cached is not None and cached[0] is active_ctx:
                template = cached[1]
            else:
                template = self._plan_template(active_ctx, element, expanded_parent, options)
                self._ctx_cache.put_plan(memo_key, active_ctx, template)
        if isinstance(template, Refused):
            self.aliased += template.aliased
            return None
        plan: list[tuple[str, Any, Any, Any]] = []
        for key, expanded_property, term_ctx, aliased in template:
            value = element[key]
            if aliased is not None:
                self.aliased.append(aliased)
            if expanded_property is not _DROPPED and expanded_property[0] == "@":
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
                elif value is not None and kind is not str:  # @language
                    return None
            plan.append((key, value, expanded_property, term_ctx))
        return plan

    def _plan_template(
        self,
        active_ctx: Any,
        element: dict[str, Any],
        expanded_parent: dict[str, Any],
        options: dict[str, Any],
    ) -> list[tuple[str, Any, Any, tuple[str, str] | None]] | Refused:
        """The value-independent part of :meth:`_simple_plan`: for each entry, in name order, ``(key,
        expanded property, term context, (key, expanded) when the name is aliased else None)``; or, when
        the names alone rule the plain kinds out, :class:`Refused` with the aliased names met until then
        (what pyld's path would have listed first). Keywords' values are checked by the caller."""
        mappings = active_ctx["mappings"]
        value_object = "@value" in element
        template: list[tuple[str, Any, Any, tuple[str, str] | None]] = []
        aliased: list[tuple[str, str]] = []
        seen: set[str] = set()
        for key in sorted(element):
            if key == "@context":
                continue
            expanded_property = self._expand_iri(active_ctx, key, vocab=True)
            if expanded_property is None or not absolute_or_keyword(expanded_property):
                template.append((key, _DROPPED, expanded_property, None))
                continue
            name = None
            if is_aliased(self._standard, key, expanded_property, mappings, value_object):
                name = (key, expanded_property)
                aliased.append(name)
            if expanded_property[0] == "@":
                if expanded_property != "@type" and (
                    expanded_property in seen or expanded_property in expanded_parent
                ):
                    return Refused(aliased)  # colliding keywords: pyld raises
                seen.add(expanded_property)
                if expanded_property not in _PLAIN_KEYWORDS:
                    return Refused(aliased)
                template.append((key, expanded_property, None, name))
                continue
            definition = mappings.get(key)
            if definition is not None and (
                definition.get("@container", _SET_ONLY) not in _PLAIN_CONTAINERS
                or definition.get("@type") == "@json"
                or "@nest" in definition
                or definition.get("reverse")
            ):
                return Refused(aliased)
            term_ctx = active_ctx
            scoped = definition.get("@context") if definition is not None else None
            if scoped is not None:
                term_ctx = self._process_context(
                    active_ctx, scoped, options, propagate=True, override_protected=True
                )
                term_definition = term_ctx["mappings"].get(key)
                if term_definition is not None and term_definition.get("reverse"):
                    return Refused(aliased)
            template.append((key, expanded_property, term_ctx, name))
        return template

    def _prepare_nested_context(self, active_ctx: Any, element: Any, options: dict[str, Any]) -> Any:
        # pyld's step before a node's members (embedded context, then its types' scoped contexts): without
        # an embedded context, a function of the frozen context, the member names and the types (memoized).
        if "@context" in element or not isinstance(active_ctx, _FROZEN):
            return super()._prepare_nested_context(active_ctx, element, options)
        cache = self._ctx_cache
        names_key = (id(active_ctx), tuple(element))
        entry = cache.type_keys.get(names_key)
        type_keys = entry[1] if entry is not None and entry[0] is active_ctx else None
        if type_keys is None:  # the names that expand to @type
            type_keys = tuple(
                k for k in sorted(element) if self._expand_iri(active_ctx, k, vocab=True) == "@type"
            )
            cache.put_type_keys(names_key, active_ctx, type_keys)
        if len(type_keys) != 1:  # none, or several (pyld's own way)
            if not type_keys:
                return active_ctx, None, active_ctx
            return super()._prepare_nested_context(active_ctx, element, options)
        value = element[type_keys[0]]
        types = tuple(sorted(t for t in (value if type(value) is list else (value,)) if isinstance(t, str)))
        scoped_key = (id(active_ctx), types, options.get("base", ""), options.get("processingMode"))
        entry = cache.type_scoped.get(scoped_key)
        if entry is not None and entry[0] is active_ctx:
            return entry[1], type_keys[0], active_ctx
        scoped = active_ctx
        for type_ in types:
            ctx = jsonld.JsonLdProcessor.get_context_value(active_ctx, type_, "@context")
            if ctx is not None and ctx is not False:
                scoped = self._process_context(scoped, ctx, options, propagate=False)
        if isinstance(scoped, _FROZEN):
            cache.put_type_scoped(scoped_key, active_ctx, scoped)
        return scoped, type_keys[0], active_ctx

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
        local_ctx = without_void_vocab(active_ctx, local_ctx, options["documentLoader"])
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


_MISSING = object()
_DROPPED = object()
_PLAIN_KEYWORDS = frozenset(("@id", "@type", "@value", "@language"))
_SCALARS = frozenset((str, int, float, bool))
_SET_ONLY = ("@set",)
_PLAIN_CONTAINERS: tuple[Any, ...] = (None, "@set", ["@set"], _SET_ONLY)


def expand(
    document: Any,
    loader: _CachingLoader,
    *,
    on_dropped: Any,
    base: str,
    fragments: frozenset[str] = frozenset(),
    found: list[tuple[Any, Fragment]] | None = None,
    aliased: list[tuple[str, str]] | None = None,
) -> list[Any]:
    """pyld's ``JsonLdProcessor.expand`` for an in-memory document (JSON-LD 1.1 API §5.1).

    The same steps as ``expand`` without ``expandContext`` and remote documents, with the loader's
    context caches. ``document`` must be a private copy (the expanded form may share its values).
    ``fragments``: properties whose node object values are memoized (:mod:`proofs.jsonld.fragments`);
    each such expanded value and its memo entry is appended to ``found``. ``aliased`` receives each member
    that names a property of the loader's published contexts by another name, or that expands to
    ``@nest``, ``@included`` or ``@reverse`` (``_Processor._check_name``).
    """
    cache = loader.context_cache
    processor = _Processor(cache, on_dropped=on_dropped, fragments=fragments, found=found)
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
    if aliased is not None:
        aliased.extend(processor.aliased)
    if isinstance(expanded, dict) and "@graph" in expanded and len(expanded) == 1:
        expanded = expanded["@graph"]
    elif expanded is None:
        expanded = []
    return expanded if isinstance(expanded, list) else [expanded]
