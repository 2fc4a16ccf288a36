"""Signing keys: generation, signatures, Multikey, JWK and did:key encodings.

This is the only module that imports ``cryptography.hazmat``. Everything else handles keys through
:class:`PrivateKey` / :class:`PublicKey`.

Specs: Multikey and ``publicKeyMultibase`` (W3C Controlled Identifiers v1.0 §2.2.2); did:key
(did-key-spec, Ed25519 ``0xed``, P-256 ``0x1200``, P-384 ``0x1201`` multicodecs); ECDSA signatures in
IEEE P1363 form (r‖s), as VC-DI-ECDSA §3 and RFC 7518 §3.4 require; Ed25519 per RFC 8032.
"""

from __future__ import annotations

import hashlib
import json
import os
from collections.abc import Mapping
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from cryptography.exceptions import InvalidSignature as _CryptoInvalidSignature
from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, ed25519, rsa
from cryptography.hazmat.primitives.asymmetric.utils import (
    decode_dss_signature,
    encode_dss_signature,
)
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from proofs.errors import ProofsError
from proofs.multibase import (
    MultibaseError,
    b64url_decode,
    b64url_encode,
    multibase_decode,
    multibase_encode,
    varint_decode,
    varint_encode,
)

__all__ = [
    "InvalidKey",
    "InvalidSignature",
    "KeyAlgorithm",
    "PrivateKey",
    "PublicKey",
    "SealError",
    "is_private_jwk",
    "jwk_thumbprint",
    "open_sealed",
    "seal",
]


class InvalidSignature(ProofsError):
    """A signature did not verify. Deliberately carries no detail."""


class InvalidKey(ProofsError):
    """Key material could not be decoded or has an unsupported type."""


class SealError(ProofsError):
    """Sealed data could not be opened (wrong key-encryption key or tampered)."""


class KeyAlgorithm(StrEnum):
    ED25519 = "Ed25519"
    P256 = "P-256"
    P384 = "P-384"
    RSA = "RSA"

    @property
    def jws_alg(self) -> str:
        return _JWS_ALG[self]


_JWS_ALG = {
    KeyAlgorithm.ED25519: "EdDSA",
    KeyAlgorithm.P256: "ES256",
    KeyAlgorithm.P384: "ES384",
    KeyAlgorithm.RSA: "RS256",
}

# multicodec codes for public and secret keys
_PUB_CODEC = {KeyAlgorithm.ED25519: 0xED, KeyAlgorithm.P256: 0x1200, KeyAlgorithm.P384: 0x1201}
_SECRET_CODEC = {KeyAlgorithm.ED25519: 0x1300, KeyAlgorithm.P256: 0x1306, KeyAlgorithm.P384: 0x1307}
_CODEC_PUB = {v: k for k, v in _PUB_CODEC.items()}
_CODEC_SECRET = {v: k for k, v in _SECRET_CODEC.items()}
_CURVES: dict[KeyAlgorithm, ec.EllipticCurve] = {
    KeyAlgorithm.P256: ec.SECP256R1(),
    KeyAlgorithm.P384: ec.SECP384R1(),
}
_EC_HASH: dict[KeyAlgorithm, hashes.HashAlgorithm] = {
    KeyAlgorithm.P256: hashes.SHA256(),
    KeyAlgorithm.P384: hashes.SHA384(),
}
_EC_SIZE = {KeyAlgorithm.P256: 32, KeyAlgorithm.P384: 48}
_CRV_NAME = {"P-256": KeyAlgorithm.P256, "P-384": KeyAlgorithm.P384}

# The members that hold a private key's parts (RFC 7518 §6.2.2 EC/OKP ``d``, §6.3.2 RSA, §6.4.1 ``oct``
# ``k``): a JWK with any of them is a private (or secret) key, never a public one to trust.
_PRIVATE_JWK_MEMBERS = frozenset({"d", "p", "q", "dp", "dq", "qi", "oth", "k"})


def is_private_jwk(jwk: Mapping[str, Any]) -> bool:
    """Whether a JWK carries any private member: the one rule every reader of someone's JWK keeps
    (:meth:`PublicKey.from_jwk` refuses such a JWK)."""
    return not _PRIVATE_JWK_MEMBERS.isdisjoint(jwk.keys())


# RFC 7518 §3.3: "A key of size 2048 bits or larger MUST be used with these algorithms" (RS256): a smaller
# modulus can be factored, and then anyone signs as its owner.
_MIN_RSA_BITS = 2048

_PublicObj = ed25519.Ed25519PublicKey | ec.EllipticCurvePublicKey | rsa.RSAPublicKey
_PrivateObj = ed25519.Ed25519PrivateKey | ec.EllipticCurvePrivateKey | rsa.RSAPrivateKey


def _algorithm_of_public(key: _PublicObj) -> KeyAlgorithm:
    if isinstance(key, ed25519.Ed25519PublicKey):
        return KeyAlgorithm.ED25519
    if isinstance(key, rsa.RSAPublicKey):
        return KeyAlgorithm.RSA
    name = key.curve.name
    if name == "secp256r1":
        return KeyAlgorithm.P256
    if name == "secp384r1":
        return KeyAlgorithm.P384
    raise InvalidKey(f"unsupported curve {name}")


def _strong_rsa(key: rsa.RSAPublicKey) -> rsa.RSAPublicKey:
    """``key``, unless its modulus is shorter than RFC 7518 §3.3 allows for RS256 (InvalidKey)."""
    if key.key_size < _MIN_RSA_BITS:
        raise InvalidKey(
            f"an RSA key of {key.key_size} bits is too small (RS256 needs {_MIN_RSA_BITS} or more)"
        )
    return key


@dataclass(frozen=True, slots=True)
class PublicKey:
    """A public verification key."""

    algorithm: KeyAlgorithm
    _key: _PublicObj

    # -- constructors ------------------------------------------------------------------------
    @classmethod
    def from_multikey(cls, value: str) -> PublicKey:
        """Decode a ``publicKeyMultibase`` (``z`` + base58btc(multicodec ‖ key))."""
        try:
            data = multibase_decode(value)
            code, used = varint_decode(data)
        except MultibaseError as exc:
            raise InvalidKey("publicKeyMultibase is not valid multibase") from exc
        alg = _CODEC_PUB.get(code)
        if alg is None:
            raise InvalidKey(f"unsupported multicodec 0x{code:x} in publicKeyMultibase")
        return cls.from_raw(alg, data[used:])

    @classmethod
    def from_raw(cls, algorithm: KeyAlgorithm, raw: bytes) -> PublicKey:
        """Ed25519: 32 bytes; EC: SEC1 point (compressed or not)."""
        try:
            if algorithm is KeyAlgorithm.ED25519:
                return cls(algorithm, ed25519.Ed25519PublicKey.from_public_bytes(raw))
            if algorithm in _CURVES:
                point = ec.EllipticCurvePublicKey.from_encoded_point(_CURVES[algorithm], raw)
                return cls(algorithm, point)
        except ValueError as exc:
            raise InvalidKey(f"invalid {algorithm} public key bytes") from exc
        raise InvalidKey(f"raw encoding is not defined for {algorithm}")

    @classmethod
    def from_jwk(cls, jwk: dict[str, Any]) -> PublicKey:
        """Decode a public JWK (OKP Ed25519, EC P-256/P-384, RSA). A JWK with a private member (``d``, the
        RSA primes and CRT values, ``oth``, ``k``) is refused: its key is published, so anyone can sign
        with it (did:jwk §Security Considerations: a private JWK "must be rejected")."""
        if not isinstance(jwk, dict):
            raise InvalidKey("a JWK is a JSON object")
        if is_private_jwk(jwk):
            raise InvalidKey("the JWK is a private key, not a public one")
        try:
            kty = jwk["kty"]
            if kty == "OKP" and jwk.get("crv") == "Ed25519":
                return cls.from_raw(KeyAlgorithm.ED25519, b64url_decode(jwk["x"]))
            if kty == "EC" and jwk.get("crv") in _CRV_NAME:
                alg = _CRV_NAME[jwk["crv"]]
                x = b64url_decode(jwk["x"])
                y = b64url_decode(jwk["y"])
                if len(x) != _EC_SIZE[alg] or len(y) != _EC_SIZE[alg]:
                    raise InvalidKey("EC coordinates have the wrong length")
                return cls.from_raw(alg, b"\x04" + x + y)
            if kty == "RSA":
                n = int.from_bytes(b64url_decode(jwk["n"]), "big")
                e = int.from_bytes(b64url_decode(jwk["e"]), "big")
                return cls(KeyAlgorithm.RSA, _strong_rsa(rsa.RSAPublicNumbers(e, n).public_key()))
        except (KeyError, TypeError, MultibaseError, ValueError) as exc:
            if isinstance(exc, InvalidKey):
                raise
            raise InvalidKey("malformed JWK") from exc
        raise InvalidKey(f"unsupported JWK kty={jwk.get('kty')!r} crv={jwk.get('crv')!r}")

    @classmethod
    def from_did_key(cls, did: str) -> PublicKey:
        """Resolve a did:key (optionally with a fragment) to its key."""
        base = did.split("#", 1)[0]
        if not base.startswith("did:key:"):
            raise InvalidKey("not a did:key")
        return cls.from_multikey(base.removeprefix("did:key:"))

    @classmethod
    def from_pem(cls, pem: bytes) -> PublicKey:
        key = serialization.load_pem_public_key(pem)
        if not isinstance(key, ed25519.Ed25519PublicKey | ec.EllipticCurvePublicKey | rsa.RSAPublicKey):
            raise InvalidKey("unsupported public key type")
        if isinstance(key, rsa.RSAPublicKey):
            _strong_rsa(key)
        return cls(_algorithm_of_public(key), key)

    # -- encodings ---------------------------------------------------------------------------
    def raw(self) -> bytes:
        """Ed25519: 32 bytes; EC: compressed SEC1 point."""
        if isinstance(self._key, ed25519.Ed25519PublicKey):
            return self._key.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
        if isinstance(self._key, ec.EllipticCurvePublicKey):
            return self._key.public_bytes(
                serialization.Encoding.X962, serialization.PublicFormat.CompressedPoint
            )
        raise InvalidKey("RSA keys have no raw encoding")

    def multikey(self) -> str:
        """``publicKeyMultibase`` value: ``z`` + base58btc(multicodec varint ‖ raw key)."""
        if self.algorithm not in _PUB_CODEC:
            raise InvalidKey(f"{self.algorithm} keys have no Multikey encoding")
        return multibase_encode(varint_encode(_PUB_CODEC[self.algorithm]) + self.raw())

    def did_key(self) -> str:
        return "did:key:" + self.multikey()

    def did_key_vm(self) -> str:
        """The did:key verification method id (``did:key:z…#z…``)."""
        mk = self.multikey()
        return f"did:key:{mk}#{mk}"

    def jwk(self) -> dict[str, str]:
        """Public JWK (RFC 7517/8037), members in lexicographic order."""
        key = self._key
        if isinstance(key, ed25519.Ed25519PublicKey):
            return {"crv": "Ed25519", "kty": "OKP", "x": b64url_encode(self.raw())}
        if isinstance(key, ec.EllipticCurvePublicKey):
            nums = key.public_numbers()
            size = _EC_SIZE[self.algorithm]
            return {
                "crv": str(self.algorithm),
                "kty": "EC",
                "x": b64url_encode(nums.x.to_bytes(size, "big")),
                "y": b64url_encode(nums.y.to_bytes(size, "big")),
            }
        rnums = key.public_numbers()
        return {
            "e": b64url_encode(rnums.e.to_bytes((rnums.e.bit_length() + 7) // 8, "big")),
            "kty": "RSA",
            "n": b64url_encode(rnums.n.to_bytes((rnums.n.bit_length() + 7) // 8, "big")),
        }

    def pem(self) -> bytes:
        return self._key.public_bytes(
            serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
        )

    # -- verification ------------------------------------------------------------------------
    def verify(self, signature: bytes, data: bytes) -> None:
        """Verify ``signature`` over ``data``; raises :class:`InvalidSignature` on any failure.

        Ed25519: pure EdDSA. ECDSA: P1363 r‖s with SHA-256 (P-256) or SHA-384 (P-384).
        RSA: RSASSA-PKCS1-v1_5 with SHA-256 (RS256).
        """
        key = self._key
        try:
            if isinstance(key, ed25519.Ed25519PublicKey):
                key.verify(signature, data)
            elif isinstance(key, ec.EllipticCurvePublicKey):
                size = _EC_SIZE[self.algorithm]
                if len(signature) != 2 * size:
                    raise InvalidSignature
                r = int.from_bytes(signature[:size], "big")
                s = int.from_bytes(signature[size:], "big")
                key.verify(encode_dss_signature(r, s), data, ec.ECDSA(_EC_HASH[self.algorithm]))
            else:
                from cryptography.hazmat.primitives.asymmetric import padding

                key.verify(signature, data, padding.PKCS1v15(), hashes.SHA256())
        except (_CryptoInvalidSignature, ValueError):
            raise InvalidSignature from None

    def __eq__(self, other: object) -> bool:
        return isinstance(other, PublicKey) and self.jwk() == other.jwk()

    def __hash__(self) -> int:
        return hash(json.dumps(self.jwk(), sort_keys=True))


@dataclass(frozen=True, slots=True)
class PrivateKey:
    """A private signing key. ``repr`` never shows key material."""

    algorithm: KeyAlgorithm
    _key: _PrivateObj

    def __repr__(self) -> str:
        return f"PrivateKey(algorithm={self.algorithm!s})"

    @classmethod
    def generate(cls, algorithm: KeyAlgorithm) -> PrivateKey:
        if algorithm is KeyAlgorithm.ED25519:
            return cls(algorithm, ed25519.Ed25519PrivateKey.generate())
        if algorithm in _CURVES:
            return cls(algorithm, ec.generate_private_key(_CURVES[algorithm]))
        return cls(algorithm, rsa.generate_private_key(public_exponent=65537, key_size=_MIN_RSA_BITS))

    @classmethod
    def from_pkcs8(cls, der: bytes) -> PrivateKey:
        """Load an unencrypted PKCS#8 DER private key."""
        try:
            key = serialization.load_der_private_key(der, password=None)
        except ValueError as exc:
            raise InvalidKey("not a PKCS#8 private key") from exc
        if not isinstance(key, ed25519.Ed25519PrivateKey | ec.EllipticCurvePrivateKey | rsa.RSAPrivateKey):
            raise InvalidKey("unsupported private key type")
        return cls(_algorithm_of_public(key.public_key()), key)

    @classmethod
    def from_raw_secret(cls, algorithm: KeyAlgorithm, secret: bytes) -> PrivateKey:
        """Ed25519: 32-byte seed; EC: big-endian scalar."""
        try:
            if algorithm is KeyAlgorithm.ED25519:
                return cls(algorithm, ed25519.Ed25519PrivateKey.from_private_bytes(secret))
            if algorithm in _CURVES:
                value = int.from_bytes(secret, "big")
                return cls(algorithm, ec.derive_private_key(value, _CURVES[algorithm]))
        except ValueError as exc:
            raise InvalidKey("invalid secret key bytes") from exc
        raise InvalidKey(f"raw secrets are not defined for {algorithm}")

    @classmethod
    def from_multikey_secret(cls, value: str) -> PrivateKey:
        """Decode a ``secretKeyMultibase`` (used by published test vectors)."""
        try:
            data = multibase_decode(value)
            code, used = varint_decode(data)
        except MultibaseError as exc:
            raise InvalidKey("secretKeyMultibase is not valid multibase") from exc
        alg = _CODEC_SECRET.get(code)
        if alg is None:
            raise InvalidKey(f"unsupported multicodec 0x{code:x} in secretKeyMultibase")
        return cls.from_raw_secret(alg, data[used:])

    @classmethod
    def from_jwk(cls, jwk: dict[str, Any]) -> PrivateKey:
        """Decode a private JWK (OKP Ed25519 or EC with ``d``)."""
        try:
            d = b64url_decode(jwk["d"])
            if jwk["kty"] == "OKP" and jwk.get("crv") == "Ed25519":
                return cls.from_raw_secret(KeyAlgorithm.ED25519, d)
            if jwk["kty"] == "EC" and jwk.get("crv") in _CRV_NAME:
                return cls.from_raw_secret(_CRV_NAME[jwk["crv"]], d)
        except (KeyError, TypeError, MultibaseError) as exc:
            raise InvalidKey("malformed private JWK") from exc
        raise InvalidKey("unsupported private JWK")

    def to_pkcs8(self) -> bytes:
        """Unencrypted PKCS#8 DER: only ever passed straight to :func:`seal`."""
        return self._key.private_bytes(
            serialization.Encoding.DER,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )

    def private_jwk(self) -> dict[str, str]:
        """Private JWK, for handing to a JOSE library inside this process only."""
        jwk: dict[str, str] = dict(self.public_key().jwk())
        key = self._key
        if isinstance(key, ed25519.Ed25519PrivateKey):
            raw = key.private_bytes(
                serialization.Encoding.Raw,
                serialization.PrivateFormat.Raw,
                serialization.NoEncryption(),
            )
            jwk["d"] = b64url_encode(raw)
        elif isinstance(key, ec.EllipticCurvePrivateKey):
            size = _EC_SIZE[self.algorithm]
            jwk["d"] = b64url_encode(key.private_numbers().private_value.to_bytes(size, "big"))
        else:
            raise InvalidKey("RSA private JWK export is not supported")
        return jwk

    def public_key(self) -> PublicKey:
        return PublicKey(self.algorithm, self._key.public_key())

    def sign(self, data: bytes) -> bytes:
        """Sign ``data``: Ed25519 (64 bytes), ECDSA P1363 r‖s, or RS256."""
        key = self._key
        if isinstance(key, ed25519.Ed25519PrivateKey):
            return key.sign(data)
        if isinstance(key, ec.EllipticCurvePrivateKey):
            der = key.sign(data, ec.ECDSA(_EC_HASH[self.algorithm]))
            r, s = decode_dss_signature(der)
            size = _EC_SIZE[self.algorithm]
            return r.to_bytes(size, "big") + s.to_bytes(size, "big")
        from cryptography.hazmat.primitives.asymmetric import padding

        return key.sign(data, padding.PKCS1v15(), hashes.SHA256())


def jwk_thumbprint(jwk: dict[str, str]) -> str:
    """RFC 7638 JWK thumbprint (SHA-256, base64url)."""
    required = {"OKP": ("crv", "kty", "x"), "EC": ("crv", "kty", "x", "y"), "RSA": ("e", "kty", "n")}
    kty = jwk.get("kty")
    if type(kty) is not str or kty not in required:  # anyone's JWK: a list there was a TypeError
        raise ValueError(f"a JWK of kty {str(kty)[:40]!r} has no thumbprint here")
    members = {k: jwk[k] for k in required[kty]}
    digest = hashlib.sha256(json.dumps(members, separators=(",", ":"), sort_keys=True).encode()).digest()
    return b64url_encode(digest)


def seal(kek: bytes, plaintext: bytes, *, aad: bytes) -> bytes:
    """AES-256-GCM encrypt ``plaintext`` under the key-encryption key; returns nonce ‖ ciphertext."""
    if len(kek) != 32:
        raise ValueError("the key-encryption key must be 32 bytes")
    nonce = os.urandom(12)
    return nonce + AESGCM(kek).encrypt(nonce, plaintext, aad)


def open_sealed(kek: bytes, sealed: bytes, *, aad: bytes) -> bytes:
    """Reverse :func:`seal`; raises :class:`SealError` on a wrong key or tampering."""
    if len(kek) != 32 or len(sealed) < 28:
        raise SealError("cannot open sealed key")
    try:
        return AESGCM(kek).decrypt(sealed[:12], sealed[12:], aad)
    except InvalidTag:
        raise SealError("cannot open sealed key") from None
