"""A credential carried inside another, verified on its own: the credentials a CLR bundles
(:mod:`verifier.checks.clr`) and the EndorsementCredentials an Open Badge embeds
(:mod:`verifier.checks.endorsements`). Each is verified by the same verifier as a standalone credential
(same keys, status lists and time), with every check a credential gets, and reported as one check of the
outer credential whose details carry the inner credential's own report.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from schemas.problems import problem_type
from verifier.fields import types_of
from verifier.result import Check, UnreadableCredential, VerificationResult, failed

__all__ = ["Label", "VerifyNested", "nested_check"]

# Verifies one carried credential (an object, or the text of a VC-JWT); raises UnreadableCredential.
VerifyNested = Callable[[str | Mapping[str, Any]], VerificationResult]
# How a carried credential is named in its check's message, from the credential as it was read (None when
# it could not be read): an EnvelopedVerifiableCredential's own members (a ``name`` beside its ``data:``
# URL) are not the credential's, and its issuer never signed them.
Label = Callable[[Mapping[str, Any] | None], str]


def nested_check(
    item: Any,
    *,
    check_id: str,
    label: Label,
    verify: VerifyNested,
    invalid: str,
    expected: tuple[str, str] | None = None,
    subject: str | None = None,
    **details: Any,
) -> Check:
    """The check ``check_id`` of one carried credential, named by ``label`` in its message: failed with
    ``invalid`` when it does not verify (or with its own problem type when it cannot be read), else passed
    (a warning when one of its checks warned). ``expected``: a type the credential must have and the
    problem type when it has not (an endorsement must be an EndorsementCredential). ``subject``: the id of
    the outer credential's subject (a CLR's learner); a verified credential about another subject (its own
    ``credentialSubject`` ids, when it names any, are not this one) is a warning
    (``nested-subject-mismatch``), so that a report never lists another person's achievement as the
    learner's without saying so. ``details`` are kept in the check's details, beside the carried
    credential's format, verdict and checks."""
    if not isinstance(item, str | Mapping):
        return failed(check_id, "unreadable-credential", f"{label(None)} is not a credential.", **details)
    try:
        result = verify(item)
    except UnreadableCredential as exc:
        return failed(check_id, exc.type_name, f"{label(None)} could not be read: {exc}.", **details)
    credential = result.credential or {}
    name = label(credential)
    details = {
        **details,
        "format": result.format,
        "verified": result.verified,
        "checks": [c.as_json() for c in result.checks],
    }
    if isinstance(credential.get("id"), str):
        details["id"] = credential["id"]
    if expected is not None and expected[0] not in types_of(credential.get("type")):
        return failed(check_id, expected[1], f"{name} is not an {expected[0]}.", **details)
    if not result.verified:
        reasons = "; ".join(f"{c.id}: {c.message}" for c in result.checks if c.outcome == "failed")
        return failed(check_id, invalid, f"{name} is not valid ({reasons})", **details)
    others = _other_subjects(credential, subject)
    if others:
        details["subjects"] = others
        message = f"{name} is verified, but it is about {', '.join(others)}, not {subject}."
        return Check(check_id, "warning", message, problem_type("nested-subject-mismatch"), details)
    warned = [c.id for c in result.checks if c.outcome == "warning"]
    if warned:
        message = f"{name} is verified, with warnings ({', '.join(dict.fromkeys(warned))})."
        return Check(check_id, "warning", message, None, details)
    return Check(check_id, "passed", f"{name} is verified.", None, details)


def _other_subjects(credential: Mapping[str, Any], subject: str | None) -> list[str]:
    """The ids of ``credential``'s subjects when it names some and none is ``subject``; [] otherwise
    (no ``subject`` to compare with, or a subject without an id: nothing says whom it is about)."""
    if subject is None:
        return []
    value = credential.get("credentialSubject")
    subjects = value if isinstance(value, list) else [value]
    ids = [s["id"] for s in subjects if isinstance(s, Mapping) and isinstance(s.get("id"), str)]
    return [] if not ids or subject in ids else ids
