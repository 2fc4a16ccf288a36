"""The registered claims of a VC-JWT against the credential it carries: part of the ``proof`` check of a
VC-JWT (OB 3.0 §8.2.4 "Verify a Credential VC-JWT Signature" puts them there), made once the signature
verified.

* A JWT of the Open Badges profile (``typ`` ``JWT`` or none: OB 3.0 §8.2.2, and the VCDM 1.1 ``vc``
  claim form, VCDM 1.1 §6.3.1) MUST have ``iss`` (the issuer's id), ``jti`` (the credential's ``id``),
  ``sub`` (the ``credentialSubject``'s ``id``), ``nbf`` (``validFrom``, or ``issuanceDate`` in VCDM 1.1),
  and ``exp`` when the credential has ``validUntil`` (``expirationDate``): a claim is required when the
  credential has the property it stands for, and must then equal it. In the payload form a claim without
  its property contradicts the credential; in the ``vc`` form it stands for the property (VCDM 1.1
  §6.3.1 turns ``iss``, ``jti``, ``sub``, ``nbf`` and ``exp`` into them), and ``exp`` always does
  (OB 3.0: it "MUST be used to set the value of the validUntil").
* Any other JWT (VC-JOSE-COSE ``vc+jwt``) may leave them out (VC-JOSE-COSE §3.1.2), but one that is there
  must not contradict its property ("implementers SHOULD avoid setting JWT claims to values that
  conflict"): a verifier that accepted a conflict would be trusting one reading over the other.

``nbf``/``exp`` are NumericDates (RFC 7519 §2: seconds, possibly fractional); they are compared with the
date-time properties at whole seconds (both rounded down), the precision a NumericDate is made with.
``iss`` against the issuer is the ``issuer`` check's (``issuer-mismatch``), not repeated here.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Mapping
from typing import Any

from proofs.vc_jwt import ParsedJwt, typ_is
from verifier.fields import parse_time
from verifier.result import Check, failed

__all__ = ["check_claims"]


def _subject_ids(credential: Mapping[str, Any]) -> list[str]:
    subject = credential.get("credentialSubject")
    subjects = subject if isinstance(subject, list) else [subject]
    return [s["id"] for s in subjects if isinstance(s, Mapping) and isinstance(s.get("id"), str)]


def _seconds(value: Any) -> int | None:
    """A NumericDate as whole seconds, else None (a bool is not a number here)."""
    if type(value) is int:  # however large: compared as it is, never made a float
        return value
    if type(value) is not float or not math.isfinite(value):
        return None
    return math.floor(value)


def _when(seconds: int) -> str:
    try:
        return dt.datetime.fromtimestamp(seconds, dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
    except (OverflowError, OSError, ValueError):
        return str(seconds)


def _mismatch(claim: str, message: str, **details: Any) -> Check:
    return failed(
        "proof",
        "jwt-claim-mismatch",
        f"The JWT signature is valid, but its claims contradict the credential: {message}.",
        claim=claim,
        **details,
    )


def _missing(claims: list[str]) -> Check:
    return failed(
        "proof",
        "jwt-claim-missing",
        f"The JWT signature is valid, but the JWT lacks the claim{'s' if len(claims) > 1 else ''} "
        f"{', '.join(claims)} that an Open Badges VC-JWT must have (iss, jti, sub and nbf, and exp when "
        "the credential has an end date, each equal to the credential's own value).",
        claims=claims,
    )


def _date_claim(
    claim: str, value: Any, prop: str, raw: Any, *, required: bool, claim_alone: bool
) -> Check | str | None:
    """One of ``nbf``/``exp`` against its property: a failed check, the claim's name when it is missing
    and required, or None."""
    if value is None:
        return claim if required and raw is not None else None
    seconds = _seconds(value)
    if seconds is None:
        return _mismatch(claim, f"{claim} is not a NumericDate (seconds since 1970)", value=str(value)[:64])
    if raw is None:
        return None if claim_alone else _mismatch(claim, f"{claim} is set but the credential has no {prop}")
    stated = parse_time(raw)
    if stated is None:
        return None  # the validity check reports a date that is not a date-time
    if math.floor(stated.timestamp()) != seconds:
        return _mismatch(claim, f"{claim} is {_when(seconds)}, {prop} is {raw}", value=seconds)
    return None


def check_claims(jwt: ParsedJwt, credential: Mapping[str, Any]) -> Check | None:
    """The failed ``proof`` check when the claims are missing or contradict ``credential`` (the
    credential the JWT carries), else None."""
    payload, legacy = jwt.payload, jwt.legacy
    typ = jwt.header.get("typ")
    ob_profile = typ is None or typ_is(typ, ("JWT",))
    required = ob_profile
    claim_alone = legacy or not ob_profile  # a claim with no property to compare: accepted

    missing: list[str] = []
    if required and payload.get("iss") is None:
        missing.append("iss")
    cid = credential.get("id")
    jti = payload.get("jti")
    if jti is None:
        if required and cid is not None:
            missing.append("jti")
    elif cid is None:
        if not claim_alone:
            return _mismatch("jti", f"jti is {jti!r} but the credential has no id")
    elif jti != cid:
        return _mismatch("jti", f"jti is {jti!r}, the credential's id is {cid!r}")
    subjects = _subject_ids(credential)
    sub = payload.get("sub")
    if sub is None:
        if required and subjects:
            missing.append("sub")
    elif not subjects:
        if not claim_alone:
            return _mismatch("sub", f"sub is {sub!r} but the credentialSubject has no id")
    elif sub not in subjects:
        return _mismatch("sub", f"sub is {sub!r}, the credentialSubject's id is {subjects[0]!r}")
    start_prop = "validFrom" if "validFrom" in credential or not legacy else "issuanceDate"
    end_prop = "validUntil" if "validUntil" in credential or not legacy else "expirationDate"
    for claim, prop, alone in (("nbf", start_prop, claim_alone), ("exp", end_prop, True)):
        found = _date_claim(
            claim, payload.get(claim), prop, credential.get(prop), required=required, claim_alone=alone
        )
        if isinstance(found, Check):
            return found
        if found is not None:
            missing.append(found)
    iat = payload.get("iat")
    if iat is not None and _seconds(iat) is None:  # RFC 7519 §4.1.6: a NumericDate when present
        return _mismatch("iat", "iat is not a NumericDate (seconds since 1970)", value=str(iat)[:64])
    if missing:
        return _missing(missing)
    return None
