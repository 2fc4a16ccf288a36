"""SD-JWT VC rules on the claims an issuer signs (draft-ietf-oauth-sd-jwt-vc), apart from the SD-JWT
mechanics of :mod:`proofs.sd_jwt`: the claims that are never selectively disclosable, and the
NumericDate of ``exp``/``nbf``. Pure functions.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Collection, Mapping
from typing import Any

__all__ = ["NEVER_DISCLOSABLE", "forbidden_disclosures", "numeric_date"]

# SD-JWT VC §2.2.2 (and §3.2.2.2): these claims MUST NOT be selectively disclosable.
NEVER_DISCLOSABLE = frozenset({"iss", "nbf", "exp", "cnf", "vct", "vct#integrity", "aka_vcts", "status"})


def _holds_digests(value: Any) -> bool:
    """Whether ``value`` holds a digest anywhere: an ``_sd`` array or an array element ``{"...": d}``.
    The caller bounds the depth (the payload has been processed)."""
    if isinstance(value, Mapping):
        return "_sd" in value or "..." in value or any(map(_holds_digests, value.values()))
    return isinstance(value, list) and any(map(_holds_digests, value))


def forbidden_disclosures(payload: Mapping[str, Any], disclosed_names: Collection[str]) -> list[str]:
    """The never-disclosable claims that are disclosable here: disclosed at the top level
    (``disclosed_names``: the names of the Disclosures the top-level ``_sd`` references), or holding a
    digest anywhere inside (a part of ``status`` or ``cnf`` made disclosable), whether or not its
    Disclosure was presented: a withheld one would hide, say, the status list from the verifier."""
    found = {name for name in disclosed_names if name in NEVER_DISCLOSABLE}
    found.update(name for name in NEVER_DISCLOSABLE if name in payload and _holds_digests(payload[name]))
    return sorted(found)


def numeric_date(value: Any) -> float | None:
    """A NumericDate (RFC 7519 §2: seconds since the epoch, a JSON number, which may be non-integer, as
    ``exp``/``nbf``/``iat`` are in SD-JWT VC §2.2.2), else None: a boolean (JSON ``true`` is no number),
    text, NaN, an infinity, or a number outside the years a date-time holds."""
    if type(value) is bool or not isinstance(value, int | float):
        return None
    try:
        dt.datetime.fromtimestamp(value, dt.UTC)
    except (OverflowError, OSError, ValueError):
        return None
    return value
