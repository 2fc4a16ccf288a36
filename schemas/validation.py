"""JSON Schema validation of credentials and of the micro-credential descriptor block (pure).

Two schemas are bundled with the package:

- ``schemas/json/ob_v3p0_achievementcredential_schema.json``: Shomei's own transcription of the
  OB 3.0 AchievementCredential data model (not 1EdTech's file; see its ``description``). It stands in
  for :data:`OB_CREDENTIAL_SCHEMA_ID`.
- ``schemas/profiles/mc-descriptor-schema-v1.json``: the design's descriptor schema, copied byte for
  byte and pinned by sha256 in ``schemas/profiles/manifest.json``. Its ``$defs/MicroCredentialDescriptor``
  validates ``credentialSubject.achievement.mcDescriptor``; the whole file (``$id``
  :data:`MC_PROFILE_SCHEMA_ID`) is a profile schema for a whole credential.

``format`` keywords are annotations only (the JSON Schema 2019-09 default), so results do not depend on
which optional format-checking packages happen to be installed.
"""

from __future__ import annotations

import functools
import hashlib
import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from jsonschema import validators
from jsonschema.exceptions import ValidationError, best_match
from jsonschema.protocols import Validator

__all__ = [
    "MC_PROFILE_SCHEMA_ID",
    "OB_CREDENTIAL_SCHEMA_ID",
    "SchemaError",
    "known_schema_ids",
    "validate_against",
    "validate_credential_schema",
    "validate_descriptor",
]

OB_CREDENTIAL_SCHEMA_ID = (
    "https://purl.imsglobal.org/spec/ob/v3p0/schema/json/ob_v3p0_achievementcredential_schema.json"
)
MC_PROFILE_SCHEMA_ID = "https://w3id.org/shomei/mc/v1/schema/jp-mc-framework.json"

_HERE = Path(__file__).resolve().parent
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


def load_pinned_json(path: Path) -> Any:
    """Read a file listed in ``schemas/profiles/manifest.json``, refusing it if its sha256 differs."""
    manifest = json.loads((_PROFILE_DIR / "manifest.json").read_text(encoding="utf-8"))
    entry = manifest["files"].get(path.name)
    if entry is None:
        raise ValueError(f"{path.name} is not listed in schemas/profiles/manifest.json")
    data = path.read_bytes()
    digest = hashlib.sha256(data).hexdigest()
    if digest != entry["sha256"]:
        raise ValueError(f"{path.name}: sha256 {digest} does not match the manifest ({entry['sha256']})")
    return json.loads(data)


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


@functools.cache
def _descriptor_validator() -> Validator:
    full = _mc_schema()
    # The descriptor definition, with the file's dialect and definitions so that its "$ref"s resolve.
    return _validator(
        {"$schema": full["$schema"], "$defs": full["$defs"], "$ref": "#/$defs/MicroCredentialDescriptor"}
    )


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


def _collect(validator: Validator, instance: Any, prefix: tuple[str | int, ...] = ()) -> list[SchemaError]:
    found: dict[tuple[str, str], SchemaError] = {}
    for error in validator.iter_errors(instance):
        for item in _flatten(error):
            located = SchemaError(_pointer(prefix) + item.path, item.message)
            found.setdefault((located.path, located.message), located)
    return sorted(found.values(), key=lambda e: (e.path, e.message))


def validate_descriptor(descriptor: Mapping[str, Any]) -> list[SchemaError]:
    """Check an ``mcDescriptor`` block against ``$defs/MicroCredentialDescriptor`` of the descriptor
    schema. Paths are relative to the descriptor (``/notionalWorkloadHours``)."""
    return _collect(_descriptor_validator(), descriptor)


def validate_credential_schema(credential: Mapping[str, Any]) -> list[SchemaError]:
    """Check an unsigned credential against the OB 3.0 AchievementCredential schema (Shomei's
    transcription) and, when present, its ``credentialSubject.achievement.mcDescriptor`` against the
    descriptor schema. Paths are relative to the credential."""
    errors = _collect(_ob_validator(), credential)
    node: Any = credential
    for key in _DESCRIPTOR_POINTER:
        node = node.get(key) if isinstance(node, Mapping) else None
    if node is not None:
        errors.extend(_collect(_descriptor_validator(), node, _DESCRIPTOR_POINTER))
    return errors


def known_schema_ids() -> frozenset[str]:
    """The ``credentialSchema`` ids this module can check offline."""
    return frozenset({OB_CREDENTIAL_SCHEMA_ID, MC_PROFILE_SCHEMA_ID})


def validate_against(schema_id: str, credential: Mapping[str, Any]) -> list[SchemaError] | None:
    """Validate a whole credential against the schema a ``credentialSchema`` entry names, or return
    ``None`` when no local copy of that schema exists."""
    if schema_id == OB_CREDENTIAL_SCHEMA_ID:
        return _collect(_ob_validator(), credential)
    if schema_id == MC_PROFILE_SCHEMA_ID:
        return _collect(_mc_profile_validator(), credential)
    return None
