"""Standard Webhooks signing (https://www.standardwebhooks.com/, "Signature scheme"): pure functions with the
secret and the time passed in.

A secret is ``whsec_`` and the base64 of 32 random bytes. A message is signed as ``v1,`` and the base64 of
HMAC-SHA256 over ``{webhook-id}.{webhook-timestamp}.{body}`` with the secret's bytes; the timestamp is in
integer seconds since the epoch. Several signatures (a secret being rotated out beside the new one) are sent
space-separated in one ``webhook-signature`` header; a receiver accepts the message if one matches.
"""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
import hmac
import secrets
from collections.abc import Sequence

__all__ = ["SECRET_PREFIX", "headers", "new_secret", "secret_bytes", "sign"]

SECRET_PREFIX = "whsec_"  # noqa: S105 (the prefix of every secret, not one)


def new_secret() -> str:
    return SECRET_PREFIX + base64.b64encode(secrets.token_bytes(32)).decode("ascii")


def secret_bytes(secret: str) -> bytes:
    return base64.b64decode(secret.removeprefix(SECRET_PREFIX))


def sign(secret: str, *, message_id: str, timestamp: int, body: bytes) -> str:
    """The ``v1,`` signature of one message."""
    signed = f"{message_id}.{timestamp}.".encode() + body
    digest = hmac.new(secret_bytes(secret), signed, hashlib.sha256).digest()
    return "v1," + base64.b64encode(digest).decode("ascii")


def headers(secrets_: Sequence[str], *, message_id: str, now: dt.datetime, body: bytes) -> dict[str, str]:
    """The request headers of a message signed with each of ``secrets_`` at ``now``."""
    timestamp = int(now.timestamp())
    signatures = " ".join(sign(s, message_id=message_id, timestamp=timestamp, body=body) for s in secrets_)
    return {
        "content-type": "application/json",
        "webhook-id": message_id,
        "webhook-timestamp": str(timestamp),
        "webhook-signature": signatures,
    }
