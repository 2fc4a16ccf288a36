"""The ``validity`` check: ``validFrom``/``validUntil`` and the VCDM 1.1 ``issuanceDate``/``expirationDate``,
narrowed by a JWT's ``nbf``/``exp``, against the time given, with a clock skew.

Every date present counts: the latest start and the earliest end (a credential may carry both names,
and each is signed). A ``null`` is no date: JSON-LD drops it, so it is not signed, and a holder could add
it; it never hides the date of the other name. Times are compared, and reported, in UTC.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from typing import Any

from proofs.vc_jwt import ParsedJwt
from verifier.fields import numeric_date, parse_time
from verifier.result import Check, failed

__all__ = ["check_validity", "validity_window"]

_STARTS = ("validFrom", "issuanceDate")
_ENDS = ("validUntil", "expirationDate")


class _InvalidDate(Exception):
    pass


def _dates(credential: Mapping[str, Any], names: tuple[str, ...]) -> list[dt.datetime]:
    """The date-times of the members ``names`` that are present and not null (UTC); _InvalidDate for one
    that is not a date-time."""
    out = []
    for name in names:
        raw = credential.get(name)
        if raw is None:
            continue
        parsed = parse_time(raw)
        if parsed is None:
            raise _InvalidDate(name)
        out.append(parsed.astimezone(dt.UTC))
    return out


def _minute(when: dt.datetime) -> str:
    """``when`` to the minute, its year in four digits (strftime drops the zeros of year 0001)."""
    return f"{when.date().isoformat()} {when:%H:%M}"


class _InvalidClaim(Exception):
    pass


def _window(
    credential: Mapping[str, Any], jwt: ParsedJwt | None
) -> tuple[dt.datetime | None, dt.datetime | None]:
    """The latest start and the earliest end; _InvalidDate or _InvalidClaim for a date that is none."""
    starts, ends = _dates(credential, _STARTS), _dates(credential, _ENDS)
    if jwt is not None:
        nbf, exp = jwt.payload.get("nbf"), jwt.payload.get("exp")
        nbf_time, exp_time = numeric_date(nbf), numeric_date(exp)
        if (nbf is not None and nbf_time is None) or (exp is not None and exp_time is None):
            raise _InvalidClaim
        starts += [nbf_time] if nbf_time is not None else []
        ends += [exp_time] if exp_time is not None else []
    return max(starts, default=None), min(ends, default=None)


def validity_window(
    credential: Mapping[str, Any], jwt: ParsedJwt | None = None
) -> tuple[dt.datetime | None, dt.datetime | None] | None:
    """When the credential is valid, as the ``validity`` check judges it (UTC): the latest of its start
    dates and the earliest of its end dates (a JWT's ``nbf``/``exp`` among them), each None when it has
    none; None when a date is not a date-time. What a report shows as the credential's dates: a
    credential may carry both names of a date, each signed, and the one it is judged by is not always
    the first a reader would look at (``validUntil`` 2030 beside ``expirationDate`` 2027)."""
    try:
        return _window(credential, jwt)
    except (_InvalidDate, _InvalidClaim):
        return None


def check_validity(
    credential: Mapping[str, Any], jwt: ParsedJwt | None, *, now: dt.datetime, skew: dt.timedelta
) -> Check:
    try:
        start, end = _window(credential, jwt)
    except _InvalidDate:
        return failed("validity", "invalid-date", "A validity date is not a valid date-time.")
    except _InvalidClaim:
        return failed("validity", "invalid-date", "The JWT's nbf or exp is not a valid NumericDate.")
    if start is not None and start > now + skew:
        return failed(
            "validity", "not-yet-valid", f"The credential is not valid before {_minute(start)} UTC."
        )
    if end is not None and end < now - skew:
        return failed("validity", "expired", f"The credential expired on {_minute(end)} UTC.")
    if end is not None:
        since = f" from {start.date().isoformat()}" if start else ""
        return Check("validity", "passed", f"Valid{since} until {end.date().isoformat()} (UTC).")
    since = f" since {start.date().isoformat()}" if start else ""
    return Check("validity", "passed", f"Valid{since}, with no end date.")
