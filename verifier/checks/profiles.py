"""The descriptor profiles (OB 3.0 minimal, EU and Japanese micro-credentials, ...): how complete the
credential is for each profile asked for. They describe, and never decide ``verified``."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from typing import Any

from profiles import descriptors
from profiles.validation import MC_PROFILE_SCHEMA_ID

__all__ = ["claimed_profiles", "evaluate_profiles"]

_OB_TYPES = frozenset({"OpenBadgeCredential", "AchievementCredential"})


def claimed_profiles(credential: Mapping[str, Any]) -> frozenset[str]:
    """The descriptor profiles the credential itself claims: ``ob3-minimal`` by an Open Badges type,
    ``eu-microcredential`` by the micro-credential marker (descriptors.md row 22: the achievement's
    ``achievementType`` is ``MicroCredential``), ``jp-mc-framework`` by naming the Japanese framework's
    schema in ``credentialSchema`` (as our issuer does for a template that claims it)."""
    claimed: set[str] = set()
    types = credential.get("type")
    if isinstance(types, list) and _OB_TYPES & {t for t in types if isinstance(t, str)}:
        claimed.add("ob3-minimal")
    subject = credential.get("credentialSubject")
    achievement = subject.get("achievement") if isinstance(subject, Mapping) else None
    if isinstance(achievement, Mapping) and achievement.get("achievementType") == "MicroCredential":
        claimed.add("eu-microcredential")
    schemas = credential.get("credentialSchema")
    for schema in schemas if isinstance(schemas, list) else [schemas]:
        if isinstance(schema, Mapping) and schema.get("id") == MC_PROFILE_SCHEMA_ID:
            claimed.add("jp-mc-framework")
    return frozenset(claimed)


def evaluate_profiles(
    credential: Mapping[str, Any], profiles: Sequence[str], *, now: dt.datetime, enveloped: bool
) -> dict[str, descriptors.ProfileResult]:
    """Each profile's result; ``enveloped``: the credential came inside a JWT."""
    return {
        profile: descriptors.evaluate(credential, profile, now=now, enveloped=enveloped)
        for profile in profiles
    }
