"""The ``schema`` check: an Open Badge (OpenBadgeCredential, AchievementCredential) against the
Open Badges 3.0 JSON Schema; other credentials skip it.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from profiles.validation import validate_credential_schema
from verifier.fields import types_of
from verifier.result import Check, failed

__all__ = ["check_schema"]

_OB_TYPES = frozenset({"OpenBadgeCredential", "AchievementCredential"})


def check_schema(credential: Mapping[str, Any]) -> Check:
    if not _OB_TYPES & set(types_of(credential.get("type"))):
        return Check("schema", "skipped", "Not an Open Badge: no OB 3.0 schema applies.")
    unsigned = {k: v for k, v in credential.items() if k != "proof"}
    errors = validate_credential_schema(unsigned)
    if errors:
        return failed(
            "schema",
            "schema-validation-failed",
            f"The credential does not match the Open Badges 3.0 schema ({len(errors)} problem(s)).",
            errors=[{"path": e.path, "message": e.message} for e in errors[:20]],
        )
    return Check("schema", "passed", "The credential matches the Open Badges 3.0 schema.")
