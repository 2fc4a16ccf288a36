"""Multibase and multicodec helpers (W3C Controlled Identifiers §2.4, Multikey; did:key spec).

Only the encodings this service needs: base58btc (``z``) and base64url without padding (``u``).

Decoding base58 is quadratic in the length of the text (every digit multiplies a growing integer), so
:func:`b58decode` refuses text longer than :data:`MAX_BASE58_LENGTH` before it decodes anything: what we
decode as base58 is a signature (an Ed25519, P-256 or P-384 signature is at most 132 characters) or a key
(a Multikey or did:key is under 200; an RSA-4096 one about 750), never kilobytes.
"""

from __future__ import annotations

import base64

from proofs.errors import ProofsError

__all__ = [
    "MAX_BASE58_LENGTH",
    "MultibaseError",
    "b58decode",
    "b58encode",
    "b64url_decode",
    "b64url_encode",
    "multibase_decode",
    "multibase_encode",
    "varint_decode",
    "varint_encode",
]

_ALPHABET = "123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz"
_INDEX = {c: i for i, c in enumerate(_ALPHABET)}

MAX_BASE58_LENGTH = 1024  # characters: decoding this many costs well under a millisecond


class MultibaseError(ProofsError):
    """A value is not valid multibase / base58 / base64url / varint."""


def b58encode(data: bytes) -> str:
    """Encode bytes as base58 (Bitcoin alphabet)."""
    n = int.from_bytes(data, "big")
    out = []
    while n:
        n, rem = divmod(n, 58)
        out.append(_ALPHABET[rem])
    pad = len(data) - len(data.lstrip(b"\0"))
    return "1" * pad + "".join(reversed(out))


def b58decode(text: str, *, max_length: int = MAX_BASE58_LENGTH) -> bytes:
    """Decode base58 (Bitcoin alphabet); raises MultibaseError on a bad character, or before decoding
    when ``text`` is longer than ``max_length`` characters."""
    if len(text) > max_length:
        raise MultibaseError(f"a base58 value of {len(text)} characters is longer than {max_length}")
    n = 0
    for ch in text:
        try:
            n = n * 58 + _INDEX[ch]
        except KeyError:
            raise MultibaseError(f"invalid base58 character {ch!r}") from None
    body = n.to_bytes((n.bit_length() + 7) // 8, "big") if n else b""
    pad = len(text) - len(text.lstrip("1"))
    return b"\0" * pad + body


def b64url_encode(data: bytes) -> str:
    """base64url without padding (RFC 4648 §5)."""
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def b64url_decode(text: str) -> bytes:
    """Decode base64url with or without padding; raises MultibaseError."""
    try:
        return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))
    except (ValueError, TypeError) as exc:
        raise MultibaseError("invalid base64url") from exc


def multibase_encode(data: bytes, *, base: str = "z") -> str:
    """Multibase-encode with ``z`` (base58btc) or ``u`` (base64url, no padding)."""
    if base == "z":
        return "z" + b58encode(data)
    if base == "u":
        return "u" + b64url_encode(data)
    raise MultibaseError(f"unsupported multibase prefix {base!r}")


def multibase_decode(text: str) -> bytes:
    """Decode a ``z`` or ``u`` multibase string."""
    if not text:
        raise MultibaseError("empty multibase value")
    if text[0] == "z":
        return b58decode(text[1:])
    if text[0] == "u":
        return b64url_decode(text[1:])
    raise MultibaseError(f"unsupported multibase prefix {text[0]!r}")


def varint_encode(n: int) -> bytes:
    """Unsigned LEB128 varint (multicodec prefixes)."""
    out = bytearray()
    while True:
        byte = n & 0x7F
        n >>= 7
        if n:
            out.append(byte | 0x80)
        else:
            out.append(byte)
            return bytes(out)


def varint_decode(data: bytes) -> tuple[int, int]:
    """Decode a varint; returns (value, bytes consumed)."""
    value = 0
    for i, byte in enumerate(data[:9]):
        value |= (byte & 0x7F) << (7 * i)
        if not byte & 0x80:
            return value, i + 1
    raise MultibaseError("invalid varint")
