"""The XML Schema 1.1 dateTimeStamp, read in one place: a proof's ``created``/``expires`` (VC Data Integrity
§2.1) and a credential's validity dates (VCDM 2.0 §4.9) are written in it.

Each field in its range (a month 13 or an hour 99 is no date-time), the end of a day as ``24:00:00``, an
offset within -14:00..+14:00, and a day its month has (no 30 February; XML Schema 1.1 §3.3.7, years
proleptic Gregorian, so year 0000 is a leap year). A value that names no instant would be read as no time
at all: a proof's ``expires`` in such a form would never be reached.
"""

from __future__ import annotations

import re
from typing import Any

__all__ = ["date_time_stamp"]

_DATE_TIME = re.compile(
    r"-?(?P<year>[1-9][0-9]{3,}|0[0-9]{3})-(?P<month>0[1-9]|1[0-2])-(?P<day>0[1-9]|[12][0-9]|3[01])"
    r"T(?:(?:[01][0-9]|2[0-3]):[0-5][0-9]:[0-5][0-9](?:\.[0-9]+)?|24:00:00(?:\.0+)?)"
    r"(?P<offset>Z|[+-](?:(?:0[0-9]|1[0-3]):[0-5][0-9]|14:00))?"
)
_DAYS_IN_MONTH = (31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31)  # February: 28 unless a leap year


def date_time_stamp(value: Any, *, offset: bool = True) -> re.Match[str] | None:
    """The match of ``value`` as a dateTimeStamp (its ``offset`` group: the time zone, None when absent),
    or None when it is none. ``offset=False``: a value without a time zone is read too (a dateTime; VCDM
    2.0 §5.8 has verifiers read it as UTC)."""
    match = _DATE_TIME.fullmatch(value) if isinstance(value, str) else None
    if match is None or (offset and match["offset"] is None):
        return None
    year, month, day = (int(match[name]) for name in ("year", "month", "day"))
    if month == 2 and day == 29:
        leap = year % 4 == 0 and (year % 100 != 0 or year % 400 == 0)
        return match if leap else None
    return match if day <= _DAYS_IN_MONTH[month - 1] else None
