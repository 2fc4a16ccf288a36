"""Stackability: how far a learner's verified credentials go toward a programme (a *pathway*).

A pathway (:class:`Pathway`) is what an institution accepts toward a programme: groups of achievements
(required and elective), each with a credit minimum and/or a count minimum; a total credit minimum; the
issuers it recognises; a recency rule (issued within N years); a minimum result for achievements that carry
results. :func:`evaluate` takes the learner's credentials, each already verified by
:class:`verifier.Verifier` (the same verifier as ``POST /v1/verify``), and says which count, toward which
group, and why each of the others does not (a reason code from :data:`REASONS`, never prose).

Rules, in the order they are applied to each credential (the first that fails is the reason):
``unreadable`` (not a credential), ``revoked`` / ``suspended`` / ``expired`` / ``different-learner`` /
``unverified`` (its verification failed: status, dates, the learner it was issued to, or any other
check), ``unrecognised-issuer`` (its issuer is not on
the pathway's trust list), ``not-in-pathway`` (its achievement is in no group), ``too-old`` (issued
before the recency limit), ``result-missing`` / ``result-below-minimum``, and ``duplicate-achievement``
(an achievement already counted: the same achievement never counts twice, and it counts in the first group
that lists it). Credits are the credential's ``creditsEarned``, else the achievement's
``creditsAvailable``, else its descriptor's ``creditValue`` in ECTS, else the least ``creditValue`` it
gives (the descriptor's ``credit`` is a set: its order is not signed), unless the pathway fixes them.

Pure: ``now`` is passed in; nothing is fetched or remembered.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Any

from verifier.fields import parse_time
from verifier.presentation import NOT_CHECKED
from verifier.result import VerificationResult

__all__ = [
    "REASONS",
    "Counted",
    "Entry",
    "Group",
    "GroupProgress",
    "NotCounted",
    "Pathway",
    "Progress",
    "Submission",
    "evaluate",
]

REASONS = (
    "unreadable",
    "revoked",
    "suspended",
    "expired",
    "unverified",
    "different-learner",
    "unrecognised-issuer",
    "not-in-pathway",
    "too-old",
    "result-missing",
    "result-below-minimum",
    "duplicate-achievement",
)

# A failed check's problem type (its last path segment) -> the reason it is not counted.
_FAILURE_REASONS: Mapping[str, str] = MappingProxyType(
    {
        "credential-revoked": "revoked",
        "credential-suspended": "suspended",
        "expired": "expired",
        "recipient-mismatch": "different-learner",
    }
)
_DAYS_PER_YEAR = 365.2425


@dataclass(frozen=True, slots=True)
class Entry:
    """One achievement a group accepts: its id (an IRI), credits that override the credential's, and the
    minimum result (a value of the achievement's ``allowedValue`` list, or a number)."""

    achievement: str
    credits: float | None = None
    min_result: str | None = None


@dataclass(frozen=True, slots=True)
class Group:
    id: str
    entries: tuple[Entry, ...]
    min_credits: float | None = None
    min_count: int | None = None
    name: str | None = None


@dataclass(frozen=True, slots=True)
class Pathway:
    credits_required: float
    groups: tuple[Group, ...]
    recognised_issuers: frozenset[str]
    recency_years: float | None = None


@dataclass(frozen=True, slots=True)
class Submission:
    """One credential the learner sent: a label that names it in the report (its id or position), its
    verification, or the problem type that made it unreadable."""

    label: str
    result: VerificationResult | None
    unreadable: str | None = None


@dataclass(frozen=True, slots=True)
class Counted:
    credential: str
    achievement: str
    name: str | None
    issuer: str
    credits: float
    issued: dt.datetime | None

    def as_json(self) -> dict[str, Any]:
        return {
            "credential": self.credential,
            "achievement": self.achievement,
            "name": self.name,
            "issuer": self.issuer,
            "credits": self.credits,
        }


@dataclass(frozen=True, slots=True)
class NotCounted:
    credential: str
    reason: str
    achievement: str | None = None
    detail: str | None = None

    def as_json(self) -> dict[str, Any]:
        out: dict[str, Any] = {"credential": self.credential, "reason": self.reason}
        if self.achievement is not None:
            out["achievement"] = self.achievement
        if self.detail is not None:
            out["detail"] = self.detail
        return out


@dataclass(slots=True)
class GroupProgress:
    group: Group
    counted: list[Counted] = field(default_factory=list)

    @property
    def earned(self) -> float:
        return _total(self.counted)

    @property
    def complete(self) -> bool:
        g = self.group
        return (g.min_credits is None or self.earned >= g.min_credits) and (
            g.min_count is None or len(self.counted) >= g.min_count
        )

    def as_json(self) -> dict[str, Any]:
        g = self.group
        return {
            "id": g.id,
            "name": g.name,
            "earned": self.earned,
            "required": g.min_credits,
            "count": len(self.counted),
            "required_count": g.min_count,
            "complete": self.complete,
            "counted": [c.as_json() for c in self.counted],
        }


@dataclass(slots=True)
class Progress:
    pathway: Pathway
    groups: list[GroupProgress]
    not_counted: list[NotCounted]

    @property
    def counted(self) -> list[Counted]:
        return [c for g in self.groups for c in g.counted]

    @property
    def credits_earned(self) -> float:
        return _total(self.counted)

    @property
    def complete(self) -> bool:
        return self.credits_earned >= self.pathway.credits_required and all(g.complete for g in self.groups)

    def as_json(self) -> dict[str, Any]:
        return {
            "complete": self.complete,
            "credits_earned": self.credits_earned,
            "credits_required": self.pathway.credits_required,
            "groups": [g.as_json() for g in self.groups],
            "not_counted": [n.as_json() for n in self.not_counted],
        }


def _total(counted: Sequence[Counted]) -> float:
    total = sum(c.credits for c in counted)
    return int(total) if float(total).is_integer() else round(total, 4)


def _number(value: Any) -> float | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, int | float):
        return float(value)
    return None


def _achievement(credential: Mapping[str, Any]) -> tuple[Mapping[str, Any], Mapping[str, Any]]:
    subject = credential.get("credentialSubject")
    subject = subject[0] if isinstance(subject, list) and subject else subject
    if not isinstance(subject, Mapping):
        return {}, {}
    achievement = subject.get("achievement")
    return subject, achievement if isinstance(achievement, Mapping) else {}


def _credits(subject: Mapping[str, Any], achievement: Mapping[str, Any], entry: Entry) -> float:
    if entry.credits is not None:
        return entry.credits
    for value in (subject.get("creditsEarned"), achievement.get("creditsAvailable")):
        number = _number(value)
        if number is not None:
            return number
    descriptor = achievement.get("mcDescriptor")
    credit = descriptor.get("credit") if isinstance(descriptor, Mapping) else None
    values = [
        (item.get("creditSystem") == "ECTS", number)
        for item in (credit if isinstance(credit, list) else [credit])
        if isinstance(item, Mapping) and (number := _number(item.get("creditValue"))) is not None
    ]
    # ``credit`` is a set (our context: ``@container: @set``): its order is not signed, so a holder may
    # reorder it without breaking the proof, and "the first one" would be theirs to choose.
    ects = [number for is_ects, number in values if is_ects]
    return min(ects or [number for _, number in values], default=0.0)


def _failure_reason(result: VerificationResult) -> str | None:
    """Why a verification that failed keeps the credential out: its status or dates, else ``unverified``."""
    if result.verified:
        return None
    reasons = [
        _FAILURE_REASONS.get((c.type or "").rsplit("/", 1)[-1])
        for c in result.checks
        if c.outcome == "failed"
    ]
    return next((r for r in reasons if r is not None), "unverified")


def _allowed_values(result: Mapping[str, Any], achievement: Mapping[str, Any]) -> list[str]:
    """The ordered ``allowedValue`` (lowest first) of the result description ``result`` refers to (its
    ``resultDescription`` id), or of the achievement's only description that has them. ``resultDescription``
    is an unordered set (OB 3.0 context: ``@container: @set``): its order is not signed, so a holder may
    change it without breaking the proof; the first one in JSON order says nothing. (``allowedValue`` is an
    ``@list``: its order is signed.) Empty when none applies: the values are then compared as numbers."""
    descriptions = [d for d in achievement.get("resultDescription") or [] if isinstance(d, Mapping)]
    ref = result.get("resultDescription")
    if isinstance(ref, str):
        chosen = [d for d in descriptions if d.get("id") == ref]
    else:
        chosen = [d for d in descriptions if isinstance(d.get("allowedValue"), list)]
    if len(chosen) != 1 or not isinstance(chosen[0].get("allowedValue"), list):
        return []
    return [str(v) for v in chosen[0]["allowedValue"]]


def _result_meets(
    subject: Mapping[str, Any], achievement: Mapping[str, Any], minimum: str
) -> tuple[bool | None, str | None]:
    """(None: no result, True/False: the best result meets the minimum, the value compared)."""
    results = [r for r in subject.get("result") or [] if isinstance(r, Mapping) and "value" in r]
    if not results:
        return None, None
    best: tuple[bool, str | None] = (False, None)
    for r in results:
        value = str(r["value"])
        allowed = _allowed_values(r, achievement)
        if value in allowed and minimum in allowed:  # allowedValue is ordered from lowest to highest
            ok = allowed.index(value) >= allowed.index(minimum)
        else:
            try:
                ok = float(value) >= float(minimum)
            except ValueError:
                ok = value == minimum
        if ok:
            return True, value
        best = (False, value)
    return best


def evaluate(pathway: Pathway, submissions: Sequence[Submission], *, now: dt.datetime) -> Progress:
    """The learner's progress toward ``pathway`` from ``submissions`` (in the order sent), at ``now``."""
    entries: dict[str, tuple[int, Entry]] = {}
    for index, group in enumerate(pathway.groups):
        for entry in group.entries:
            entries.setdefault(entry.achievement, (index, entry))  # the first group listing it
    progress = Progress(pathway, [GroupProgress(g) for g in pathway.groups], [])
    seen: set[str] = set()
    oldest = (
        now - dt.timedelta(days=pathway.recency_years * _DAYS_PER_YEAR)
        if pathway.recency_years is not None
        else None
    )
    for item in submissions:
        result = item.result
        if result is None or result.credential is None:
            # A credential of a refused presentation was not read at all: it is unverified, not unreadable.
            reason = "unverified" if item.unreadable == NOT_CHECKED else "unreadable"
            progress.not_counted.append(NotCounted(item.label, reason, detail=item.unreadable))
            continue
        credential = result.credential
        subject, achievement = _achievement(credential)
        achievement_id = achievement.get("id") if isinstance(achievement.get("id"), str) else None

        def skip(
            reason: str,
            detail: str | None = None,
            *,
            label: str = item.label,
            aid: str | None = achievement_id,
        ) -> None:
            progress.not_counted.append(NotCounted(label, reason, aid, detail))

        failure = _failure_reason(result)
        if failure is not None:
            skip(failure)
            continue
        claim = result.issuer()  # a VCDM 1.1 VC-JWT's issuer may be its iss alone (VCDM 1.1 §6.3.1)
        issuer = claim.id if claim is not None else ""
        if issuer not in pathway.recognised_issuers:
            skip("unrecognised-issuer", issuer)
            continue
        if achievement_id is None or achievement_id not in entries:
            skip("not-in-pathway")
            continue
        group_index, entry = entries[achievement_id]
        # The start the validity check judged (the latest of validFrom, issuanceDate and a JWT's nbf).
        issued = result.validity[0] if result.validity is not None else None
        issued = issued or parse_time(credential.get("validFrom") or credential.get("issuanceDate"))
        awarded = parse_time(credential.get("awardedDate")) or issued
        if oldest is not None and (awarded is None or awarded < oldest):
            skip("too-old", awarded.isoformat() if awarded else None)
            continue
        if entry.min_result is not None:
            meets, value = _result_meets(subject, achievement, entry.min_result)
            if meets is None:
                skip("result-missing")
                continue
            if not meets:
                skip("result-below-minimum", value)
                continue
        if achievement_id in seen:
            skip("duplicate-achievement")
            continue
        seen.add(achievement_id)
        name = achievement.get("name")
        progress.groups[group_index].counted.append(
            Counted(
                credential=item.label,
                achievement=achievement_id,
                name=name if isinstance(name, str) else None,
                issuer=issuer,
                credits=_credits(subject, achievement, entry),
                issued=awarded,
            )
        )
    return progress
