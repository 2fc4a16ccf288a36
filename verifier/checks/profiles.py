"""The descriptor profiles (OB 3.0 minimal, EU and Japanese micro-credentials, ...): how complete the
credential is for each profile asked for. They describe, and never decide ``verified``."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from typing import Any

from profiles import descriptors

__all__ = ["evaluate_profiles"]


def evaluate_profiles(
    credential: Mapping[str, Any], profiles: Sequence[str], *, now: dt.datetime, enveloped: bool
) -> dict[str, descriptors.ProfileResult]:
    """Each profile's result; ``enveloped``: the credential came inside a JWT."""
    return {
        profile: descriptors.evaluate(credential, profile, now=now, enveloped=enveloped)
        for profile in profiles
    }
