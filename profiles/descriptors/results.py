"""What evaluating a profile gives: one :class:`RuleResult` per rule, gathered in a :class:`ProfileResult`;
the literal types of statuses, severities, stages and presences; and :class:`RuleFileError`, raised when
the rules document uses something the engine does not implement."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

__all__ = ["Presence", "ProfileResult", "RuleFileError", "RuleResult", "Severity", "Stage", "Status"]


Status = Literal["pass", "fail", "not-applicable"]


Severity = Literal["error", "warning"]


Stage = Literal["unsigned", "signed"]


Presence = Literal["required", "recommended", "optional", "conditional"]


class RuleFileError(ValueError):
    """The rules document uses something this engine does not implement, or is malformed."""


@dataclass(frozen=True)
class RuleResult:
    """The outcome of one rule. ``path`` is where the problem is (a concrete JSONPath such as
    ``$.credentialSubject.identifier[1].identityHash``) or the rule's path; ``message`` is plain
    English for employers. ``severity`` is ``warning`` for *recommended* rules: their failures are
    reported but do not make the profile fail."""

    id: str
    status: Status
    path: str | None
    message: str
    severity: Severity = "error"


@dataclass(frozen=True)
class ProfileResult:
    profile: str
    rules: tuple[RuleResult, ...]

    @property
    def failed_rules(self) -> tuple[str, ...]:
        """Ids of the failed rules that make the profile fail (warnings excluded)."""
        return tuple(r.id for r in self.rules if r.status == "fail" and r.severity == "error")

    @property
    def warnings(self) -> tuple[str, ...]:
        """Ids of failed *recommended* rules."""
        return tuple(r.id for r in self.rules if r.status == "fail" and r.severity == "warning")

    @property
    def passed(self) -> bool:
        return not self.failed_rules

    @property
    def outcome(self) -> Literal["pass", "pass-with-warnings", "fail"]:
        """descriptors.md §4: "Report each level as pass | pass-with-warnings | fail"."""
        if self.failed_rules:
            return "fail"
        return "pass-with-warnings" if self.warnings else "pass"
