"""The bundled rules file (pinned by sha256), compiled once, and the two evaluations the service runs: a
whole credential against a profile level (:func:`evaluate`), and a course template's achievement alone
(:func:`evaluate_achievement`)."""

from __future__ import annotations

import datetime as dt
import functools
from collections.abc import Mapping
from typing import Any

from profiles.descriptors.compile import load_rules
from profiles.descriptors.evaluation import RuleSet
from profiles.descriptors.results import ProfileResult, Stage
from profiles.pinned import load_pinned_json
from schemas import PROFILES_DIR

__all__ = ["PROFILES", "RULES_FILE", "default_rules", "evaluate", "evaluate_achievement"]


RULES_FILE = PROFILES_DIR / "profile-rules.json"


@functools.cache
def default_rules() -> RuleSet:
    """The bundled rules file, checked against its pinned sha256 and compiled once."""
    document = load_pinned_json(RULES_FILE)
    return load_rules(document)


PROFILES: tuple[str, ...] = default_rules().profiles


def evaluate(
    credential: Mapping[str, Any],
    profile: str,
    *,
    stage: Stage = "signed",
    enveloped: bool = False,
    now: dt.datetime | None = None,
) -> ProfileResult:
    """Evaluate a full credential against a profile level (and the levels it includes).

    ``stage="unsigned"`` makes the ``stage: signed`` rules (proof, status) not-applicable;
    ``enveloped=True`` says the credential was secured by an enveloping JWS / VC-JOSE, which satisfies
    OB-22 without an embedded ``proof``; ``now`` is the reference time for "not in the future"."""
    return default_rules().evaluate(credential, profile, stage=stage, enveloped=enveloped, now=now)


def evaluate_achievement(achievement: Mapping[str, Any], profile: str) -> ProfileResult:
    """Evaluate only the rules about ``credentialSubject.achievement`` (for saving a course template):
    the achievement is placed in an otherwise empty credential, and the rules about the issuer,
    learner, dates, proof, status, context etc. are left out of the result."""
    skeleton = {"credentialSubject": {"achievement": achievement}}
    return default_rules().evaluate(
        skeleton, profile, stage="unsigned", only=lambda r: r.concerns_achievement
    )
