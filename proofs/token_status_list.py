"""IETF Token Status List (draft-ietf-oauth-status-list), JSON/JWT form (standards.md §7.2, §9.2).

Encoding (TSL §4): ``bits`` ∈ {1, 2, 4, 8} per status, packed **LSB-first** (index 0 in the least
significant bits of byte 0; the opposite of Bitstring Status List), DEFLATE in a ZLIB container
(level 9, as the draft's reference implementation), base64url without padding.

The status index is the one the issuer's allocator (:mod:`issuer.status_index`) hands out for the
credential; :func:`from_bitstring` turns a 1-bit Bitstring Status List byte array into the TSL byte
array with the same index → credential mapping.
"""

from __future__ import annotations

import zlib
from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass
from enum import IntEnum
from typing import Any

from proofs.errors import ProofsError
from proofs.keys import PublicKey
from proofs.multibase import MultibaseError, b64url_decode, b64url_encode
from proofs.sd_jwt import SdJwtError, parse_compact_jwt
from proofs.sd_jwt_vc_claims import numeric_date
from proofs.signer import Signer
from proofs.vc_jwt import JwtError, sign_jws, verify_jws

__all__ = [
    "StatusListReader",
    "TokenStatus",
    "TokenStatusListError",
    "decode_status_list",
    "encode_status_list",
    "from_bitstring",
    "get_status",
    "pack_statuses",
    "referenced_status",
    "status_list_token",
    "verify_status_list_token",
]

_STATUS_LIST_TYP = "statuslist+jwt"
_BITS = (1, 2, 4, 8)
_MAX_DECODED = 16 * 1024 * 1024  # refuse decompression bombs (2^27 one-bit entries)
_REVERSED = bytes(int(f"{b:08b}"[::-1], 2) for b in range(256))


class TokenStatus(IntEnum):
    """TSL §7.1 status types (0x03 and 0x0C-0x0F are application-specific)."""

    VALID = 0
    INVALID = 1
    SUSPENDED = 2


class TokenStatusListError(ProofsError):
    """A Token Status List is malformed or does not verify; ``code`` names the check."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code


def _check_bits(bits: object) -> int:
    if not isinstance(bits, int) or isinstance(bits, bool) or bits not in _BITS:
        raise TokenStatusListError("MALFORMED_STATUS_LIST", f"bits must be one of {_BITS}, not {bits!r}")
    return bits


def pack_statuses(values: Sequence[int], bits: int) -> bytes:
    """Pack one status per index, LSB-first, into ``ceil(len * bits / 8)`` bytes."""
    _check_bits(bits)
    per_byte = 8 // bits
    out = bytearray((len(values) + per_byte - 1) // per_byte)
    for index, value in enumerate(values):
        if value == 0:
            continue
        if not isinstance(value, int) or not 0 < value < (1 << bits):
            raise TokenStatusListError("MALFORMED_STATUS_LIST", f"status {value!r} does not fit {bits} bits")
        out[index // per_byte] |= value << ((index % per_byte) * bits)
    return bytes(out)


def encode_status_list(values: bytes | bytearray | Sequence[int], bits: int) -> dict[str, Any]:
    """The ``status_list`` object ``{"bits", "lst"}``.

    ``values``: ``bytes``/``bytearray`` are the already packed byte array (the draft's
    ``byte_array``); any other sequence is one status value per index and is packed first.
    """
    _check_bits(bits)
    packed = bytes(values) if isinstance(values, bytes | bytearray) else pack_statuses(values, bits)
    return {"bits": bits, "lst": b64url_encode(zlib.compress(packed, 9))}


def from_bitstring(bsl_bits: bytes) -> bytes:
    """A 1-bit TSL byte array from a Bitstring Status List byte array (MSB-first): every byte is
    bit-reversed, so entry ``i`` is the same credential in both lists."""
    return bsl_bits.translate(_REVERSED)


@dataclass(frozen=True, slots=True)
class StatusListReader:
    """A decoded status list: ``reader[idx]`` is the status at ``idx``."""

    bits: int
    data: bytes

    def __len__(self) -> int:
        return len(self.data) * 8 // self.bits

    def __getitem__(self, index: int) -> int:
        if not isinstance(index, int) or not 0 <= index < len(self):
            raise TokenStatusListError("INDEX_OUT_OF_RANGE", f"index {index!r} is outside the status list")
        per_byte = 8 // self.bits
        return (self.data[index // per_byte] >> ((index % per_byte) * self.bits)) & ((1 << self.bits) - 1)

    def statuses(self) -> list[int]:
        return [self[i] for i in range(len(self))]

    def nonzero(self) -> list[tuple[int, int]]:
        """``(index, status)`` of every entry that is not VALID, in index order."""
        per_byte, mask = 8 // self.bits, (1 << self.bits) - 1
        found = []
        for position, byte in enumerate(self.data):
            if byte:
                for k in range(per_byte):
                    value = (byte >> (k * self.bits)) & mask
                    if value:
                        found.append((position * per_byte + k, value))
        return found


def decode_status_list(obj: Mapping[str, Any], *, max_bytes: int = _MAX_DECODED) -> StatusListReader:
    """Inflate a ``status_list`` object, refusing more than ``max_bytes`` of output."""
    bits = _check_bits(obj.get("bits"))
    lst = obj.get("lst")
    if not isinstance(lst, str):
        raise TokenStatusListError("MALFORMED_STATUS_LIST", "lst must be a base64url string")
    try:
        compressed = b64url_decode(lst)
    except MultibaseError:
        raise TokenStatusListError("MALFORMED_STATUS_LIST", "lst is not base64url") from None
    inflater = zlib.decompressobj()
    try:
        data = inflater.decompress(compressed, max_bytes + 1)
    except zlib.error:
        raise TokenStatusListError("MALFORMED_STATUS_LIST", "lst is not ZLIB data") from None
    if len(data) > max_bytes or inflater.unconsumed_tail:
        raise TokenStatusListError("STATUS_LIST_TOO_LARGE", "lst expands beyond the size limit")
    if not inflater.eof:
        raise TokenStatusListError("MALFORMED_STATUS_LIST", "lst is truncated ZLIB data")
    return StatusListReader(bits, data)


def get_status(lst_obj: Mapping[str, Any], idx: int) -> int:
    """The status at ``idx`` of a ``status_list`` object (out of range: ``INDEX_OUT_OF_RANGE``)."""
    return decode_status_list(lst_obj)[idx]


def referenced_status(idx: int, uri: str) -> dict[str, Any]:
    """The Referenced Token's ``status`` claim (TSL §6.2)."""
    return {"status_list": {"idx": idx, "uri": uri}}


def status_list_token(
    *,
    sub_uri: str,
    iss: str | None,
    lst: Mapping[str, Any],
    iat: int,
    exp: int | None,
    ttl: int | None,
    key: Signer,
    kid_or_x5c_header: Mapping[str, Any],
) -> str:
    """The Status List Token (TSL §5.1): header ``{alg, kid|x5c, typ: statuslist+jwt}``, payload
    ``{exp, iat, iss, status_list, sub, ttl}``. Members are written in sorted order, as in the
    draft's examples; ``None`` values are left out."""
    extra = set(kid_or_x5c_header) - {"kid", "x5c", "x5t#S256"}
    if extra or not kid_or_x5c_header:
        raise ValueError("kid_or_x5c_header holds kid and/or x5c only")
    header = dict(
        sorted({**kid_or_x5c_header, "alg": key.algorithm.jws_alg, "typ": _STATUS_LIST_TYP}.items())
    )
    claims: dict[str, Any] = {
        "exp": exp,
        "iat": iat,
        "iss": iss,
        "status_list": dict(lst),
        "sub": sub_uri,
        "ttl": ttl,
    }
    payload = {k: v for k, v in sorted(claims.items()) if v is not None}
    return sign_jws(header, payload, key=key)


def verify_status_list_token(
    token: str,
    public_key: PublicKey,
    *,
    expected_uri: str,
    now: int,
    typs: Collection[str] = (_STATUS_LIST_TYP,),
    max_bytes: int = _MAX_DECODED,
) -> StatusListReader:
    """Validate a Status List Token (TSL §8.3): ``typ``, signature, ``sub`` == the referenced
    ``uri``, ``iat`` present, ``exp`` not passed; returns the decoded list. ``ttl`` is a caching
    hint (re-fetch after ``iat + ttl``) and is only checked for type. The caller establishes
    ``public_key`` (x5c chain or issuer JWKS)."""
    try:
        jwt = parse_compact_jwt(token.strip(), typs=typs)
        verify_jws(jwt, public_key)
    except (SdJwtError, JwtError) as exc:
        raise TokenStatusListError(exc.code, str(exc)) from None
    claims = jwt.payload
    if claims.get("sub") != expected_uri:
        raise TokenStatusListError("SUB_MISMATCH", "the Status List Token sub is not the referenced uri")
    # iat and exp are NumericDates (RFC 7519 §2: non-integer ones included; a boolean is no number).
    iat, exp, ttl = numeric_date(claims.get("iat")), claims.get("exp"), claims.get("ttl")
    if iat is None:
        raise TokenStatusListError("MALFORMED_STATUS_LIST_TOKEN", "iat is required (a NumericDate)")
    if exp is not None and ((at := numeric_date(exp)) is None or now >= at):
        raise TokenStatusListError("STATUS_LIST_EXPIRED", "the Status List Token has expired")
    if ttl is not None and (not isinstance(ttl, int) or ttl < 0):
        raise TokenStatusListError("MALFORMED_STATUS_LIST_TOKEN", "ttl must be a non-negative integer")
    status_list = claims.get("status_list")
    if not isinstance(status_list, Mapping):
        raise TokenStatusListError("MALFORMED_STATUS_LIST_TOKEN", "status_list is required")
    return decode_status_list(status_list, max_bytes=max_bytes)
