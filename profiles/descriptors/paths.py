"""The JSONPath subset of the rules: parsing (:func:`parse_path`), walking a document (:func:`step`,
:func:`resolve_nodes`, :func:`resolve`) with the concrete location of each value (:class:`Node`), and what
counts as present (:func:`present`). See :mod:`profiles.descriptors` for the syntax."""

from __future__ import annotations

import functools
import json
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any, TypeAlias

from profiles.descriptors.results import RuleFileError

__all__ = [
    "Field",
    "Filter",
    "Node",
    "Segment",
    "filter_matches",
    "format_path",
    "literal",
    "parse_path",
    "pointer_of",
    "present",
    "resolve",
    "resolve_nodes",
    "step",
]


@dataclass(frozen=True)
class Field:
    name: str


@dataclass(frozen=True)
class _Index:
    index: int


@dataclass(frozen=True)
class _Wildcard:
    pass


@dataclass(frozen=True)
class Filter:
    key: str
    value: Any


Segment: TypeAlias = Field | _Index | _Wildcard | Filter


_TOKEN = re.compile(
    r"""\.(?P<field>[A-Za-z_][A-Za-z0-9_]*)
      | \[\s*'(?P<sq>[^']*)'\s*\]
      | \[\s*"(?P<dq>[^"]*)"\s*\]
      | \[(?P<index>[0-9]+)\]
      | \[(?P<star>\*)\]
      | \[\?(?P<fkey>[A-Za-z_@][A-Za-z0-9_@]*)=(?P<fval>[^\]]*)\]""",
    re.VERBOSE,
)


_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]*\Z")


def literal(text: str) -> Any:
    text = text.strip()
    if len(text) >= 2 and text[0] == text[-1] and text[0] in "'\"":
        return text[1:-1]
    if text in ("true", "false", "null") or re.fullmatch(r"-?[0-9]+(\.[0-9]+)?", text):
        return json.loads(text)
    return text


@functools.cache
def parse_path(path: str) -> tuple[Segment, ...]:
    """Parse a path of the subset; raises :class:`RuleFileError` on anything else."""
    if not path.startswith("$"):
        raise RuleFileError(f"path {path!r} does not start with '$'")
    segments: list[Segment] = []
    pos = 1
    while pos < len(path):
        m = _TOKEN.match(path, pos)
        if m is None:
            raise RuleFileError(f"path {path!r}: unsupported syntax at {path[pos:]!r}")
        if m["field"] is not None:
            segments.append(Field(m["field"]))
        elif m["sq"] is not None or m["dq"] is not None:
            segments.append(Field(m["sq"] if m["sq"] is not None else m["dq"]))
        elif m["index"] is not None:
            segments.append(_Index(int(m["index"])))
        elif m["star"] is not None:
            segments.append(_Wildcard())
        else:
            segments.append(Filter(m["fkey"], literal(m["fval"])))
        pos = m.end()
    return tuple(segments)


def pointer_of(path: str) -> str:
    """The JSON Pointer (RFC 6901) of a reported path: of its first alternative (``a | b``), as far as it
    is concrete (up to a ``[*]`` or ``[?…]``, the array that holds the items meant)."""
    out = ""
    try:
        segments = parse_path(path.split(" | ", 1)[0].strip())
    except RuleFileError:
        return out
    for segment in segments:
        if isinstance(segment, Field):
            out += "/" + segment.name.replace("~", "~0").replace("/", "~1")
        elif isinstance(segment, _Index):
            out += f"/{segment.index}"
        else:
            break
    return out


def _format_segment(segment: Segment) -> str:
    if isinstance(segment, Field):
        return f".{segment.name}" if _NAME.match(segment.name) else f"[{segment.name!r}]"
    if isinstance(segment, _Index):
        return f"[{segment.index}]"
    if isinstance(segment, _Wildcard):
        return "[*]"
    return f"[?{segment.key}={segment.value}]"


def format_path(segments: Sequence[Segment], base: str = "$") -> str:
    return base + "".join(_format_segment(s) for s in segments)


@dataclass(frozen=True)
class Node:
    value: Any
    loc: str
    parent: Any = None  # the object (or array) that holds the value


def _items(node: Node) -> list[Node]:
    if isinstance(node.value, list):
        return [Node(v, f"{node.loc}[{i}]", node.value) for i, v in enumerate(node.value)]
    if node.value is None:
        return []
    return [node]  # a compacted single value


def filter_matches(item: Any, key: str, value: Any) -> bool:
    if not isinstance(item, Mapping) or key not in item:
        return False
    found = item[key]
    if isinstance(found, list):
        return value in found
    return bool(found == value and type(found) is type(value))


def step(nodes: Sequence[Node], segment: Segment) -> list[Node]:
    out: list[Node] = []
    for node in nodes:
        if isinstance(segment, Field):
            if isinstance(node.value, Mapping) and segment.name in node.value:
                out.append(Node(node.value[segment.name], node.loc + _format_segment(segment), node.value))
        elif isinstance(segment, _Index):
            if isinstance(node.value, list) and segment.index < len(node.value):
                out.append(Node(node.value[segment.index], f"{node.loc}[{segment.index}]", node.value))
        elif isinstance(segment, _Wildcard):
            out.extend(_items(node))
        else:
            out.extend(n for n in _items(node) if filter_matches(n.value, segment.key, segment.value))
    return out


def resolve_nodes(segments: Sequence[Segment], start: Node) -> list[Node]:
    nodes = [start]
    for segment in segments:
        nodes = step(nodes, segment)
    return nodes


def resolve(document: Any, path: str) -> list[Any]:
    """The values ``path`` selects in ``document`` (no flattening, nulls kept)."""
    return [n.value for n in resolve_nodes(parse_path(path), Node(document, "$"))]


def present(nodes: Sequence[Node]) -> list[Node]:
    """Flatten arrays one level and drop ``null``/``false``: what counts as "resolves"."""
    out: list[Node] = []
    for node in nodes:
        if isinstance(node.value, list):
            out.extend(
                Node(v, f"{node.loc}[{i}]", node.parent)
                for i, v in enumerate(node.value)
                if v is not None and v is not False
            )
        elif node.value is not None and node.value is not False:
            out.append(node)
    return out
