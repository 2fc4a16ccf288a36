"""JSON Schema validation of credentials and of the micro-credential descriptor block (pure).

Two schemas are bundled with the package:

- ``schemas/json/ob_v3p0_achievementcredential_schema.json``: Shomei's own transcription of the
  OB 3.0 AchievementCredential data model (not 1EdTech's file; see its ``description``). It stands in
  for :data:`OB_CREDENTIAL_SCHEMA_ID`.
- ``schemas/profiles/mc-descriptor-schema-v1.json``: the design's descriptor schema, copied byte for
  byte and pinned by sha256 in ``schemas/profiles/manifest.json``. The whole file (``$id``
  :data:`MC_PROFILE_SCHEMA_ID`) is the Japanese framework's schema for a whole credential: its
  ``$defs/MicroCredentialDescriptor`` requires what that framework requires (stackability, certificate
  form, an internal QA entry, ...).

The descriptor's *shape* (types, controlled values, nested objects) is the same whatever the profile;
what must be *present* differs per profile and is checked by the profile rules
(:mod:`schemas.descriptors`). So a descriptor is checked against the shape alone
(:data:`MC_DESCRIPTOR_SCHEMA_ID`: the same definition with only ``type`` required and no internal-QA
demand), and against the
Japanese schema as well when the Japanese profile is claimed (``strict``).

``format`` keywords are annotations only (the JSON Schema 2019-09 default), so results do not depend on
which optional format-checking packages happen to be installed.
"""

from __future__ import annotations

import functools
import json
import numbers
import re
import threading
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import unquote

from jsonschema import validators
from jsonschema.exceptions import ValidationError, best_match
from jsonschema.protocols import Validator

import schemas
from profiles.pinned import load_pinned_json

OB_CREDENTIAL_SCHEMA_ID = (
    "https://purl.imsglobal.org/spec/ob/v3p0/schema/json/ob_v3p0_achievementcredential_schema.json"
)


MC_PROFILE_SCHEMA_ID = "https://w3id.org/shomei/mc/v1/schema/jp-mc-framework.json"


MC_DESCRIPTOR_SCHEMA_ID = "https://w3id.org/shomei/mc/v1/schema/descriptor.json"


_HERE = Path(schemas.__file__).resolve().parent  # the data: schemas/json, schemas/profiles


_OB_SCHEMA_FILE = _HERE / "json" / "ob_v3p0_achievementcredential_schema.json"


_PROFILE_DIR = _HERE / "profiles"


_MC_SCHEMA_FILE = _PROFILE_DIR / "mc-descriptor-schema-v1.json"


_DESCRIPTOR_POINTER = ("credentialSubject", "achievement", "mcDescriptor")


_MAX_MESSAGE = 200


@dataclass(frozen=True)
class SchemaError:
    """One schema violation. ``path`` is a JSON Pointer into the validated document
    (``/credentialSubject/achievement/name``; ``""`` is the document itself)."""

    path: str
    message: str


def _validator(schema: Mapping[str, Any]) -> Validator:
    plain = dict(schema)
    cls = validators.validator_for(plain)
    cls.check_schema(plain)
    return cls(plain)


@functools.cache
def _ob_validator() -> Validator:
    return _validator(json.loads(_OB_SCHEMA_FILE.read_text(encoding="utf-8")))


@functools.cache
def _mc_schema() -> Mapping[str, Any]:
    schema = load_pinned_json(_MC_SCHEMA_FILE)
    if not isinstance(schema, dict):
        raise ValueError("the descriptor schema is not a JSON object")
    return schema


@functools.cache
def _mc_profile_validator() -> Validator:
    return _validator(_mc_schema())


def _descriptor_definitions(strict: bool) -> dict[str, Any]:
    """The design schema's ``$defs``: as they are when ``strict`` (the Japanese framework), else with
    ``MicroCredentialDescriptor`` requiring only ``type`` (its shape alone)."""
    definitions = dict(_mc_schema()["$defs"])
    if not strict:
        descriptor = definitions["MicroCredentialDescriptor"]
        properties = dict(descriptor["properties"])
        # The Japanese framework's own demand: an internal QA entry among the QA entries (JP-06).
        properties["qualityAssurance"] = {
            k: v for k, v in properties["qualityAssurance"].items() if k != "contains"
        }
        definitions["MicroCredentialDescriptor"] = {
            **descriptor,
            "required": ["type"],
            "properties": properties,
        }
    return definitions


@functools.cache
def _descriptor_validator(strict: bool) -> Validator:
    """An ``mcDescriptor`` block, with the file's dialect and definitions so that its ``$ref``s resolve."""
    return _validator(
        {
            "$schema": _mc_schema()["$schema"],
            "$defs": _descriptor_definitions(strict),
            "$ref": "#/$defs/MicroCredentialDescriptor",
        }
    )


def _descriptor_credential_schema() -> dict[str, Any]:
    """:data:`MC_DESCRIPTOR_SCHEMA_ID`: a whole credential whose descriptor, if any, has the shape."""
    node: dict[str, Any] = {"$ref": "#/$defs/MicroCredentialDescriptor"}
    for key in reversed(_DESCRIPTOR_POINTER):
        node = {"type": "object", "properties": {key: node}}
    header = {"$schema": _mc_schema()["$schema"], "$id": MC_DESCRIPTOR_SCHEMA_ID}
    return {**header, "$defs": _descriptor_definitions(False), **node}


@functools.cache
def _descriptor_credential_validator() -> Validator:
    return _validator(_descriptor_credential_schema())


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


# --- a fast yes/no check ----------------------------------------------------------------------------
# ``iter_errors`` costs several milliseconds per credential even when there is nothing to report (a new
# validator object per subschema, a registry lookup per "$ref"). The schema is compiled once into
# closures that only answer "valid?", with jsonschema's semantics for the keywords our schemas use
# (Draft 2019-09, no format checker); errors are still collected by jsonschema, and only when the fast
# check says the instance is invalid. A schema with any keyword the compiler does not know has no fast
# check and always goes through jsonschema.

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


def _fast_check(validator: Validator) -> _Check | None:
    """The compiled yes/no check of ``validator``'s schema (None: none), compiled once per validator."""
    entry = _fast_checks.get(id(validator))
    if entry is None or entry[0] is not validator:
        if getattr(validator, "format_checker", None) is not None:  # formats would be asserted: not compiled
            return None
        entry = (validator, _compile(validator.schema))
        with _fast_lock:
            _fast_checks[id(validator)] = entry
    return entry[1]


def _collect(validator: Validator, instance: Any, prefix: tuple[str | int, ...] = ()) -> list[SchemaError]:
    fast = _fast_check(validator)
    if fast is not None and fast(instance):
        return []
    found: dict[tuple[str, str], SchemaError] = {}
    for error in validator.iter_errors(instance):
        for item in _flatten(error):
            located = SchemaError(_pointer(prefix) + item.path, item.message)
            found.setdefault((located.path, located.message), located)
    return sorted(found.values(), key=lambda e: (e.path, e.message))


def validate_descriptor(descriptor: Mapping[str, Any], *, strict: bool = False) -> list[SchemaError]:
    """Check an ``mcDescriptor`` block's shape, and with ``strict`` also what the Japanese framework
    requires of it (the design schema as is). Paths are relative to the descriptor
    (``/notionalWorkloadHours``)."""
    return _collect(_descriptor_validator(strict), descriptor)


def validate_credential_schema(credential: Mapping[str, Any], *, strict: bool = False) -> list[SchemaError]:
    """Check an unsigned credential against the OB 3.0 AchievementCredential schema (Shomei's
    transcription) and, when present, its ``credentialSubject.achievement.mcDescriptor`` as
    :func:`validate_descriptor` does. Paths are relative to the credential."""
    errors = _collect(_ob_validator(), credential)
    node: Any = credential
    for key in _DESCRIPTOR_POINTER:
        node = node.get(key) if isinstance(node, Mapping) else None
    if node is not None:
        errors.extend(_collect(_descriptor_validator(strict), node, _DESCRIPTOR_POINTER))
    return errors


def schema_document(schema_id: str) -> Mapping[str, Any] | None:
    """The JSON Schema document published for one of our descriptor schema ids, or None."""
    if schema_id == MC_PROFILE_SCHEMA_ID:
        return _mc_schema()
    if schema_id == MC_DESCRIPTOR_SCHEMA_ID:
        return _descriptor_credential_schema()
    return None


def known_schema_ids() -> frozenset[str]:
    """The ``credentialSchema`` ids this module can check offline."""
    return frozenset({OB_CREDENTIAL_SCHEMA_ID, MC_PROFILE_SCHEMA_ID, MC_DESCRIPTOR_SCHEMA_ID})


def validate_against(schema_id: str, credential: Mapping[str, Any]) -> list[SchemaError] | None:
    """Validate a whole credential against the schema a ``credentialSchema`` entry names, or return
    ``None`` when no local copy of that schema exists."""
    if schema_id == OB_CREDENTIAL_SCHEMA_ID:
        return _collect(_ob_validator(), credential)
    if schema_id == MC_PROFILE_SCHEMA_ID:
        return _collect(_mc_profile_validator(), credential)
    if schema_id == MC_DESCRIPTOR_SCHEMA_ID:
        return _collect(_descriptor_credential_validator(), credential)
    return None
