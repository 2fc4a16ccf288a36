"""The issuer ``Profile`` of an institution (OB 3.0 §B.2.7 Profile, Address, IdentifierEntry)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

__all__ = ["issuer_profile"]


def issuer_profile(
    *,
    issuer_id: str,
    name: str,
    url: str,
    email: str,
    address: Mapping[str, Any],
    description: str | None = None,
    image: str | None = None,
    other_identifiers: Sequence[Mapping[str, Any]] = (),
) -> dict[str, Any]:
    """Build the OB 3.0 Profile object embedded as a credential's ``issuer``."""
    profile: dict[str, Any] = {
        "id": issuer_id,
        "type": ["Profile"],
        "name": name,
        "url": url,
        "email": email,
    }
    if description:
        profile["description"] = description
    if image:
        profile["image"] = {"id": image, "type": "Image"}
    addr = {k: v for k, v in address.items() if v is not None}
    if addr:
        profile["address"] = {"type": ["Address"], **addr}
    if other_identifiers:
        profile["otherIdentifier"] = [
            {"type": "IdentifierEntry", "identifier": o["identifier"], "identifierType": o["identifierType"]}
            for o in other_identifiers
        ]
    return profile
