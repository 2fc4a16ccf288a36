"""Steps of :mod:`proofs.jsonld.expansion` that need no processor: a local context's ``"@vocab": null``
entries that pyld cannot process (:func:`without_void_vocab`), pyld's ``add_value`` for expanded arrays."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from pyld import jsonld

from proofs.jsonld.caches import MAX_IRIS

__all__ = ["Refused", "absolute_or_keyword", "add_to_array", "json_copy_plain", "without_void_vocab"]

_ABSOLUTE_OR_KEYWORD: dict[str, bool] = {}


def _sets_vocab(context: Any) -> bool | None:
    """Whether a context document's own ``@context`` sets (True) or removes (False) a vocabulary mapping;
    None when it does neither."""
    found = None
    for item in context if isinstance(context, list) else [context]:
        if isinstance(item, Mapping) and "@vocab" in item:
            found = item["@vocab"] is not None
    return found


def without_void_vocab(active_ctx: Any, local_ctx: Any, loader: Any) -> Any:
    """``local_ctx`` without the ``"@vocab": null`` entries met while no vocabulary mapping is defined.

    Such an entry removes the vocabulary mapping (JSON-LD 1.1 API §4.1.2, the @vocab step), a no-op when there
    is none; pyld deletes the mapping without looking and fails with a KeyError instead. The entries are
    kept when a mapping is defined by then (in the active context, an earlier item, or the document of a
    context URL, read from the frozen loader): pyld removes it then, as it should.
    """
    items = local_ctx if isinstance(local_ctx, list) else [local_ctx]
    if not any(isinstance(item, Mapping) and "@vocab" in item and item["@vocab"] is None for item in items):
        return local_ctx
    defined = isinstance(active_ctx, Mapping) and "@vocab" in active_ctx
    kept: list[Any] = []
    for item in items:
        if item is None:  # a context reset: back to no mapping
            defined = False
        elif isinstance(item, str):
            try:
                document = loader(item)["document"]
            except (LookupError, ValueError):  # an unknown context: pyld reports it, the entries stay
                defined = True
            else:
                sets = _sets_vocab(document.get("@context") if isinstance(document, Mapping) else None)
                defined = defined if sets is None else sets
        elif isinstance(item, Mapping) and "@vocab" in item:
            if item["@vocab"] is None and not defined:
                item = {key: value for key, value in item.items() if key != "@vocab"}
            defined = item.get("@vocab") is not None
        kept.append(item)
    return kept if isinstance(local_ctx, list) else kept[0]


def add_to_array(parent: dict[str, Any], prop: str, value: Any) -> None:
    """pyld's ``add_value(parent, prop, value, {'propertyIsArray': True})`` (duplicates allowed)."""
    if type(value) is list:
        if not value and prop not in parent:
            parent[prop] = []
        for item in value:
            add_to_array(parent, prop, item)
        return
    values = parent.get(prop)
    if values is None:
        parent[prop] = [value]
    elif type(values) is list:
        values.append(value)
    else:
        parent[prop] = [values, value]


def json_copy_plain(value: Any) -> Any:
    """A copy of the dicts and lists of an expanded form (their own objects), other values shared."""
    kind = type(value)
    if kind is dict:
        return {k: json_copy_plain(v) for k, v in value.items()}
    if kind is list:
        return [json_copy_plain(v) for v in value]
    return value


def absolute_or_keyword(iri: str) -> bool:
    """pyld's test for keeping an expanded property (absolute IRI or keyword), memoized."""
    known = _ABSOLUTE_OR_KEYWORD.get(iri)
    if known is None:
        known = bool(jsonld._is_absolute_iri(iri) or jsonld._is_keyword(iri))
        if len(_ABSOLUTE_OR_KEYWORD) >= MAX_IRIS:
            _ABSOLUTE_OR_KEYWORD.clear()
        _ABSOLUTE_OR_KEYWORD[iri] = known
    return known


class Refused:
    """A node object whose entries' names rule out the plain-kinds plan of :mod:`proofs.jsonld.expansion`
    (pyld expands it), with the aliased names listed before the refusal."""

    __slots__ = ("aliased",)

    def __init__(self, aliased: list[tuple[str, str]]) -> None:
        self.aliased = tuple(aliased)
