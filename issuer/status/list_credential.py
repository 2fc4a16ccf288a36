"""Build status list credentials (Bitstring Status List v1.0 §2.2 BitstringStatusListCredential)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from issuer.build import VC_V2, format_datetime
from proofs.statuslist import encode_bitstring

__all__ = ["bitstring_status_list_credential"]


def bitstring_status_list_credential(
    *,
    url: str,
    issuer: dict[str, Any] | str,
    purpose: str,
    bits: bytes,
    valid_from: dt.datetime,
    ttl_ms: int | None = None,
) -> dict[str, Any]:
    """An unsigned ``BitstringStatusListCredential``; ``encodedList`` is the GZIP + multibase of ``bits``."""
    subject: dict[str, Any] = {
        "id": f"{url}#list",
        "type": "BitstringStatusList",
        "statusPurpose": purpose,
        "encodedList": encode_bitstring(bits),
    }
    if ttl_ms is not None:
        subject["ttl"] = ttl_ms
    return {
        "@context": [VC_V2],
        "id": url,
        "type": ["VerifiableCredential", "BitstringStatusListCredential"],
        "issuer": issuer,
        "validFrom": format_datetime(valid_from),
        "credentialSubject": subject,
    }
