"""Random, collision-free status list indexes (Bitstring Status List v1.0 §6.1 "herd privacy":
indexes SHOULD be assigned randomly; IETF Token Status List §12.4 likewise).

The n-th credential placed on a list gets ``permuted_index(n)``, where the permutation of
``[0, size)`` is keyed by a per-list secret: a 4-round Feistel network with cycle-walking. Because it is
a permutation, the n-th index is always one that no earlier credential holds, so allocation needs only an
atomic counter (no bitmap of used indexes, no retry loop), and the order looks random to anyone
without the key. The allocator knows nothing of how lists are encoded.
"""

from __future__ import annotations

import hashlib
import hmac

__all__ = ["permuted_index"]

_ROUNDS = 4


def _round(key: bytes, rnd: int, value: int, bits: int) -> int:
    digest = hmac.new(key, rnd.to_bytes(1, "big") + value.to_bytes(8, "big"), hashlib.sha256).digest()
    return int.from_bytes(digest[:8], "big") & ((1 << bits) - 1)


def _feistel(value: int, key: bytes, half_bits: int) -> int:
    mask = (1 << half_bits) - 1
    left, right = value >> half_bits, value & mask
    for rnd in range(_ROUNDS):
        left, right = right, left ^ _round(key, rnd, right, half_bits)
    return (left << half_bits) | right


def permuted_index(position: int, *, size: int, key: bytes) -> int:
    """Map ``position`` (0 ≤ position < size) to its index under the keyed permutation of ``[0, size)``."""
    if size < 2:
        raise ValueError("a status list needs at least 2 entries")
    if not 0 <= position < size:
        raise ValueError("position outside the list")
    if len(key) < 16:
        raise ValueError("the permutation key must be at least 16 bytes")
    half_bits = max(1, ((size - 1).bit_length() + 1) // 2)
    value = position
    # Cycle-walking: the Feistel domain is at most 4x the list, so this ends in a few steps on average.
    while True:
        value = _feistel(value, key, half_bits)
        if value < size:
            return value
