"""The bundled JSON Schemas (the OB 3.0 AchievementCredential transcription with its VCDM 1.1 variant
derived from it, and the pinned descriptor schema with the shape-only variant derived from it), their
validators built once, and the validations the service runs with them."""

from __future__ import annotations

import copy
import functools
import json
from collections.abc import Mapping
from typing import Any, Literal

from jsonschema import validators
from jsonschema.protocols import Validator

from profiles.pinned import load_pinned_json
from profiles.validation.report import SchemaError, collect
from schemas import JSON_SCHEMAS_DIR, PROFILES_DIR

__all__ = [
    "MC_DESCRIPTOR_SCHEMA_ID",
    "MC_PROFILE_SCHEMA_ID",
    "OB_CREDENTIAL_SCHEMA_ID",
    "OB_CREDENTIAL_V1_SCHEMA_ID",
    "DataModel",
    "data_model_of",
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


OB_CREDENTIAL_V1_SCHEMA_ID = "urn:shomei:schema:ob-v3p0-achievementcredential-vcdm1.1-transcription:1"
"""The VCDM 1.1 variant of the transcription (derived in code, never published): what OB 3.0 credentials
issued before VCDM 2.0 carry (OB 3.0 §9.1 note: ``issuanceDate``/``expirationDate`` for
``validFrom``/``validUntil``, under ``https://www.w3.org/2018/credentials/v1``)."""

DataModel = Literal["1.1", "2.0"]
"""The VC data model a credential follows (its first ``@context``)."""

_VC_V1 = "https://www.w3.org/2018/credentials/v1"


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


def _single_type_allowed(node: Any) -> None:
    """Let each class's ``type`` (an array that contains the class name) be that one name as a plain
    string too, as 1EdTech's schemas of the VCDM 1.1 era allow (the compacted form of a one-item set)."""
    if isinstance(node, dict):
        kind = node.get("properties", {}).get("type") if isinstance(node.get("properties"), dict) else None
        if isinstance(kind, dict) and kind.get("type") == "array" and "const" in kind.get("contains", {}):
            node["properties"]["type"] = {
                "if": {"type": "string"},
                "then": {"const": kind["contains"]["const"]},
                "else": kind,
            }
        for value in node.values():
            _single_type_allowed(value)
    elif isinstance(node, list):
        for value in node:
            _single_type_allowed(value)


def _vcdm11_variant(schema: Mapping[str, Any]) -> dict[str, Any]:
    """The transcription for the VCDM 1.1 era: the VC 1.1 context first, ``issuanceDate`` required in
    place of ``validFrom``, ``issuanceDate`` / ``expirationDate`` read as the date-times ``validFrom`` /
    ``validUntil`` are, and a class's ``type`` may be its one name as a string. Everything else is the
    same (the OB 3.0 classes did not change)."""
    variant = copy.deepcopy(dict(schema))
    _single_type_allowed(variant["$defs"])
    variant["$id"] = OB_CREDENTIAL_V1_SCHEMA_ID
    properties = variant["properties"]
    properties["@context"]["items"][0] = {"const": _VC_V1}
    properties["issuanceDate"] = properties["validFrom"]
    properties["expirationDate"] = properties["validUntil"]
    variant["required"] = ["issuanceDate" if name == "validFrom" else name for name in variant["required"]]
    return variant


@functools.cache
def ob_validator(data_model: DataModel = "2.0") -> Validator:
    """The validator of the OB 3.0 AchievementCredential transcription, or of its VCDM 1.1 variant
    (each built once)."""
    schema = json.loads(_OB_SCHEMA_FILE.read_text(encoding="utf-8"))
    return _validator(schema if data_model == "2.0" else _vcdm11_variant(schema))


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


def validate_credential_schema(
    credential: Mapping[str, Any], *, strict: bool = False, data_model: DataModel = "2.0"
) -> list[SchemaError]:
    """Check an unsigned credential against the OB 3.0 AchievementCredential schema (Shomei's
    transcription; its VCDM 1.1 variant for ``data_model="1.1"``) and, when present, its
    ``credentialSubject.achievement.mcDescriptor`` as :func:`validate_descriptor` does. Paths are
    relative to the credential."""
    errors = collect(ob_validator(data_model), credential)
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
        # The same id names the schema of both eras (1EdTech published it under VCDM 1.1 first).
        return collect(ob_validator(data_model_of(credential)), credential)
    if schema_id == MC_PROFILE_SCHEMA_ID:
        return collect(_mc_profile_validator(), credential)
    if schema_id == MC_DESCRIPTOR_SCHEMA_ID:
        return collect(_descriptor_credential_validator(), credential)
    return None


def data_model_of(credential: Mapping[str, Any]) -> DataModel:
    """``"1.1"`` when the credential's first ``@context`` is the VC 1.1 one, else ``"2.0"``."""
    contexts = credential.get("@context")
    first = contexts[0] if isinstance(contexts, list) and contexts else contexts
    return "1.1" if first == _VC_V1 else "2.0"
