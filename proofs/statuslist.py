"""Bitstring Status List v1.0 encoding (BSL §2.2, §3.1–3.2): GZIP, multibase base64url, MSB-first
bit order; reading also the StatusList2021 form (GZIP + base64url, no multibase prefix).
Pure functions shared by the issuer (publishing) and the verifier (reading).
"""

from __future__ import annotations

import gzip
import zlib

from proofs.errors import ProofsError
from proofs.multibase import MultibaseError, b64url_decode, b64url_encode

__all__ = [
    "MIN_ENTRIES",
    "StatusListError",
    "decode_bitstring",
    "encode_bitstring",
    "get_value",
    "set_value",
]

MIN_ENTRIES = 131_072  # BSL §3.2 minimumNumberOfEntries (16 KiB of 1-bit entries)
_MAX_DECODED = 16 * 1024 * 1024  # refuse decompression bombs


class StatusListError(ProofsError):
    """A malformed or out-of-range list; ``code`` is the BSL §3.5 error name."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code


def encode_bitstring(bits: bytes) -> str:
    """``encodedList``: ``u`` + base64url (no padding) of the GZIP of ``bits`` (fixed header mtime 0)."""
    return "u" + b64url_encode(gzip.compress(bits, compresslevel=9, mtime=0))


def decode_bitstring(encoded: str, *, max_bytes: int = _MAX_DECODED) -> bytes:
    """Inverse of :func:`encode_bitstring`; also accepts the unprefixed StatusList2021 form."""
    text = encoded[1:] if encoded.startswith("u") else encoded
    try:
        compressed = b64url_decode(text)
    except MultibaseError:
        raise StatusListError("MALFORMED_VALUE_ERROR", "encodedList is not base64url") from None
    inflater = zlib.decompressobj(wbits=16 + zlib.MAX_WBITS)
    try:
        bits = inflater.decompress(compressed, max_bytes + 1)
    except zlib.error:
        raise StatusListError("MALFORMED_VALUE_ERROR", "encodedList is not GZIP data") from None
    if len(bits) > max_bytes:
        raise StatusListError("MALFORMED_VALUE_ERROR", "encodedList expands beyond the size limit")
    if not inflater.eof:
        raise StatusListError("MALFORMED_VALUE_ERROR", "encodedList is truncated GZIP data")
    return bits


def get_value(bits: bytes, index: int, size: int = 1) -> int:
    """The ``size``-bit value at entry ``index`` (bit position ``index * size``, MSB-first)."""
    if index < 0 or (index + 1) * size > len(bits) * 8:
        raise StatusListError("RANGE_ERROR", f"index {index} is outside the list")
    value = 0
    for k in range(size):
        pos = index * size + k
        value = (value << 1) | ((bits[pos // 8] >> (7 - pos % 8)) & 1)
    return value


def set_value(bits: bytes, index: int, value: int, size: int = 1) -> bytes:
    """A copy of ``bits`` with entry ``index`` set to the ``size``-bit ``value`` (MSB-first)."""
    if index < 0 or (index + 1) * size > len(bits) * 8:
        raise StatusListError("RANGE_ERROR", f"index {index} is outside the list")
    if not 0 <= value < (1 << size):
        raise StatusListError("MALFORMED_VALUE_ERROR", f"{value} does not fit in {size} bits")
    out = bytearray(bits)
    for k in range(size):
        pos = index * size + k
        mask = 1 << (7 - pos % 8)
        if (value >> (size - 1 - k)) & 1:
            out[pos // 8] |= mask
        else:
            out[pos // 8] &= ~mask & 0xFF
    return bytes(out)
