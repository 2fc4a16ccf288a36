"""Reading the fields several checks share, leniently (a malformed field reads as absent): a credential's
types, its issuer id, its status entries, and a date-time.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Mapping
from typing import Any

__all__ = [
    "CLR_CREDENTIAL",
    "is_clr",
    "issuer_id",
    "numeric_date",
    "parse_time",
    "status_entries",
    "types_of",
]

# The class a CLR 2.0 record has: its term (the CLR context's ``ClrCredential``) and the IRI it stands for.
# VCDM 2.0 §4.5: a ``type`` value is "one or more terms and/or absolute URL strings", so a record may name
# its class either way, and JSON-LD (and so its proof) reads both alike.
CLR_CREDENTIAL = ("ClrCredential", "https://purl.imsglobal.org/spec/vc/clr/vocab.html#ClrCredential")


def types_of(value: Any) -> list[str]:
    """A ``type`` value (one string or a list) as a list of strings."""
    if isinstance(value, str):
        return [value]
    return [t for t in value if isinstance(t, str)] if isinstance(value, list) else []


def is_clr(credential: Mapping[str, Any]) -> bool:
    """Whether the credential is a CLR 2.0 ``ClrCredential`` (its type named by the term or by its IRI)."""
    return any(t in CLR_CREDENTIAL for t in types_of(credential.get("type")))


def issuer_id(credential: Mapping[str, Any]) -> str | None:
    """The issuer's id (``issuer`` is an id or an object with one)."""
    issuer = credential.get("issuer")
    value = issuer.get("id") if isinstance(issuer, Mapping) else issuer
    return value if isinstance(value, str) else None


def status_entries(credential: Mapping[str, Any]) -> list[Mapping[str, Any]]:
    """The ``credentialStatus`` entries (one object or a list)."""
    status = credential.get("credentialStatus")
    items = status if isinstance(status, list) else [status] if status else []
    return [e for e in items if isinstance(e, Mapping)]


def numeric_date(value: Any) -> dt.datetime | None:
    """A JWT NumericDate (RFC 7519 §2: seconds since the epoch, a JSON number) as a UTC date-time; None for
    anything else: a bool, text, or a number outside the years a date-time holds."""
    if type(value) is bool or not isinstance(value, int | float):
        return None
    try:
        return dt.datetime.fromtimestamp(value, dt.UTC)
    except (OverflowError, OSError, ValueError):
        return None


# An XML Schema 1.1 dateTime whose year a Python datetime cannot hold (0000, negative, five digits or more).
_FAR_YEAR = re.compile(r"(-?)(0000|[0-9]{5,12}|0*[1-9][0-9]{0,3})(-[0-9]{2}-[0-9]{2}T.*)", re.ASCII)


# XML Schema 1.1 §3.3.7: "24:00:00" is the end of a day, the first instant of the next one.
_END_OF_DAY = re.compile(r"T24:00:00(?:\.0+)?(?=Z|[+-][0-9]{2}:[0-9]{2}$|$)", re.ASCII)


def parse_time(value: Any) -> dt.datetime | None:
    """An XML Schema date-time (``Z`` or an offset; UTC when none is given), in UTC, else None. A year outside
    0001-9999, which XML Schema 1.1 allows (year 0000 is 1 BCE), reads as the earliest or latest time a
    date-time holds, so a validFrom in year 0000 is simply long past rather than "not a date-time"; the end of
    a day, ``T24:00:00``, is the next day's midnight (a proof that expires then expires then)."""
    if not isinstance(value, str):
        return None
    text, end_of_day = _END_OF_DAY.subn("T00:00:00", value, count=1)
    parsed = _instant(text)
    if parsed is None or not end_of_day:
        return parsed
    try:
        return parsed + dt.timedelta(days=1)
    except OverflowError:  # the end of 9999-12-31 is past what a datetime holds: its last time stands for it
        return dt.datetime.max.replace(tzinfo=dt.UTC)


def _instant(value: str) -> dt.datetime | None:
    """:func:`parse_time` of a date-time whose time is not the end of a day."""
    try:
        parsed = dt.datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return _far(value)
    if parsed.tzinfo is None:
        return parsed.replace(tzinfo=dt.UTC)
    try:  # in UTC: compared with other times, an offset at the edge of the range would overflow
        return parsed.astimezone(dt.UTC)
    except OverflowError:  # 9999-12-31T23:59:59-14:00 is after the last UTC time a datetime holds
        return (dt.datetime.max if parsed.year > 1 else dt.datetime.min).replace(tzinfo=dt.UTC)


def _far(value: str) -> dt.datetime | None:
    """A well-formed date-time of a year before 0001 or after 9999, clamped; else None."""
    match = _FAR_YEAR.fullmatch(value)
    if match is None:
        return None
    sign, year, rest = match.groups()
    early = sign == "-" or int(year) == 0
    if not early and int(year) <= 9999:
        return None  # an ordinary year: the date-time itself is malformed
    try:  # the rest of it must be a valid date-time (a leap year stands in for the year)
        dt.datetime.fromisoformat(("2000" + rest).replace("Z", "+00:00"))
    except ValueError:
        return None
    return (dt.datetime.min if early else dt.datetime.max).replace(tzinfo=dt.UTC)
