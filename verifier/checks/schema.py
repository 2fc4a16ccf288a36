"""The ``schema`` check: an Open Badge (OpenBadgeCredential, AchievementCredential) against the Open
Badges 3.0 JSON Schema of its data model (VCDM 2.0, or the VCDM 1.1 variant for credentials issued
before it); other credentials skip it.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from profiles.validation import data_model_of, validate_credential_schema
from profiles.validation.report import MAX_ERRORS
from verifier.fields import types_of
from verifier.result import Check, failed

__all__ = ["check_schema"]

_OB_TYPES = frozenset({"OpenBadgeCredential", "AchievementCredential"})


def check_schema(credential: Mapping[str, Any]) -> Check:
    if not _OB_TYPES & set(types_of(credential.get("type"))):
        return Check("schema", "skipped", "Not an Open Badge: no OB 3.0 schema applies.")
    unsigned = {k: v for k, v in credential.items() if k != "proof"}
    data_model = data_model_of(credential)
    errors = validate_credential_schema(unsigned, data_model=data_model)
    era = " (VCDM 1.1 edition)" if data_model == "1.1" else ""
    if errors:
        count = f"at least {len(errors)}" if len(errors) >= MAX_ERRORS else str(len(errors))  # collect stops
        return failed(
            "schema",
            "schema-validation-failed",
            f"The credential does not match the Open Badges 3.0 schema{era} ({count} problem(s)).",
            errors=[{"path": e.path, "message": e.message} for e in errors[:20]],
        )
    return Check("schema", "passed", f"The credential matches the Open Badges 3.0 schema{era}.")
