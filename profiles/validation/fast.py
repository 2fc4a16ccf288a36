"""A fast yes/no JSON Schema check, compiled once per validator.

``iter_errors`` costs several milliseconds per credential even when there is nothing to report (a new
validator object per subschema, a registry lookup per "$ref"). The schema is compiled once into
closures that only answer "valid?", with jsonschema's semantics for the keywords our schemas use
(Draft 2019-09, no format checker); errors are still collected by jsonschema, and only when the fast
check says the instance is invalid. A schema with any keyword the compiler does not know has no fast
check and always goes through jsonschema.
"""

from __future__ import annotations

import numbers
import re
import threading
from collections.abc import Callable, Mapping, Sequence
from typing import Any
from urllib.parse import unquote

from jsonschema.protocols import Validator

__all__ = ["fast_check"]


_Check = Callable[[Any], bool]


# Keywords that never fail an instance here ("format" is an annotation: no format checker is used;
# "then" / "else" are read by "if").
_ANNOTATIONS = frozenset(
    {"$schema", "$defs", "definitions", "$comment", "title", "description", "examples", "default",
     "format", "then", "else", "deprecated", "readOnly", "writeOnly"}
)  # fmt: skip


_TRUE, _FALSE = object(), object()


class _NoFastCheck(Exception):
    """The schema uses something the compiler does not handle."""


def _unbool(value: Any) -> Any:
    return _TRUE if value is True else _FALSE if value is False else value


def _equal(one: Any, two: Any) -> bool:
    """jsonschema's ``_utils.equal``: ``True`` is not ``1``, also inside arrays and objects."""
    if one is two:
        return True
    if isinstance(one, str) or isinstance(two, str):
        return bool(one == two)
    if isinstance(one, Sequence) and isinstance(two, Sequence):
        return len(one) == len(two) and all(_equal(a, b) for a, b in zip(one, two, strict=True))
    if isinstance(one, Mapping) and isinstance(two, Mapping):
        return len(one) == len(two) and all(k in two and _equal(v, two[k]) for k, v in one.items())
    return bool(_unbool(one) == _unbool(two))


def _is_number(value: Any) -> bool:
    return not isinstance(value, bool) and isinstance(value, numbers.Number)


def _is_integer(value: Any) -> bool:
    if isinstance(value, bool):
        return False
    return isinstance(value, int) or (isinstance(value, float) and value.is_integer())


_TYPES: dict[str, Callable[[Any], bool]] = {
    "object": lambda v: isinstance(v, dict),
    "array": lambda v: isinstance(v, list),
    "string": lambda v: isinstance(v, str),
    "boolean": lambda v: isinstance(v, bool),
    "null": lambda v: v is None,
    "number": _is_number,
    "integer": _is_integer,
}


class _Compiler:
    def __init__(self, root: Mapping[str, Any]) -> None:
        self.root = root
        self.memo: dict[int, _Check] = {}

    def ref(self, ref: Any) -> _Check:
        if not isinstance(ref, str) or not ref.startswith("#"):
            raise _NoFastCheck(f"$ref {ref!r}")
        node: Any = self.root
        pointer = unquote(ref[1:])
        if pointer:
            if not pointer.startswith("/"):
                raise _NoFastCheck(f"$ref {ref!r}")
            for part in pointer[1:].split("/"):
                part = part.replace("~1", "/").replace("~0", "~")
                if isinstance(node, Mapping) and part in node:
                    node = node[part]
                elif isinstance(node, list) and part.isdigit() and int(part) < len(node):
                    node = node[int(part)]
                else:
                    raise _NoFastCheck(f"$ref {ref!r} does not resolve")
        return self.compile(node)

    def compile(self, schema: Any, *, root: bool = False) -> _Check:
        if schema is True:
            return lambda _: True
        if schema is False:
            return lambda _: False
        if not isinstance(schema, dict):
            raise _NoFastCheck("not a schema")
        known = self.memo.get(id(schema))
        if known is not None:
            return known
        slot: list[_Check] = []
        self.memo[id(schema)] = lambda value: slot[0](value)  # for recursive "$ref"s
        checks = [self.keyword(schema, kw, arg) for kw, arg in schema.items() if kw not in _ANNOTATIONS]
        if "$id" in schema and not root:
            raise _NoFastCheck("$id in a subschema")
        parts = [c for c in checks if c is not None]

        def check(value: Any) -> bool:
            for c in parts:
                if not c(value):
                    return False
            return True

        fn: _Check = parts[0] if len(parts) == 1 else check
        slot.append(fn)
        self.memo[id(schema)] = fn
        return fn

    def keyword(self, schema: Mapping[str, Any], kw: str, arg: Any) -> _Check | None:
        if kw == "$id":
            return None
        if kw == "$ref":
            return self.ref(arg)
        if kw == "type":
            names = [arg] if isinstance(arg, str) else list(arg)
            tests = [_TYPES[n] for n in names if n in _TYPES]
            if len(tests) != len(names):
                raise _NoFastCheck(f"type {arg!r}")
            if len(tests) == 1:
                return tests[0]
            return lambda v: any(t(v) for t in tests)
        if kw == "required":
            names = list(arg)
            return lambda v: not isinstance(v, dict) or all(n in v for n in names)
        if kw == "properties":
            props = [(name, self.compile(sub)) for name, sub in arg.items()]

            def properties(v: Any) -> bool:
                if not isinstance(v, dict):
                    return True
                for name, c in props:
                    if name in v and not c(v[name]):
                        return False
                return True

            return properties
        if kw == "minItems":
            return lambda v: not isinstance(v, list) or len(v) >= arg
        if kw == "minLength":
            return lambda v: not isinstance(v, str) or len(v) >= arg
        if kw == "minimum":
            return lambda v: not _is_number(v) or v >= arg
        if kw == "exclusiveMinimum":
            return lambda v: not _is_number(v) or v > arg
        if kw == "const":
            return lambda v: _equal(v, arg)
        if kw == "enum":
            options = list(arg)
            return lambda v: any(_equal(o, v) for o in options)
        if kw == "pattern":
            regex = re.compile(arg)
            return lambda v: not isinstance(v, str) or regex.search(v) is not None
        if kw == "items":
            if isinstance(arg, list):
                tuple_items = [self.compile(sub) for sub in arg]
                return lambda v: (
                    not isinstance(v, list) or all(c(item) for item, c in zip(v, tuple_items, strict=False))
                )
            each = self.compile(arg)

            def items(v: Any) -> bool:
                if not isinstance(v, list):
                    return True
                for item in v:
                    if not each(item):
                        return False
                return True

            return items
        if kw == "additionalItems":
            items = schema.get("items", {})
            if isinstance(items, dict):
                return None  # jsonschema ignores additionalItems unless items is an array
            if not isinstance(items, list):
                raise _NoFastCheck("additionalItems with a boolean items")
            start = len(items)
            if isinstance(arg, dict):
                extra = self.compile(arg)
                return lambda v: not isinstance(v, list) or all(extra(item) for item in v[start:])
            if not arg:
                return lambda v: not isinstance(v, list) or len(v) <= start
            return None
        if kw == "contains":
            match = self.compile(arg)
            return lambda v: not isinstance(v, list) or any(match(item) for item in v)
        if kw == "if":
            cond = self.compile(arg)
            then = self.compile(schema["then"]) if "then" in schema else None
            other = self.compile(schema["else"]) if "else" in schema else None

            def conditional(v: Any) -> bool:
                if cond(v):
                    return then is None or then(v)
                return other is None or other(v)

            return conditional
        if kw in ("allOf", "anyOf"):
            subs = [self.compile(sub) for sub in arg]
            if kw == "allOf":
                return lambda v: all(c(v) for c in subs)
            return lambda v: any(c(v) for c in subs)
        raise _NoFastCheck(f"keyword {kw}")


def _compile(schema: Any) -> _Check | None:
    try:
        return _Compiler(schema).compile(schema, root=True) if isinstance(schema, dict) else None
    except (_NoFastCheck, re.error, TypeError):
        return None


_fast_checks: dict[int, tuple[Validator, _Check | None]] = {}


_fast_lock = threading.Lock()


def fast_check(validator: Validator) -> _Check | None:
    """The compiled yes/no check of ``validator``'s schema (None: none), compiled once per validator."""
    entry = _fast_checks.get(id(validator))
    if entry is None or entry[0] is not validator:
        if getattr(validator, "format_checker", None) is not None:  # formats would be asserted: not compiled
            return None
        entry = (validator, _compile(validator.schema))
        with _fast_lock:
            _fast_checks[id(validator)] = entry
    return entry[1]
