"""proofs.keys: Multikey, did:key, JWK, signatures and sealing, against published key pairs."""

from __future__ import annotations

from typing import Any

import pytest

from proofs.keys import (
    InvalidKey,
    InvalidSignature,
    KeyAlgorithm,
    PrivateKey,
    PublicKey,
    SealError,
    is_private_jwk,
    jwk_thumbprint,
    open_sealed,
    seal,
)
from proofs.multibase import b58decode, b58encode, b64url_encode, multibase_decode, multibase_encode

# W3C vc-di-eddsa TestVectors/keyPair.json and vc-di-ecdsa TestVectors/p256KeyPair.json (figures only).
ED_SECRET = "z3u2en7t5LR2WtQH5PfFqMqwVHBeXouLzo6haApm8XHqvjxq"
ED_PUBLIC = "z6MkrJVnaZkeFzdQyMZu1cgjg7k1pZZ6pvBQ7XJPt4swbTQ2"
P256_SECRET = "z42twTcNeSYcnqg1FLuSFs2bsGH3ZqbRHFmvS9XMsYhjxvHN"
P256_PUBLIC = "zDnaepBuvsQ8cpsWrVKw8fbpGpvPeNSjVPTWoq6cRqaYzBKVP"


@pytest.mark.parametrize(("secret", "public"), [(ED_SECRET, ED_PUBLIC), (P256_SECRET, P256_PUBLIC)])
def test_published_key_pairs_derive_their_multikey(secret: str, public: str) -> None:
    key = PrivateKey.from_multikey_secret(secret)
    assert key.public_key().multikey() == public
    assert PublicKey.from_multikey(public) == key.public_key()


def test_did_key_round_trip() -> None:
    key = PublicKey.from_multikey(ED_PUBLIC)
    assert key.did_key() == f"did:key:{ED_PUBLIC}"
    assert key.did_key_vm() == f"did:key:{ED_PUBLIC}#{ED_PUBLIC}"
    assert PublicKey.from_did_key(key.did_key_vm()) == key


@pytest.mark.parametrize(
    "alg", [KeyAlgorithm.ED25519, KeyAlgorithm.P256, KeyAlgorithm.P384, KeyAlgorithm.RSA]
)
def test_sign_verify_and_jwk_round_trip(alg: KeyAlgorithm) -> None:
    key = PrivateKey.generate(alg)
    sig = key.sign(b"message")
    pub = key.public_key()
    pub.verify(sig, b"message")
    with pytest.raises(InvalidSignature):
        pub.verify(sig, b"messagE")
    with pytest.raises(InvalidSignature):
        pub.verify(sig[:-1] + bytes([sig[-1] ^ 1]), b"message")
    assert PublicKey.from_jwk(pub.jwk()) == pub
    assert "d" not in pub.jwk()
    if alg in (KeyAlgorithm.P256, KeyAlgorithm.P384):
        assert len(sig) == {KeyAlgorithm.P256: 64, KeyAlgorithm.P384: 96}[alg]


def test_pkcs8_round_trip_and_repr_hides_material() -> None:
    key = PrivateKey.generate(KeyAlgorithm.P256)
    again = PrivateKey.from_pkcs8(key.to_pkcs8())
    assert again.public_key() == key.public_key()
    assert "P-256" in repr(key) and "_key" not in repr(key)


def test_wrong_key_does_not_verify() -> None:
    a, b = PrivateKey.generate(KeyAlgorithm.ED25519), PrivateKey.generate(KeyAlgorithm.ED25519)
    with pytest.raises(InvalidSignature):
        b.public_key().verify(a.sign(b"x"), b"x")


@pytest.mark.parametrize(
    "bad",
    ["", "x123", "z", "zQ3s", multibase_encode(b"\x99\x01" + b"\0" * 32), "u!!!"],
)
def test_bad_multikeys_are_refused(bad: str) -> None:
    with pytest.raises(InvalidKey):
        PublicKey.from_multikey(bad)


@pytest.mark.parametrize(
    "jwk",
    [
        {},
        {"kty": "OKP", "crv": "X25519", "x": "AA"},
        {"kty": "EC", "crv": "P-256", "x": "AA", "y": "AA"},
        {"kty": 1},
    ],
)
def test_bad_jwks_are_refused(jwk: dict[str, object]) -> None:
    with pytest.raises(InvalidKey):
        PublicKey.from_jwk(jwk)


def test_rfc7638_thumbprint_example() -> None:
    # RFC 7638 §3.1 example RSA key and its thumbprint.
    jwk = {
        "kty": "RSA",
        "n": "0vx7agoebGcQSuuPiLJXZptN9nndrQmbXEps2aiAFbWhM78LhWx4cbbfAAtVT86zwu1RK7aPFFxuhDR1L6tSoc_BJECPebWKRXjBZCiFV4n3oknjhMstn64tZ_2W-5JsGY4Hc5n9yBXArwl93lqt7_RN5w6Cf0h4QyQ5v-65YGjQR0_FDW2QvzqY368QQMicAtaSqzs8KJZgnYb9c7d0zgdAZHzu6qMQvRL5hajrn1n91CbOpbISD08qNLyrdkt-bFTWhAI4vMQFh6WeZu0fM4lFd2NcRwr3XPksINHaQ-G_xBniIqbw0Ls1jF44-csFCur-kEgU8awapJzKnqDKgw",
        "e": "AQAB",
        "alg": "RS256",
        "kid": "2011-04-29",
    }
    assert jwk_thumbprint(jwk) == "NzbLsXh8uDCcd-6MNwXF4W_7noWXFZAfHkxZsRGC9Xs"


def test_base58_and_multibase() -> None:
    assert b58encode(b"\0\0hello") == "11Cn8eVZg"
    assert b58decode("11Cn8eVZg") == b"\0\0hello"
    assert multibase_decode(multibase_encode(b"abc", base="u")) == b"abc"


def test_seal_binds_key_and_context() -> None:
    kek, other = b"a" * 32, b"b" * 32
    sealed = seal(kek, b"secret", aad=b"key-1")
    assert b"secret" not in sealed
    assert open_sealed(kek, sealed, aad=b"key-1") == b"secret"
    with pytest.raises(SealError):
        open_sealed(other, sealed, aad=b"key-1")
    with pytest.raises(SealError):
        open_sealed(kek, sealed, aad=b"key-2")
    with pytest.raises(SealError):
        open_sealed(kek, sealed[:-1] + bytes([sealed[-1] ^ 1]), aad=b"key-1")


@pytest.mark.parametrize("kty", [[], {}, None, 1, "oct", "okp"])
def test_a_jwk_thumbprint_of_an_unknown_or_malformed_kty_is_a_value_error(kty: Any) -> None:
    """Anyone's JWK (a JWT's ``jwk`` header, a JWK Set an issuer serves) may carry any ``kty``: a list was a
    TypeError (unhashable) that escaped the callers' ``except ValueError`` as a 500."""
    with pytest.raises(ValueError):
        jwk_thumbprint({"kty": kty, "crv": "Ed25519", "x": "AA"})


@pytest.mark.parametrize("member", ["d", "p", "q", "dp", "dq", "qi", "oth", "k"])
def test_a_jwk_with_a_private_member_is_no_public_key(member: str) -> None:
    """A JWK with any private member (RFC 7518 §6.2.2, §6.3.2, §6.4.1) is refused, not read as its public part."""
    public = PrivateKey.generate(KeyAlgorithm.P256).public_key().jwk()
    assert is_private_jwk({**public, member: "AQAB"}) and not is_private_jwk(public)
    with pytest.raises(InvalidKey):
        PublicKey.from_jwk({**public, member: "AQAB"})


@pytest.mark.parametrize("bits", [1024, 2047])
def test_an_rsa_key_under_2048_bits_is_refused(bits: int) -> None:
    """RFC 7518 §3.3: RS256 "MUST" use a key of 2048 bits or larger; a smaller modulus can be factored."""
    modulus = (1 << (bits - 1)) | 1  # odd, exactly ``bits`` long (size is all from_jwk looks at first)
    small = {"kty": "RSA", "e": "AQAB", "n": b64url_encode(modulus.to_bytes((bits + 7) // 8, "big"))}
    with pytest.raises(InvalidKey):
        PublicKey.from_jwk(small)
    strong = PrivateKey.generate(KeyAlgorithm.RSA).public_key()
    assert PublicKey.from_jwk(strong.jwk()) == strong and PublicKey.from_pem(strong.pem()) == strong
