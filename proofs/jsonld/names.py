"""The names a document must write properties by (VCDM 2.0 §1.3: a conforming document is a compacted
JSON-LD document). A property that the loader's published contexts name must be written by that term,
never by its IRI, a compact IRI or a term of an inline context; and ``@nest``, ``@included`` and
``@reverse``, which attach a member's properties to another node than the object it is written in, are
not used. Either way the RDF, and so a proof over it, is the same as the compacted document's, while
every reader of the JSON (the verifier's checks after the proof: status, validity, issuer) would miss the
property: a revoked credential whose ``credentialStatus`` is written as its IRI would verify.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from typing import Any

__all__ = ["MOVING_KEYWORDS", "aliased_types", "is_aliased", "standard_terms"]

# Keywords that attach a member's properties to another node than the object it is written in.
MOVING_KEYWORDS = frozenset(("@nest", "@included", "@reverse"))


def is_aliased(
    standard: Mapping[str, frozenset[str]],
    key: str,
    expanded: Any,
    mappings: Mapping[str, Any] | None = None,
    value_object: bool = False,
) -> bool:
    """Whether the member ``key``, which expands to ``expanded``, is not written by a published name. With
    the active context's term ``mappings``: ``@type`` or ``@id`` written as such in a node object whose
    context aliases them (``type`` and ``id`` in every VC context) is not either (a ``ClrCredential`` type
    moved to ``@type`` beside ``type`` kept the proof and hid the CLR from the checks of its bundle)."""
    if type(expanded) is not str or not expanded:
        return False
    if expanded[0] == "@":
        if key == expanded and key in ("@type", "@id") and mappings is not None and not value_object:
            alias = mappings.get(key[1:])
            return isinstance(alias, Mapping) and alias.get("@id") == key
        return expanded in MOVING_KEYWORDS
    names = standard.get(expanded)
    return names is not None and key not in names


def aliased_types(
    standard: Mapping[str, frozenset[str]], values: Any, expand_iri: Callable[..., Any], context: Any
) -> list[tuple[str, str]]:
    """The ``(value, IRI)`` of each type in ``values`` (a node's ``type``) written by another name than the
    published term for its IRI (the IRI itself where its document's contexts have a term for it, a compact
    IRI, a term of an inline context); ``expand_iri`` (pyld's IRI expansion) gives a type's IRI in
    ``context``. Its RDF is the same, but the checks branch on a type by its term: a ``ClrCredential``
    written as its IRI kept the proof and hid the CLR, and its bundled credentials, from their checks."""
    found = []
    for value in values if type(values) is list else (values,):
        if type(value) is str:
            iri = expand_iri(context, value, vocab=True)
            if is_aliased(standard, value, iri) and (value != iri or _has_term_for(context, iri)):
                found.append((value, iri))
    return found


def _has_term_for(context: Any, iri: str) -> bool:
    """Whether the active ``context`` has a term for ``iri``. A type written as an absolute URL that no
    context of its document names (VCDM 2.0 §4.5: a type is a term or an absolute URL) is what compacting
    the document with its own contexts writes, even if a context it does not use has a term for it."""
    mappings = context.get("mappings") if isinstance(context, Mapping) else None
    return isinstance(mappings, Mapping) and any(
        isinstance(definition, Mapping) and definition.get("@id") == iri for definition in mappings.values()
    )


def standard_terms(documents: Iterable[Any]) -> dict[str, frozenset[str]]:
    """IRI -> the terms the context ``documents`` define for it, their scoped contexts included (compact
    IRIs resolved with the prefixes in scope, terms without an ``@id`` left out): the names by which a
    property these contexts know must be written in a document that uses them."""
    found: dict[str, set[str]] = {}
    for document in documents:
        if isinstance(document, Mapping):
            _collect_terms(document.get("@context"), {}, None, found)
    return {iri: frozenset(terms) for iri, terms in found.items()}


def _collect_terms(
    context: Any, prefixes: dict[str, str], vocab: str | None, found: dict[str, set[str]]
) -> None:
    for item in context if isinstance(context, list) else [context]:
        if not isinstance(item, Mapping):
            continue
        scope = dict(prefixes)
        level_vocab = item.get("@vocab", vocab)
        level_vocab = level_vocab if isinstance(level_vocab, str) else vocab
        for term, definition in item.items():
            raw = _id_of(definition)
            if raw is not None and raw.endswith(("#", "/", ":")) and not term.startswith("@"):
                scope[term] = raw  # a prefix
        for term, definition in item.items():
            if term.startswith("@"):
                continue
            if isinstance(definition, Mapping) and "@context" in definition:
                _collect_terms(definition["@context"], scope, level_vocab, found)
            raw = _id_of(definition)
            if raw is not None and raw != term and isinstance(item.get(raw), Mapping | str):
                raw = _id_of(item[raw])  # a term defined as another term of the context (OB 3.0's
                # AchievementCredential is OpenBadgeCredential): the same IRI, a published name of it
            iri = _resolve(raw, scope, level_vocab)
            if iri is not None:
                found.setdefault(iri, set()).add(term)


def _id_of(definition: Any) -> str | None:
    """What a term definition maps its term to: the string itself, or its ``@id``."""
    raw = definition.get("@id") if isinstance(definition, Mapping) else definition
    return raw if isinstance(raw, str) else None


def _resolve(raw: str | None, prefixes: dict[str, str], vocab: str | None) -> str | None:
    if raw is None or raw.startswith("@"):
        return None
    prefix, colon, local = raw.partition(":")
    if colon:
        if local.startswith("//") or prefix not in prefixes:
            return raw  # an absolute IRI (or a scheme we take as it is)
        return prefixes[prefix] + local
    return vocab + raw if vocab else None
