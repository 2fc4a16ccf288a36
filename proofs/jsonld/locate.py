"""Where an undefined term was written: safe-mode expansion finds it in the *expanded* document (a path of
property IRIs), but a person wrote the compact document. :func:`locate_term` finds the compact field (a
JSONPath such as ``$.credentialSubject.achievement.mcDescriptor.awardingBody[0].type``) and
:func:`json_pointer` gives the same place as an RFC 6901 JSON Pointer."""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any, Literal

__all__ = ["TermKind", "json_pointer", "locate_term"]

TermKind = Literal["type", "id", "property"]

_Step = str | int
_EXPANDED_INDEX = re.compile(r"\[\d+\]")
_KIND_KEYS: dict[str, tuple[str, ...]] = {"type": ("type", "@type"), "id": ("id", "@id")}


def _walk(node: Any, steps: tuple[_Step, ...]) -> Iterator[tuple[dict[str, Any], tuple[_Step, ...]]]:
    """Every object of the document with its steps from the root, in document order (contexts skipped)."""
    if isinstance(node, list):
        for i, item in enumerate(node):
            yield from _walk(item, (*steps, i))
    elif isinstance(node, dict):
        yield node, steps
        for key, value in node.items():
            if key != "@context":
                yield from _walk(value, (*steps, key))


def _matches(node: dict[str, Any], term: str, kind: TermKind) -> str | None:
    """The key of ``node`` that holds the undefined ``term`` (as a type, an id or a property), if any."""
    if kind == "property":
        return term if term in node else None
    for key in _KIND_KEYS[kind]:
        value = node.get(key)
        if value == term or (isinstance(value, list) and term in value):
            return key
    return None


def _format(steps: tuple[_Step, ...]) -> str:
    out = "$"
    for step in steps:
        if isinstance(step, int):
            out += f"[{step}]"
        elif re.fullmatch(r"[A-Za-z_@][A-Za-z0-9_]*", step):
            out += f".{step}"
        else:
            out += "['" + step.replace("'", "\\'") + "']"
    return out


def json_pointer(steps: tuple[_Step, ...]) -> str:
    """RFC 6901: ``~`` and ``/`` escaped in each reference token."""
    return "".join("/" + str(s).replace("~", "~0").replace("/", "~1") for s in steps)


def locate_term(
    document: Any, term: str, kind: TermKind, expanded_path: str | None = None
) -> tuple[str, str] | None:
    """The compact JSONPath and JSON Pointer of the field holding ``term`` (None when it is not found).

    Several candidates (the same undefined term written twice): the one as deep as ``expanded_path`` (its
    property steps, each followed by an index in the expanded form), else the first in document order."""
    depth = len(_EXPANDED_INDEX.findall(expanded_path)) - 1 if expanded_path else None
    first: tuple[_Step, ...] | None = None
    for node, steps in _walk(document, ()):
        key = _matches(node, term, kind)
        if key is None:
            continue
        found = (*steps, key)
        if first is None:
            first = found
        if depth is None or sum(isinstance(s, str) for s in steps) == depth:
            first = found
            break
    if first is None:
        return None
    if kind != "property":
        value = _get(document, first)
        if isinstance(value, list):
            first = (*first, value.index(term))
    return _format(first), json_pointer(first)


def _get(document: Any, steps: tuple[_Step, ...]) -> Any:
    node = document
    for step in steps:
        node = node[step]
    return node
