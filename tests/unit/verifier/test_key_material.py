"""What key material the verifier trusts (an outside fuzzing round's findings on how keys are had): a key
whose private part is published is no key (did:jwk §Security Considerations; a JWK Set entry for a VC-JWT
alike), whatever path names it; nor is an RSA key too small for RS256 (RFC 7518 §3.3)."""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from typing import Any

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa

from proofs.jsonld import DocumentLoader, bundled_loader
from proofs.keys import InvalidKey, KeyAlgorithm, PrivateKey, PublicKey
from proofs.multibase import b64url_encode
from proofs.vc_jwt import encode_ob_vc_jwt
from schemas.problems import problem_type
from tests.unit.verifier.builders import NOW, key, open_badge, signed
from verifier import DidResolver, KeyResolutionError, VerificationResult, Verifier

ISSUER = "https://issuer.example/issuers/1"
JWKS_URL = "https://issuer.example/.well-known/jwks.json"
P256 = key(52, KeyAlgorithm.P256)


@pytest.fixture(scope="module")
def loader() -> DocumentLoader:
    return bundled_loader()


def _jwks_verifier(loader: DocumentLoader, keys: Sequence[Mapping[str, Any]]) -> Verifier:
    def fetch_json(url: str) -> Mapping[str, Any]:
        assert url == JWKS_URL
        return {"keys": list(keys)}

    return Verifier(loader=loader, resolver=DidResolver(), fetch_status_list=None, fetch_json=fetch_json)


def _failed(result: VerificationResult) -> dict[str, str | None]:
    return {c.id: c.type for c in result.checks if c.outcome == "failed"}


def _did_jwk(jwk: Mapping[str, Any]) -> str:
    return "did:jwk:" + b64url_encode(json.dumps(dict(jwk)).encode())


def test_a_did_jwk_of_a_private_key_is_refused(loader: DocumentLoader) -> None:
    """did:jwk §Security Considerations: a JWK for a private key "must be rejected by all implementations"."""
    did = _did_jwk(P256.private_jwk())
    with pytest.raises(KeyResolutionError) as caught:
        DidResolver().resolve(did + "#0")
    assert caught.value.code == "INVALID_KEY"
    verifier = Verifier(loader=loader, resolver=DidResolver(), fetch_status_list=None)
    result = verifier.verify(signed(open_badge(did), P256, did + "#0", loader), now=NOW)
    assert not result.verified and _failed(result)["proof"] == problem_type("key-not-found")
    # The same key without its private part verifies.
    public = _did_jwk(P256.public_key().jwk())
    assert verifier.verify(signed(open_badge(public), P256, public + "#0", loader), now=NOW).verified


def test_a_did_jwk_naming_a_member_twice_is_refused(loader: DocumentLoader) -> None:
    """Two readings of one key (another key's x first, the signer's last): refused, whichever counts."""
    jwk = P256.public_key().jwk()
    other = PrivateKey.generate(KeyAlgorithm.P256).public_key().jwk()
    text = json.dumps(jwk).replace('"x"', f'"x": "{other["x"]}", "x"', 1)
    did = "did:jwk:" + b64url_encode(text.encode())
    with pytest.raises(KeyResolutionError) as caught:
        DidResolver().resolve(did + "#0")
    assert caught.value.code == "INVALID_KEY"
    verifier = Verifier(loader=loader, resolver=DidResolver(), fetch_status_list=None)
    result = verifier.verify(signed(open_badge(did), P256, did + "#0", loader), now=NOW)
    assert not result.verified and _failed(result)["proof"] == problem_type("key-not-found")


@pytest.mark.parametrize("member", ["d", "p", "q", "dp", "dq", "qi", "oth", "k"])
def test_a_jwk_set_entry_with_a_private_member_signs_nothing(loader: DocumentLoader, member: str) -> None:
    token = encode_ob_vc_jwt(open_badge(ISSUER), key=P256, kid="key-1")
    entry = {**P256.public_key().jwk(), "kid": "key-1"}
    assert _jwks_verifier(loader, [entry]).verify(token, now=NOW).verified
    result = _jwks_verifier(loader, [{**entry, member: "AQAB"}]).verify(token, now=NOW)
    assert not result.verified and "proof" in _failed(result)


def _rsa(bits: int) -> PrivateKey:
    generated = rsa.generate_private_key(public_exponent=65537, key_size=bits)
    der = generated.private_bytes(
        serialization.Encoding.DER, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    )
    return PrivateKey.from_pkcs8(der)


def test_an_rs256_jwt_by_an_rsa_key_under_2048_bits_is_refused(loader: DocumentLoader) -> None:
    """RFC 7518 §3.3: "A key of size 2048 bits or larger MUST be used" with RS256; a 1024-bit modulus (512
    in the finding) can be factored, and then anyone signs as the issuer. Refused as a did:jwk and as a
    JWK Set entry; a 2048-bit key verifies on both paths."""
    for bits, verified in ((1024, False), (2048, True)):
        signer = _rsa(bits)
        did = _did_jwk(signer.public_key().jwk())
        verifier = Verifier(loader=loader, resolver=DidResolver(), fetch_status_list=None)
        result = verifier.verify(encode_ob_vc_jwt(open_badge(did), key=signer, kid=did + "#0"), now=NOW)
        assert result.verified is verified, (bits, result.as_json())
        if not verified:
            assert _failed(result)["proof"] == problem_type("key-not-found")
        entry = {**signer.public_key().jwk(), "kid": "rsa-1"}
        token = encode_ob_vc_jwt(open_badge(ISSUER), key=signer, kid="rsa-1")
        result = _jwks_verifier(loader, [entry]).verify(token, now=NOW)
        assert result.verified is verified, (bits, result.as_json())
    with pytest.raises(InvalidKey):  # nor as a PEM (an x5c leaf's key)
        PublicKey.from_pem(_rsa(1024).public_key().pem())


def test_a_kid_shared_by_keys_of_different_types_finds_the_one_of_the_alg(loader: DocumentLoader) -> None:
    """RFC 7517 §4.5: "different keys within the JWK Set SHOULD use distinct kid values", but keys of
    different ``kty`` may share one. The first entry of the name was taken, an RSA key, and the genuine ES256
    JWT was refused (a false refusal); now the entries of the name that fit the alg are tried."""
    token = encode_ob_vc_jwt(open_badge(ISSUER), key=P256, kid="key-1")
    rsa_entry = {**_rsa(2048).public_key().jwk(), "kid": "key-1"}
    ec_entry = {**P256.public_key().jwk(), "kid": "key-1"}
    other_ec = {**key(56, KeyAlgorithm.P256).public_key().jwk(), "kid": "key-1"}
    for keys in ([rsa_entry, ec_entry], [other_ec, rsa_entry, ec_entry], [{**ec_entry, "d": "AA"}, ec_entry]):
        result = _jwks_verifier(loader, keys).verify(token, now=NOW)
        assert result.verified, result.as_json()
    # Entries of the name that fit but did not sign it: the signature is invalid; none fitting: no key.
    result = _jwks_verifier(loader, [rsa_entry, other_ec]).verify(token, now=NOW)
    assert _failed(result) == {"proof": problem_type("invalid-proof")}
    result = _jwks_verifier(loader, [rsa_entry, {**ec_entry, "alg": "ES384"}]).verify(token, now=NOW)
    assert _failed(result) == {"proof": problem_type("key-not-found")}


def _method(did: str, signer: PrivateKey, **extra: Any) -> dict[str, Any]:
    return {
        "id": did + "#k1",
        "type": "Multikey",
        "controller": did,
        "publicKeyMultibase": signer.public_key().multikey(),
        **extra,
    }


def test_a_method_with_several_key_materials_or_an_id_used_twice_is_refused(loader: DocumentLoader) -> None:
    """DID Core §5.2.1: a verification method "MUST NOT contain multiple verification material properties
    for the same material" (publicKeyMultibase beside publicKeyJwk: the first was used silently); §5.2: its
    id is unique in the document (two methods of one id with different keys: the first listed won, so a
    genuine signature by the second was refused and it was the document's order that decided). Both are
    refused as such; the same method listed twice alike still resolves."""
    did = "did:web:issuer.example"
    first, second = key(54), key(55)

    def document(*methods: dict[str, Any]) -> dict[str, Any]:
        return {"id": did, "verificationMethod": list(methods), "assertionMethod": [did + "#k1"]}

    cases = [
        (document(_method(did, first, publicKeyJwk=second.public_key().jwk())), "INVALID_KEY"),
        (document(_method(did, first, publicKeyBase58="abc")), "INVALID_KEY"),
        (document(_method(did, first), _method(did, second)), "AMBIGUOUS_METHOD"),
    ]
    for doc, code in cases:
        resolver = DidResolver(fetch_did_web=dict.fromkeys([did], doc).__getitem__)
        with pytest.raises(KeyResolutionError) as caught:
            resolver.resolve(did + "#k1")
        assert caught.value.code == code
        verifier = Verifier(loader=loader, resolver=resolver, fetch_status_list=None)
        for signer in (first, second):
            result = verifier.verify(signed(open_badge(did), signer, did + "#k1", loader), now=NOW)
            assert _failed(result) == {"proof": problem_type("key-not-found")}
    # The same method twice alike, also when one writes its id (and controller) relative to the document
    # (DID Core §3.2.2) and the other absolute (found by the regression fuzzing round: AMBIGUOUS_METHOD).
    relative = {**_method(did, first), "id": "#k1"}
    for twice in (
        document(_method(did, first), _method(did, first)),
        {"id": did, "verificationMethod": [relative], "assertionMethod": [_method(did, first)]},
    ):
        resolved = DidResolver(fetch_did_web=dict.fromkeys([did], twice).__getitem__).resolve(did + "#k1")
        assert resolved.key == first.public_key()
