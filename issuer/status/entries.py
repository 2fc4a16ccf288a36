"""The ``credentialStatus`` of a credential (BSL v1.0 §2.1 ``BitstringStatusListEntry``): the purposes a
credential carries and the entries that point at its position on the issuer's lists."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from issuer.status.reasons import MESSAGE_STATUS_SIZE, status_messages

__all__ = ["PURPOSES", "credential_status_entries", "entry_purposes"]

# Every Bitstring Status List purpose an issuer publishes (one list credential each).
PURPOSES = ("revocation", "suspension", "message")


def entry_purposes(*, suspension: bool) -> list[str]:
    """The purposes a credential carries, in entry order: revocation, suspension when the issuer enables
    it, and the reason message."""
    return ["revocation", *(["suspension"] if suspension else []), "message"]


def credential_status_entries(
    *, credential_url: str, index: int, list_urls: Mapping[str, str]
) -> list[dict[str, Any]]:
    """One entry per purpose of ``list_urls`` (purpose -> its list credential's URL, in entry order), all
    at ``index``; the message entry names its size and messages."""
    entries: list[dict[str, Any]] = []
    for purpose, list_url in list_urls.items():
        entry: dict[str, Any] = {
            "id": f"{credential_url}#status-{purpose}",
            "type": "BitstringStatusListEntry",
            "statusPurpose": purpose,
            "statusListIndex": str(index),
            "statusListCredential": list_url,
        }
        if purpose == "message":
            entry["statusSize"] = MESSAGE_STATUS_SIZE
            # 2**statusSize messages, one per possible value (BSL v1.0 §2.1; reasons.status_messages).
            entry["statusMessage"] = status_messages()
        entries.append(entry)
    return entries
