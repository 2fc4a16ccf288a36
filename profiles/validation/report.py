"""Schema violations as the service reports them: one :class:`SchemaError` (a JSON Pointer and a short
message in plain English) per problem, flattened out of jsonschema's nested errors, collected only when
the fast check (:mod:`profiles.validation.fast`) says the instance is invalid."""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from jsonschema.exceptions import ValidationError, best_match
from jsonschema.protocols import Validator

from profiles.validation.fast import fast_check

__all__ = ["MAX_ERRORS", "SchemaError", "collect"]


_MAX_MESSAGE = 200


@dataclass(frozen=True)
class SchemaError:
    """One schema violation. ``path`` is a JSON Pointer into the validated document
    (``/credentialSubject/achievement/name``; ``""`` is the document itself)."""

    path: str
    message: str


def _pointer(parts: Iterable[str | int]) -> str:
    return "".join("/" + str(p).replace("~", "~0").replace("/", "~1") for p in parts)


def _short(value: Any) -> str:
    text = json.dumps(value, ensure_ascii=False)
    return text if len(text) <= 60 else text[:57] + "..."


def _json_type(value: Any) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, int | float):
        return "number"
    if isinstance(value, str):
        return "string"
    if isinstance(value, list):
        return "array"
    return "object"


def _message(error: ValidationError) -> str:
    kw, instance = error.validator, error.instance
    expected: Any = error.validator_value
    if kw == "type":
        wanted = " or ".join(expected) if isinstance(expected, list) else expected
        return f"must be of type {wanted}, not {_json_type(instance)}"
    if kw == "const":
        return f"must be {_short(expected)}"
    if kw == "enum":
        return "must be one of: " + ", ".join(_short(v) for v in expected)
    if kw == "pattern":
        return f"{_short(instance)} does not match the pattern {expected}"
    if kw == "contains":
        return "must contain an item matching " + _short(expected)
    if kw == "minItems":
        return f"must have at least {expected} item(s)"
    if kw in ("minimum", "exclusiveMinimum", "maximum", "exclusiveMaximum"):
        return f"{_short(instance)} is out of range ({kw} {expected})"
    if kw == "minLength":
        return "must not be empty" if expected == 1 else f"must be at least {expected} characters long"
    return error.message if len(error.message) <= _MAX_MESSAGE else error.message[: _MAX_MESSAGE - 3] + "..."


def _names(error: ValidationError) -> list[str]:
    value: Any = error.validator_value
    return [str(v) for v in value] if isinstance(value, list) else []


def _flatten(error: ValidationError) -> list[SchemaError]:
    path = list(error.absolute_path)
    expected: Any = error.validator_value
    if error.validator == "required":
        instance = error.instance if isinstance(error.instance, Mapping) else {}
        return [
            SchemaError(_pointer([*path, name]), "is required") for name in expected if name not in instance
        ]
    if error.validator in ("anyOf", "oneOf") and error.context:
        if all(sub.validator == "required" and not sub.relative_path for sub in error.context):
            names = [n for sub in error.context for n in _names(sub)]
            return [SchemaError(_pointer(path), "needs one of: " + ", ".join(sorted(set(names))))]
        best = best_match(error.context)
        if best is not None:
            return _flatten(best)
    return [SchemaError(_pointer(path), _message(error))]


# Errors read from one validation: a report lists them for a person to fix, and a document with thousands
# of wrong members (a forged credential sent to the public verifier) would otherwise cost a millisecond
# or more for every one of them (10,000 wrong alignments: about 0.3 s of CPU).
MAX_ERRORS = 50


def collect(validator: Validator, instance: Any, prefix: tuple[str | int, ...] = ()) -> list[SchemaError]:
    """The schema errors of ``instance``, each path and message once, sorted; at most :data:`MAX_ERRORS`
    (validation stops there)."""
    fast = fast_check(validator)
    if fast is not None and fast(instance):
        return []
    found: dict[tuple[str, str], SchemaError] = {}
    for error in validator.iter_errors(instance):
        for item in _flatten(error):
            located = SchemaError(_pointer(prefix) + item.path, item.message)
            found.setdefault((located.path, located.message), located)
        if len(found) >= MAX_ERRORS:
            break
    return sorted(found.values(), key=lambda e: (e.path, e.message))[:MAX_ERRORS]
