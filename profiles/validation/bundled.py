"""The bundled JSON Schemas (the OB 3.0 AchievementCredential transcription, and the pinned descriptor
schema with the shape-only variant derived from it), their validators built once, and the validations
the service runs with them."""

from __future__ import annotations

import functools
import json
from collections.abc import Mapping
from typing import Any

from jsonschema import validators
from jsonschema.protocols import Validator

from profiles.pinned import load_pinned_json
from profiles.validation.report import SchemaError, collect
from schemas import JSON_SCHEMAS_DIR, PROFILES_DIR

__all__ = [
    "MC_DESCRIPTOR_SCHEMA_ID",
    "MC_PROFILE_SCHEMA_ID",
    "OB_CREDENTIAL_SCHEMA_ID",
    "descriptor_validator",
    "known_schema_ids",
    "ob_validator",
    "schema_document",
    "validate_against",
    "validate_credential_schema",
    "validate_descriptor",
]


OB_CREDENTIAL_SCHEMA_ID = (
    "https://purl.imsglobal.org/spec/ob/v3p0/schema/json/ob_v3p0_achievementcredential_schema.json"
)


MC_PROFILE_SCHEMA_ID = "https://w3id.org/shomei/mc/v1/schema/jp-mc-framework.json"


MC_DESCRIPTOR_SCHEMA_ID = "https://w3id.org/shomei/mc/v1/schema/descriptor.json"


_OB_SCHEMA_FILE = JSON_SCHEMAS_DIR / "ob_v3p0_achievementcredential_schema.json"


_MC_SCHEMA_FILE = PROFILES_DIR / "mc-descriptor-schema-v1.json"


_DESCRIPTOR_POINTER = ("credentialSubject", "achievement", "mcDescriptor")


def _validator(schema: Mapping[str, Any]) -> Validator:
    plain = dict(schema)
    cls = validators.validator_for(plain)
    cls.check_schema(plain)
    return cls(plain)


@functools.cache
def ob_validator() -> Validator:
    """The validator of the OB 3.0 AchievementCredential transcription (built once)."""
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
def descriptor_validator(strict: bool) -> Validator:
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


def validate_descriptor(descriptor: Mapping[str, Any], *, strict: bool = False) -> list[SchemaError]:
    """Check an ``mcDescriptor`` block's shape, and with ``strict`` also what the Japanese framework
    requires of it (the design schema as is). Paths are relative to the descriptor
    (``/notionalWorkloadHours``)."""
    return collect(descriptor_validator(strict), descriptor)


def validate_credential_schema(credential: Mapping[str, Any], *, strict: bool = False) -> list[SchemaError]:
    """Check an unsigned credential against the OB 3.0 AchievementCredential schema (Shomei's
    transcription) and, when present, its ``credentialSubject.achievement.mcDescriptor`` as
    :func:`validate_descriptor` does. Paths are relative to the credential."""
    errors = collect(ob_validator(), credential)
    node: Any = credential
    for key in _DESCRIPTOR_POINTER:
        node = node.get(key) if isinstance(node, Mapping) else None
    if node is not None:
        errors.extend(collect(descriptor_validator(strict), node, _DESCRIPTOR_POINTER))
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
        return collect(ob_validator(), credential)
    if schema_id == MC_PROFILE_SCHEMA_ID:
        return collect(_mc_profile_validator(), credential)
    if schema_id == MC_DESCRIPTOR_SCHEMA_ID:
        return collect(_descriptor_credential_validator(), credential)
    return None
