"""The constraint keywords of a rule (``equals``, ``pattern``, ``type``, ``enum``, ``after``, ``refersTo``,
``action``, ...): each compiles its argument into a function that looks at the values a path
resolved to, in a :class:`Context` (the document, the time, the stage), and returns the first problem.
:data:`CHECK_BUILDERS` maps each keyword to its compiler."""

from __future__ import annotations

import datetime as dt
import math
import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, TypeAlias

from profiles.descriptors.paths import Node, parse_path, present, resolve_nodes
from profiles.descriptors.results import RuleFileError, Stage
from profiles.descriptors.values import (
    ENUMERATIONS,
    EXT_TERM,
    TYPE_WORDS,
    TYPES,
    is_number,
    parse_datetime_z,
    show,
)
from profiles.validation import validate_against

__all__ = ["CHECK_BUILDERS", "Check", "Context"]


@dataclass(frozen=True)
class Context:
    root: Any
    now: dt.datetime
    stage: Stage
    enveloped: bool


_Problem: TypeAlias = tuple[str | None, str]  # (location, what is wrong)


_CheckFn: TypeAlias = Callable[[Sequence[Node], Context], _Problem | None]


@dataclass(frozen=True)
class Check:
    keyword: str
    run: _CheckFn


def _each(test: Callable[[Node, Context], str | None]) -> _CheckFn:
    def run(nodes: Sequence[Node], ctx: Context) -> _Problem | None:
        for node in nodes:
            problem = test(node, ctx)
            if problem is not None:
                return node.loc, problem
        return None

    return run


def _reference_datetime(path: str, ctx: Context) -> dt.datetime | None:
    for node in present(resolve_nodes(parse_path(path), Node(ctx.root, "$"))):
        return parse_datetime_z(node.value)
    return None


def _check_equals(expected: Any) -> _CheckFn:
    return _each(
        lambda n, _c: (
            None if n.value == expected and type(n.value) is type(expected) else f"should be {show(expected)}"
        )
    )


def _check_pattern(pattern: Any) -> _CheckFn:
    regex = _compile(pattern)
    return _each(
        lambda n, _c: (
            None
            if isinstance(n.value, str) and regex.fullmatch(n.value)
            else f"{show(n.value)} is not in the expected format"
        )
    )


def _check_type(spec: Any) -> _CheckFn:
    if not isinstance(spec, str):
        raise RuleFileError(f"type must be a string, got {spec!r}")
    names = spec.split("|")
    unknown = [n for n in names if n not in TYPES]
    if unknown:
        raise RuleFileError(f"unknown type name(s) {unknown} in {spec!r}")
    wanted = " or ".join(TYPE_WORDS[n] for n in names)
    return _each(lambda n, _c: None if any(TYPES[t](n.value) for t in names) else f"should be {wanted}")


def _string_list(keyword: str, spec: Any) -> list[Any]:
    if not isinstance(spec, list) or not spec:
        raise RuleFileError(f"{keyword} must be a non-empty array, got {spec!r}")
    return spec


def _check_contains(spec: Any) -> _CheckFn:
    wanted = _string_list("contains", spec)

    def run(nodes: Sequence[Node], _ctx: Context) -> _Problem | None:
        values = [n.value for n in nodes]
        missing = [w for w in wanted if w not in values]
        return None if not missing else (None, "does not include " + ", ".join(map(show, missing)))

    return run


def _check_contains_any(spec: Any) -> _CheckFn:
    wanted = _string_list("containsAny", spec)

    def run(nodes: Sequence[Node], _ctx: Context) -> _Problem | None:
        values = [n.value for n in nodes]
        if any(w in values for w in wanted):
            return None
        return None, "includes none of " + ", ".join(map(show, wanted))

    return run


def _check_enum(spec: Any) -> _CheckFn:
    allowed = _string_list("enum", spec)
    return _each(
        lambda n, _c: (
            None
            if n.value in allowed and isinstance(n.value, str)
            else f"{show(n.value)} is not one of: " + ", ".join(allowed)
        )
    )


def _check_enum_or_ext(spec: Any) -> _CheckFn:
    if spec not in ENUMERATIONS:
        raise RuleFileError(f"enumOrExt names an unknown enumeration {spec!r}")
    allowed = ENUMERATIONS[spec]
    return _each(
        lambda n, _c: (
            None
            if isinstance(n.value, str) and (n.value in allowed or EXT_TERM.match(n.value))
            else f"{show(n.value)} is not an {spec} value or an ext: extension term"
        )
    )


def _check_min_items(spec: Any) -> _CheckFn:
    if not isinstance(spec, int) or isinstance(spec, bool) or spec < 0:
        raise RuleFileError(f"minItems must be a non-negative integer, got {spec!r}")

    def run(nodes: Sequence[Node], _ctx: Context) -> _Problem | None:
        return None if len(nodes) >= spec else (None, f"needs at least {spec} entries, found {len(nodes)}")

    return run


def _check_minimum(spec: Any) -> _CheckFn:
    if not is_number(spec):
        raise RuleFileError(f"minimum must be a number, got {spec!r}")
    return _each(
        lambda n, _c: (
            None
            if is_number(n.value) and n.value >= spec
            else f"{show(n.value)} should be a number of at least {spec}"
        )
    )


def _check_required_keys(spec: Any) -> _CheckFn:
    keys = _string_list("requiredKeys", spec)

    def test(node: Node, _ctx: Context) -> str | None:
        if not isinstance(node.value, Mapping):
            return "should be a structured entry"
        missing = [k for k in keys if node.value.get(k) is None]
        return None if not missing else "lacks " + ", ".join(missing)

    return _each(test)


def _check_after(spec: Any) -> _CheckFn:
    if not isinstance(spec, str):
        raise RuleFileError(f"after must be a path, got {spec!r}")
    parse_path(spec)

    def test(node: Node, ctx: Context) -> str | None:
        mine, other = parse_datetime_z(node.value), _reference_datetime(spec, ctx)
        if mine is None or other is None:  # the date's own format / presence is other rules' concern
            return None
        return None if mine > other else f"should be later than {spec}"

    return _each(test)


def _check_not_after(spec: Any) -> _CheckFn:
    if not isinstance(spec, str):
        raise RuleFileError(f"notAfter must be 'now' or a path, got {spec!r}")
    if spec != "now":
        parse_path(spec)

    def test(node: Node, ctx: Context) -> str | None:
        mine = parse_datetime_z(node.value)
        other = ctx.now if spec == "now" else _reference_datetime(spec, ctx)
        if mine is None or other is None:
            return None
        if mine <= other:
            return None
        return "is in the future" if spec == "now" else f"should not be later than {spec}"

    return _each(test)


_EQF_PREFIX = re.compile(r"https?://data\.europa\.eu/snb/eqf")


_EQF_NAME = re.compile(r"\bEQF\b|European Qualifications Framework", re.IGNORECASE)


def _check_pattern_if_eqf(spec: Any) -> _CheckFn:
    regex = _compile(spec)

    def test(node: Node, _ctx: Context) -> str | None:
        framework = node.parent.get("targetFramework") if isinstance(node.parent, Mapping) else None
        is_eqf = (isinstance(node.value, str) and _EQF_PREFIX.match(node.value)) or (
            isinstance(framework, str) and _EQF_NAME.search(framework)
        )
        if not is_eqf:
            return None
        ok = isinstance(node.value, str) and regex.fullmatch(node.value)
        return None if ok else f"{show(node.value)} is not an EQF level IRI"

    return _each(test)


def _check_refers_to(spec: Any) -> _CheckFn:
    if not isinstance(spec, str):
        raise RuleFileError(f"refersTo must be a path, got {spec!r}")
    target = parse_path(spec)

    def test(node: Node, ctx: Context) -> str | None:
        targets = [n.value for n in present(resolve_nodes(target, Node(ctx.root, "$")))]
        return None if node.value in targets else f"{show(node.value)} does not refer to an entry at {spec}"

    return _each(test)


def _decimal(value: Any) -> float | None:
    if is_number(value):
        return float(value)
    if isinstance(value, str):
        try:
            number = float(value)
        except ValueError:
            return None
        return number if math.isfinite(number) else None
    return None


def _check_in_allowed_values_of(spec: Any) -> _CheckFn:
    if not isinstance(spec, str):
        raise RuleFileError(f"inAllowedValuesOf must be a path, got {spec!r}")
    target = parse_path(spec)

    def test(node: Node, ctx: Context) -> str | None:
        ref = node.parent.get("resultDescription") if isinstance(node.parent, Mapping) else None
        descriptions = [n.value for n in present(resolve_nodes(target, Node(ctx.root, "$")))]
        matching = [d for d in descriptions if isinstance(d, Mapping) and d.get("id") == ref]
        if ref is None or not matching:
            return None  # nothing to compare with; a dangling link is OB-20's concern
        description = matching[0]
        allowed = description.get("allowedValue")
        if isinstance(allowed, list):
            return None if node.value in allowed else f"{show(node.value)} is not one of the allowed values"
        low, high = _decimal(description.get("valueMin")), _decimal(description.get("valueMax"))
        if low is None and high is None:
            return None
        value = _decimal(node.value)
        if value is None or (low is not None and value < low) or (high is not None and value > high):
            return f"{show(node.value)} is outside the allowed range"
        return None

    return _each(test)


def _schema_action(nodes: Sequence[Node], ctx: Context) -> _Problem | None:
    """OB-21: validate the credential against each declared 1EdTechJsonSchemaValidator2019 schema that
    is available offline (profiles.validation); others cannot be fetched here and are skipped."""
    for node in nodes:
        entry = node.value
        if not isinstance(entry, Mapping) or not isinstance(entry.get("id"), str):
            return node.loc, "should be an entry with an id and a type"
        if entry.get("type") != "1EdTechJsonSchemaValidator2019":
            continue
        errors = validate_against(entry["id"], ctx.root)
        if errors:
            first = errors[0]
            where = first.path or "/"
            return node.loc, f"the credential does not match {entry['id']} ({where}: {first.message})"
    return None


def _proof_action(_nodes: Sequence[Node], _ctx: Context) -> _Problem | None:
    """OB-22: this engine checks that a proof is present; the signature itself is verified by the
    verifier (proofs package) before the profiles are evaluated (descriptors.md §4, last note)."""
    return None


#: ``action`` texts this engine knows, and what it does for each.
_ACTIONS: Mapping[str, _CheckFn] = {
    "if type == 1EdTechJsonSchemaValidator2019: validate against schema at id": _schema_action,
    "verify proof per OB 3.0 verification section": _proof_action,
}


def _check_action(spec: Any) -> _CheckFn:
    if spec not in _ACTIONS:
        raise RuleFileError(f"unknown action {spec!r}")
    return _ACTIONS[spec]


def _compile(pattern: Any) -> re.Pattern[str]:
    if not isinstance(pattern, str):
        raise RuleFileError(f"pattern must be a string, got {pattern!r}")
    try:
        return re.compile(pattern)
    except re.error as exc:
        raise RuleFileError(f"invalid pattern {pattern!r}: {exc}") from None


CHECK_BUILDERS: Mapping[str, Callable[[Any], _CheckFn]] = {
    "equals": _check_equals,
    "pattern": _check_pattern,
    "type": _check_type,
    "contains": _check_contains,
    "coversAll": _check_contains,
    "containsAny": _check_contains_any,
    "enum": _check_enum,
    "enumOrExt": _check_enum_or_ext,
    "minItems": _check_min_items,
    "minimum": _check_minimum,
    "requiredKeys": _check_required_keys,
    "after": _check_after,
    "notAfter": _check_not_after,
    "patternIfEQF": _check_pattern_if_eqf,
    "refersTo": _check_refers_to,
    "inAllowedValuesOf": _check_in_allowed_values_of,
    "action": _check_action,
}
