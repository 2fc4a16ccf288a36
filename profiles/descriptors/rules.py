"""A compiled rule (:class:`Rule`): its id, level, presence, paths, checks and condition."""

from __future__ import annotations

from dataclasses import dataclass

from profiles.descriptors.checks import Check
from profiles.descriptors.conditions import Condition
from profiles.descriptors.paths import parse_path
from profiles.descriptors.results import Presence, Severity

__all__ = ["ENVELOPE_ALTERNATIVE", "Rule"]


_ACHIEVEMENT_PATH = "$.credentialSubject.achievement"


ENVELOPE_ALTERNATIVE = "<enveloping JWS / VC-JOSE>"


@dataclass(frozen=True)
class Rule:
    id: str
    level: str
    presence: Presence
    alternatives: tuple[str, ...]  # paths (or the envelope token); one unless the rule uses anyOf
    checks: tuple[Check, ...]
    condition: Condition | None = None
    stage: str | None = None
    note: str | None = None

    @property
    def severity(self) -> Severity:
        return "warning" if self.presence == "recommended" else "error"

    @property
    def concerns_achievement(self) -> bool:
        """True when every path of the rule lies under ``$.credentialSubject.achievement``."""
        prefix = parse_path(_ACHIEVEMENT_PATH)
        return all(
            p != ENVELOPE_ALTERNATIVE and parse_path(p)[: len(prefix)] == prefix for p in self.alternatives
        )
