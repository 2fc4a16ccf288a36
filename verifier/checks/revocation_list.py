"""The 1EdTech Revocation List Status Method (``"type": "1EdTechRevocationList"``), which OB 3.0 and CLR 2.0
credentials in the wild carry: the entry's ``id`` is the URL of a JSON document whose ``revokedCredential``
lists revoked credentials by ``id`` (with ``revoked``, true when absent, and a ``revocationReason``). The
verifier GETs it and looks for the credential's own ``id``, as 1EdTech's validator does
(``RevocationListProbe``). The document is not signed: it speaks for the issuer because the issuer's
signed credential names its URL.

A list that cannot be fetched or read establishes nothing, and a credential without an ``id`` cannot be
looked up in one: the status check then fails ("could not be established"), as for a Bitstring Status
List, rather than passing with a warning. Pure: the fetching is the caller's.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

__all__ = ["REVOCATION_LIST_TYPE", "RevocationListError", "Revoked", "revocation_state"]

REVOCATION_LIST_TYPE = "1EdTechRevocationList"
_MAX_ITEMS = 100_000  # entries looked at in one list (the guarded client bounds its size as well)
_MAX_REASON = 500  # characters of a reason shown


class RevocationListError(Exception):
    """The revocation status could not be established (``code``: a BSL §3.5-style code)."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code


@dataclass(frozen=True, slots=True)
class Revoked:
    """What the list says of the credential: revoked or not, and the reason it gives."""

    revoked: bool
    reason: str | None = None


def revocation_state(
    entry: Mapping[str, Any],
    credential_id: Any,
    fetch_json: Callable[[str], Mapping[str, Any]] | None,
) -> Revoked:
    """Whether the list ``entry`` names says ``credential_id`` is revoked; RevocationListError when that
    cannot be established (no URL, no fetcher, a list that cannot be had or read, no credential id)."""
    url = entry.get("id")
    if not isinstance(url, str) or not url.startswith(("https://", "http://")):
        raise RevocationListError("MALFORMED_VALUE_ERROR", "the revocation list entry has no http(s) URL")
    if not isinstance(credential_id, str) or not credential_id:
        raise RevocationListError(
            "MALFORMED_VALUE_ERROR", "the credential has no id to look up in the revocation list"
        )
    if fetch_json is None:
        raise RevocationListError("STATUS_RETRIEVAL_ERROR", "revocation lists are not fetched here")
    try:
        document = fetch_json(url)
    except Exception as exc:  # the fetcher's own error, whatever its kind: nothing was established
        raise RevocationListError(
            "STATUS_RETRIEVAL_ERROR", f"the revocation list at {url} could not be fetched: {exc}"
        ) from None
    items = document.get("revokedCredential")
    if items is None:
        return Revoked(False)
    if not isinstance(items, list | Mapping):
        raise RevocationListError(
            "MALFORMED_VALUE_ERROR",
            f"the revocation list at {url} has a revokedCredential that is not a list",
        )
    listed = items if isinstance(items, list) else [items]
    for item in listed[:_MAX_ITEMS]:
        if not isinstance(item, Mapping) or item.get("id") != credential_id:
            continue
        revoked = item.get("revoked", True)
        if revoked is not True and revoked is not False:
            raise RevocationListError(
                "MALFORMED_VALUE_ERROR", f"the revocation list at {url} gives a revoked that is not a boolean"
            )
        if revoked:
            reason = item.get("revocationReason")
            return Revoked(True, reason[:_MAX_REASON] if isinstance(reason, str) and reason else None)
    return Revoked(False)
