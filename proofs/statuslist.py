"""Bitstring Status List v1.0 encoding (BSL §2.2, §3.1–3.2): GZIP, multibase base64url, MSB-first
bit order; reading also the StatusList2021 form (GZIP + base64url, no multibase prefix).
Pure functions shared by the issuer (publishing) and the verifier (reading).
"""

from __future__ import annotations

import gzip
import zlib
from dataclasses import dataclass

from proofs.errors import ProofsError
from proofs.multibase import MultibaseError, b64url_decode, b64url_encode

__all__ = [
    "MIN_ENTRIES",
    "ReadValue",
    "StatusListError",
    "decode_bitstring",
    "encode_bitstring",
    "get_value",
    "read_value",
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
    compressed = _compressed(encoded)
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


_CHUNK = 64 * 1024  # inflated at a time by read_value


@dataclass(frozen=True, slots=True)
class ReadValue:
    """What :func:`read_value` found: the entry's value (None: the index is outside the list), the
    list's decoded length in bytes, and the decoded list itself when it is at most ``keep`` bytes long."""

    value: int | None
    length: int
    bits: bytes | None


def read_value(
    encoded: str, index: int, size: int = 1, *, keep: int = 0, max_bytes: int = _MAX_DECODED
) -> ReadValue:
    """The ``size``-bit value at entry ``index`` of ``encodedList`` without holding the decoded list
    (a list may inflate to ``max_bytes``): it is inflated ``_CHUNK`` bytes at a time and only the bytes
    of the entry are kept, or the whole list while it is at most ``keep`` bytes long. Same errors as
    :func:`decode_bitstring`."""
    inflater = zlib.decompressobj(wbits=16 + zlib.MAX_WBITS)
    first, last = index * size // 8, ((index + 1) * size - 1) // 8
    wanted = bytearray()
    whole: list[bytes] | None = []
    total = 0
    pending = _compressed(encoded)
    try:
        while True:
            chunk = inflater.decompress(pending, _CHUNK)
            pending = inflater.unconsumed_tail
            if first < total + len(chunk) and last >= total:
                wanted += chunk[max(first - total, 0) : last - total + 1]
            total += len(chunk)
            if total > max_bytes:
                raise StatusListError("MALFORMED_VALUE_ERROR", "encodedList expands beyond the size limit")
            whole = None if whole is None or total > keep else [*whole, chunk]
            if inflater.eof or (not chunk and not pending):
                break
    except zlib.error:
        raise StatusListError("MALFORMED_VALUE_ERROR", "encodedList is not GZIP data") from None
    if not inflater.eof:
        raise StatusListError("MALFORMED_VALUE_ERROR", "encodedList is truncated GZIP data")
    kept = b"".join(whole) if whole is not None else None
    if index < 0 or (index + 1) * size > total * 8:
        return ReadValue(None, total, kept)
    value = 0
    for pos in range(index * size - first * 8, (index + 1) * size - first * 8):
        value = (value << 1) | ((wanted[pos // 8] >> (7 - pos % 8)) & 1)
    return ReadValue(value, total, kept)


def _compressed(encoded: str) -> bytes:
    """The GZIP bytes of ``encodedList`` (multibase ``u``, or the unprefixed StatusList2021 form)."""
    text = encoded[1:] if encoded.startswith("u") else encoded
    try:
        return b64url_decode(text)
    except MultibaseError:
        raise StatusListError("MALFORMED_VALUE_ERROR", "encodedList is not base64url") from None


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
