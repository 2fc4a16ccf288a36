"""JSON Schema validation of credentials and of the micro-credential descriptor block (pure).

The package: :mod:`~profiles.validation.bundled` (the schemas, their validators and the validations),
:mod:`~profiles.validation.report` (violations as :class:`SchemaError`) and :mod:`~profiles.validation.fast`
(a compiled yes/no check that spares jsonschema's error collection when a document is valid).

Two schemas are bundled:

- ``schemas/json/ob_v3p0_achievementcredential_schema.json``: Shomei's own transcription of the
  OB 3.0 AchievementCredential data model (not 1EdTech's file; see its ``description``). It stands in
  for :data:`OB_CREDENTIAL_SCHEMA_ID`. Its VCDM 1.1 variant (:data:`OB_CREDENTIAL_V1_SCHEMA_ID`, derived
  in code: the VC 1.1 context, ``issuanceDate`` / ``expirationDate``) checks the OB 3.0 credentials
  issued before VCDM 2.0 (:func:`data_model_of` tells which a credential follows).
- ``schemas/profiles/mc-descriptor-schema-v1.json``: the design's descriptor schema, copied byte for
  byte and pinned by sha256 in ``schemas/profiles/manifest.json``. The whole file (``$id``
  :data:`MC_PROFILE_SCHEMA_ID`) is the Japanese framework's schema for a whole credential: its
  ``$defs/MicroCredentialDescriptor`` requires what that framework requires (stackability, certificate
  form, an internal QA entry, ...).

The descriptor's *shape* (types, controlled values, nested objects) is the same whatever the profile;
what must be *present* differs per profile and is checked by the profile rules
(:mod:`profiles.descriptors`). So a descriptor is checked against the shape alone
(:data:`MC_DESCRIPTOR_SCHEMA_ID`: the same definition with only ``type`` required and no internal-QA
demand), and against the Japanese schema as well when the Japanese profile is claimed (``strict``).

``format`` keywords are annotations only (the JSON Schema 2019-09 default), so results do not depend on
which optional format-checking packages happen to be installed.
"""

from __future__ import annotations

from profiles.validation.bundled import (
    MC_DESCRIPTOR_SCHEMA_ID,
    MC_PROFILE_SCHEMA_ID,
    OB_CREDENTIAL_SCHEMA_ID,
    OB_CREDENTIAL_V1_SCHEMA_ID,
    DataModel,
    data_model_of,
    descriptor_validator,
    known_schema_ids,
    ob_validator,
    schema_document,
    validate_against,
    validate_credential_schema,
    validate_descriptor,
)
from profiles.validation.fast import fast_check
from profiles.validation.report import SchemaError

__all__ = [
    "MC_DESCRIPTOR_SCHEMA_ID",
    "MC_PROFILE_SCHEMA_ID",
    "OB_CREDENTIAL_SCHEMA_ID",
    "OB_CREDENTIAL_V1_SCHEMA_ID",
    "DataModel",
    "SchemaError",
    "data_model_of",
    "descriptor_validator",
    "fast_check",
    "known_schema_ids",
    "ob_validator",
    "schema_document",
    "validate_against",
    "validate_credential_schema",
    "validate_descriptor",
]
