"""What a verification reports: each :class:`Check` (passed, failed, warning, skipped) in a
:class:`VerificationResult`; the :class:`Identity` a recipient check compares with; and
:class:`UnreadableCredential`, raised for input that is not a credential at all (an invalid credential is
a normal result, never an exception).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Literal

from profiles import descriptors
from schemas.problems import problem_type
from verifier.trust import IssuerTrust

__all__ = [
    "Check",
    "Identity",
    "IssuerClaim",
    "UnreadableCredential",
    "VerificationResult",
    "failed",
]

_Outcome = Literal["passed", "failed", "warning", "skipped"]


class UnreadableCredential(ValueError):
    """The input is not a credential in any format we read (``type_name``: the problem type)."""

    def __init__(self, message: str, *, type_name: str = "unreadable-credential") -> None:
        super().__init__(message)
        self.type_name = type_name


@dataclass(frozen=True, slots=True)
class Check:
    id: str
    outcome: _Outcome
    message: str
    type: str | None = None
    details: dict[str, Any] = field(default_factory=dict)

    def as_json(self) -> dict[str, Any]:
        out: dict[str, Any] = {"id": self.id, "outcome": self.outcome, "message": self.message}
        if self.type:
            out["type"] = self.type
        if self.details:
            out["details"] = self.details
        return out


def failed(check_id: str, name: str, message: str, **details: Any) -> Check:
    """A failed check whose ``type`` is the problem type ``name``."""
    return Check(check_id, "failed", message, problem_type(name), details)


@dataclass(frozen=True, slots=True)
class Identity:
    """What the employer knows of the learner: an email, a student number, or a DID."""

    value: str
    identity_type: str | None = None


@dataclass(frozen=True, slots=True)
class IssuerClaim:
    """The issuer the checks judged: its identifier, the name to show (empty: none) and its profile object
    (empty: none; a profile's ``url`` names the origin its DID may be linked to)."""

    id: str
    name: str
    profile: Mapping[str, Any]


@dataclass(slots=True)
class VerificationResult:
    format: str
    checks: list[Check]
    credential: dict[str, Any] | None
    profiles: dict[str, descriptors.ProfileResult] = field(default_factory=dict)
    # Who the issuer provably is (issue 18): set by the caller that has trust lists and a network.
    issuer_trust: IssuerTrust | None = None
    # The descriptor profiles the credential claims (a profile it does not claim is for information).
    claimed_profiles: frozenset[str] = frozenset()
    # The credential's issuer as the checks judged it (a VCDM 1.1 VC-JWT's ``iss`` where its vc claim has
    # no issuer, VCDM 1.1 §6.3.1); None: the credential's own ``issuer``.
    judged_issuer: Any = None
    # The credentialSubject as the checks judged it (a VCDM 1.1 VC-JWT's ``sub`` as the subject's ``id``
    # where its vc claim has none, VCDM 1.1 §6.3.1); None: the credential's own ``credentialSubject``.
    judged_subject: Any = None
    # When the credential is valid as the validity check judged it (UTC; the latest start, the earliest
    # end, each None when it has none): None when not known (no date-time, or an SD-JWT VC).
    validity: tuple[dt.datetime | None, dt.datetime | None] | None = None

    @property
    def verified(self) -> bool:
        return bool(self.checks) and all(c.outcome != "failed" for c in self.checks)

    def judged_credential(self) -> dict[str, Any] | None:
        """The credential as the checks judged it: its own, with a VCDM 1.1 VC-JWT's subject completed by
        its ``sub`` (what a ``recipient`` check compares with the learner)."""
        if self.credential is None or self.judged_subject is None:
            return self.credential
        return {**self.credential, "credentialSubject": self.judged_subject}

    def check(self, check_id: str) -> Check | None:
        return next((c for c in self.checks if c.id == check_id), None)

    def issuer(self) -> IssuerClaim | None:
        """The issuer the checks judged, the one place that says who it is: an SD-JWT VC's ``iss`` (SD-JWT
        VC §3.2.2.2; a claim named ``issuer`` is an ordinary claim, not checked), named by its
        ``issuing_authority`` claim (shown, never an identity: no profile); any other credential's
        ``issuer`` (an id, or a profile object with one), a VCDM 1.1 VC-JWT's completed by its ``iss``."""
        credential = self.credential or {}
        if self.format == "dc+sd-jwt":
            iss, authority = credential.get("iss"), credential.get("issuing_authority")
            if not isinstance(iss, str):
                return None
            return IssuerClaim(iss, authority if isinstance(authority, str) else "", {})
        value = credential.get("issuer", self.judged_issuer)
        if isinstance(value, str):
            return IssuerClaim(value, "", {})
        if isinstance(value, Mapping) and isinstance(value.get("id"), str):
            name = value.get("name")
            return IssuerClaim(value["id"], name if isinstance(name, str) else "", value)
        return None

    def as_json(self) -> dict[str, Any]:
        out = self._as_json()
        if self.issuer_trust is not None:
            out["issuer_trust"] = self.issuer_trust.as_json()
        return out

    def _as_json(self) -> dict[str, Any]:
        return {
            "verified": self.verified,
            "format": self.format,
            "checks": [c.as_json() for c in self.checks],
            "profiles": {
                name: {
                    "outcome": result.outcome,
                    "claimed": name in self.claimed_profiles,
                    "failed_rules": list(result.failed_rules),
                    "warnings": list(result.warnings),
                    "rules": [
                        {"id": r.id, "status": r.status, "path": r.path, "message": r.message}
                        for r in result.rules
                        if r.status != "not-applicable"
                    ],
                }
                for name, result in self.profiles.items()
            },
        }
