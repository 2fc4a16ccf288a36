"""Constant-time comparison of text that may come from anyone: ``hmac.compare_digest`` raises TypeError
for a ``str`` that is not ASCII (a state, a code, a nonce or a hash written with ``é`` was a 500), so both
sides are compared as their UTF-8 bytes."""

from __future__ import annotations

import hmac

__all__ = ["same_text"]


def same_text(a: str, b: str) -> bool:
    """Whether ``a`` and ``b`` are the same text, in time independent of where they differ."""
    return hmac.compare_digest(a.encode("utf-8", "surrogatepass"), b.encode("utf-8", "surrogatepass"))
