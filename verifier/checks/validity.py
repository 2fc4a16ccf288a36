"""The ``validity`` check: ``validFrom``/``validUntil`` (or the VCDM 1.1 ``issuanceDate``/
``expirationDate``), narrowed by a JWT's ``nbf``/``exp``, against the time given, with a clock skew.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from typing import Any

from proofs.vc_jwt import ParsedJwt
from verifier.fields import numeric_date, parse_time
from verifier.result import Check, failed

__all__ = ["check_validity"]


def check_validity(
    credential: Mapping[str, Any], jwt: ParsedJwt | None, *, now: dt.datetime, skew: dt.timedelta
) -> Check:
    start_raw = credential.get("validFrom", credential.get("issuanceDate"))
    end_raw = credential.get("validUntil", credential.get("expirationDate"))
    start, end = parse_time(start_raw), parse_time(end_raw)
    if (start_raw is not None and start is None) or (end_raw is not None and end is None):
        return failed("validity", "invalid-date", "A validity date is not a valid date-time.")
    if jwt is not None:
        nbf, exp = jwt.payload.get("nbf"), jwt.payload.get("exp")
        nbf_time, exp_time = numeric_date(nbf), numeric_date(exp)
        if (nbf is not None and nbf_time is None) or (exp is not None and exp_time is None):
            return failed("validity", "invalid-date", "The JWT's nbf or exp is not a valid NumericDate.")
        if nbf_time is not None:
            start = max(start, nbf_time) if start else nbf_time
        if exp_time is not None:
            end = min(end, exp_time) if end else exp_time
    if start is not None and start > now + skew:
        return failed(
            "validity", "not-yet-valid", f"The credential is not valid before {start:%Y-%m-%d %H:%M} UTC."
        )
    if end is not None and end < now - skew:
        return failed("validity", "expired", f"The credential expired on {end:%Y-%m-%d %H:%M} UTC.")
    if end is not None:
        return Check("validity", "passed", f"Valid from {start:%Y-%m-%d} until {end:%Y-%m-%d}.")
    since = f" since {start:%Y-%m-%d}" if start else ""
    return Check("validity", "passed", f"Valid{since}, with no end date.")
