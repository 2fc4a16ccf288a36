"""Revocation and suspension reasons, published through a ``message``-purpose Bitstring Status List
(BSL v1.0 §2.1 ``statusSize`` / ``statusMessage``) so that verifiers can show why.

Each credential carries a message entry at the same index as its revocation entry. Its value is 0 while
the credential is in good standing and the reason's code once it is revoked or suspended.
"""

from __future__ import annotations

from dataclasses import dataclass

__all__ = ["MESSAGE_STATUS_SIZE", "REASONS", "status_messages"]

MESSAGE_STATUS_SIZE = 4  # 16 values


@dataclass(frozen=True, slots=True)
class Reason:
    code: str
    value: int
    message: str
    actions: frozenset[str]


_R = frozenset({"revoke"})


_S = frozenset({"suspend"})


_RS = frozenset({"revoke", "suspend"})


REASONS: dict[str, Reason] = {
    r.code: r
    for r in (
        Reason("issued_in_error", 1, "Revoked: issued in error", _R),
        Reason("superseded", 2, "Revoked: replaced by a newer credential", _R),
        Reason("academic_misconduct", 3, "Revoked: academic misconduct", _RS),
        Reason("requirements_not_met", 4, "Revoked: the requirements were found not to be met", _R),
        Reason("wrong_recipient", 5, "Revoked: issued to the wrong person", _R),
        Reason("institution_withdrawal", 6, "Revoked: withdrawn by the institution", _R),
        Reason("learner_request", 7, "Revoked: withdrawn at the learner's request", _RS),
        Reason("key_compromise", 8, "Revoked: the issuer's signing key was compromised", _R),
        Reason("under_review", 9, "Suspended: under review", _S),
        Reason("administrative_hold", 10, "Suspended: administrative hold", _S),
        Reason("other", 11, "Status changed by the issuer (other reason)", _RS),
    )
}


def status_messages() -> list[dict[str, str]]:
    """The 16-entry ``statusMessage`` array (BSL v1.0 §2.1): hex status value -> message."""
    # One message per possible value of a statusSize-bit entry: 2**MESSAGE_STATUS_SIZE of them, not
    # MESSAGE_STATUS_SIZE. The Recommendation (Bitstring Status List v1.0, W3C Recommendation 15 May 2025,
    # §2.1 BitstringStatusListEntry) says so twice: statusSize: "If statusSize is provided and is greater
    # than 1, then the property credentialStatus.statusMessage MUST be present, and the number of status
    # messages MUST equal the number of possible values."; statusMessage: "the length of which MUST equal
    # the number of possible status messages indicated by statusSize (e.g., statusMessage array MUST have
    # 2 elements if statusSize has 1 bit, 4 elements if statusSize has 2 bits, 8 elements if statusSize
    # has 3 bits, etc.)". The W3C status-list test suite compares statusMessage.length with statusSize
    # itself (4): that is the suite's error, and the list is not bent to it.
    by_value = {r.value: r.message for r in REASONS.values()}
    by_value[0] = "Valid: no status change"
    return [
        {"status": f"0x{value:x}", "message": by_value.get(value, "Reserved")}
        for value in range(2**MESSAGE_STATUS_SIZE)
    ]
