"""The JSON Schema rule of the descriptor term ``programme`` (``schemas/json/mc-programme-v1.json``): the
accredited programme a course belongs to, as the public register lists it (issue 17): its name, id,
accreditation reference and quality-assurance body. Pure."""

from __future__ import annotations

import functools
import json
from collections.abc import Mapping
from typing import Any

from jsonschema import validators
from jsonschema.protocols import Validator

from profiles.validation.report import SchemaError, collect
from schemas import JSON_SCHEMAS_DIR

__all__ = ["PROGRAMME_SCHEMA_ID", "validate_programme"]

PROGRAMME_SCHEMA_ID = "https://w3id.org/shomei/mc/v1/schema/programme.json"


@functools.cache
def _validator() -> Validator:
    schema = json.loads((JSON_SCHEMAS_DIR / "mc-programme-v1.json").read_text(encoding="utf-8"))
    cls = validators.validator_for(schema)
    cls.check_schema(schema)
    return cls(schema)


def validate_programme(programme: Mapping[str, Any] | Any) -> list[SchemaError]:
    """Every violation of the programme rule by ``mcDescriptor.programme`` (none: it is valid)."""
    return collect(_validator(), programme, ("credentialSubject", "achievement", "mcDescriptor", "programme"))
