"""The ``when`` conditions of conditional rules: parsed once (:func:`parse_when`), they say where along the
rule's path the rule applies (:func:`condition_anchors`)."""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any, TypeAlias

from profiles.descriptors.paths import Field, Filter, Node, Segment, filter_matches, literal, step
from profiles.descriptors.results import RuleFileError
from profiles.descriptors.values import TYPES

__all__ = ["Condition", "condition_anchors", "parse_when"]


@dataclass(frozen=True)
class _KeyEquals:
    """``key == value``: applies to the nearest objects along the path that have ``key``."""

    key: str
    value: Any

    def select(self, nodes: Sequence[Node], segments: Sequence[Segment], depth: int) -> list[Node] | None:
        holders = [n for n in nodes if isinstance(n.value, Mapping) and self.key in n.value]
        if not holders:
            return None
        return [n for n in holders if filter_matches(n.value, self.key, self.value)]


@dataclass(frozen=True)
class _IsType:
    """``name is object``: applies where the path's ``name`` member has that JSON type."""

    name: str
    type_name: str

    def select(self, nodes: Sequence[Node], segments: Sequence[Segment], depth: int) -> list[Node] | None:
        if depth == 0 or segments[depth - 1] != Field(self.name):
            return None
        return [n for n in nodes if TYPES[self.type_name](n.value)]


@dataclass(frozen=True)
class _FilterExists:
    """``a … exists``: applies to each array item the path's filter selects."""

    def select(self, nodes: Sequence[Node], segments: Sequence[Segment], depth: int) -> list[Node] | None:
        if depth == 0 or not isinstance(segments[depth - 1], Filter):
            return None
        return list(nodes)


Condition: TypeAlias = _KeyEquals | _IsType | _FilterExists


_WHEN_EQUALS = re.compile(r"([A-Za-z_][A-Za-z0-9_]*) == (\S.*)\Z")


_WHEN_IS = re.compile(r"([A-Za-z_][A-Za-z0-9_]*) is (object|array|string)\Z")


_WHEN_EXISTS = re.compile(r"an? [^\s].* exists\Z")


def parse_when(text: Any, segments: Sequence[Segment]) -> Condition:
    if not isinstance(text, str):
        raise RuleFileError(f"when must be a string, got {text!r}")
    if m := _WHEN_EQUALS.match(text):
        return _KeyEquals(m[1], literal(m[2]))
    if m := _WHEN_IS.match(text):
        if Field(m[1]) not in segments:
            raise RuleFileError(f"when {text!r}: {m[1]!r} is not a member on the rule's path")
        return _IsType(m[1], m[2])
    if _WHEN_EXISTS.match(text):
        if sum(isinstance(s, Filter) for s in segments) != 1:
            raise RuleFileError(f"when {text!r} needs exactly one [?k=v] filter on the rule's path")
        return _FilterExists()
    raise RuleFileError(f"unsupported when condition {text!r}")


def condition_anchors(
    condition: Condition, segments: Sequence[Segment], root: Node
) -> list[tuple[Node, tuple[Segment, ...]]]:
    """Where a conditional rule applies: (node, rest of the path) pairs; empty if nowhere."""
    nodes = [root]
    for depth in range(len(segments) + 1):
        selected = condition.select(nodes, segments, depth)
        if selected is not None:
            return [(n, tuple(segments[depth:])) for n in selected]
        if depth < len(segments):
            nodes = step(nodes, segments[depth])
    return []
