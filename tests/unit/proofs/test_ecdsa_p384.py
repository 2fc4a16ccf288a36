"""ecdsa-rdfc-2019 over P-384 (VC-DI-ECDSA §3.3): the W3C test vector made with Digital Bazaar's libraries
reproduced step by step and verified, with SHA-384 for both the proof configuration and the document
(§3.3.4 Hashing: "for curve P-384 one uses SHA-384"), and our own P-384 proofs verified the same way.

The vector (tests/data/vectors/ecdsa_rdfc_2019_p384.json) is the vc-di-ecdsa repository's
TestVectors/ecdsa-rdfc-2019-p384; it uses the W3C examples context, which is bundled."""

from __future__ import annotations

import copy
import datetime as dt
import hashlib
import json
from typing import Any

import pytest

from proofs.data_integrity import InvalidProof, add_proof, hash_data, verify_proof
from proofs.jsonld import DocumentLoader, bundled_loader
from proofs.keys import InvalidSignature, KeyAlgorithm, PrivateKey, PublicKey
from proofs.multibase import multibase_decode
from proofs.rdfc import canonicalize
from tests.paths import VECTORS

V: dict[str, Any] = json.loads((VECTORS / "ecdsa_rdfc_2019_p384.json").read_text(encoding="utf-8"))
_P384_PUB_CODEC = b"\x81\x24"  # varint(0x1201), the multicodec p384-pub


@pytest.fixture(scope="module")
def loader() -> DocumentLoader:
    return bundled_loader()  # the examples v2 context the vector uses is bundled (no extra documents)


def _config() -> dict[str, Any]:
    return {"@context": V["unsigned"]["@context"], **V["proofOptions"]}


def test_the_vector_key_is_a_p384_multikey() -> None:
    public = PublicKey.from_multikey(V["publicKeyMultibase"])
    assert public.algorithm is KeyAlgorithm.P384
    assert multibase_decode(V["publicKeyMultibase"])[:2] == _P384_PUB_CODEC
    assert public.multikey() == V["publicKeyMultibase"]  # compressed point, re-encoded identically
    assert public.jwk()["crv"] == "P-384" and public.jwk()["kty"] == "EC"
    assert PublicKey.from_jwk(public.jwk()) == public
    secret = PrivateKey.from_multikey_secret(V["secretKeyMultibase"])
    assert secret.algorithm is KeyAlgorithm.P384 and secret.public_key() == public
    vm = V["proofOptions"]["verificationMethod"]
    assert PublicKey.from_did_key(vm) == public and public.did_key_vm() == vm


def test_canonical_forms_and_sha384_hashes_match_the_vector(loader: DocumentLoader) -> None:
    assert canonicalize(V["unsigned"], loader=loader) == V["canonicalDocument"]
    assert canonicalize(_config(), loader=loader) == V["canonicalProof"]
    assert hashlib.sha384(V["canonicalDocument"].encode()).hexdigest() == V["docHash"]
    assert hashlib.sha384(V["canonicalProof"].encode()).hexdigest() == V["proofHash"]
    combined = hash_data(V["unsigned"], _config(), algorithm=KeyAlgorithm.P384, loader=loader)
    assert len(combined) == 96  # two 48-byte SHA-384 digests, proof configuration first
    assert combined.hex() == V["combinedHash"] == V["proofHash"] + V["docHash"]


def test_digital_bazaar_signature_verifies(loader: DocumentLoader) -> None:
    signed = V["signed"]
    assert signed["proof"]["proofValue"] == V["proofValue"]
    assert multibase_decode(V["proofValue"]).hex() == V["signatureHex"]  # r‖s, 96 bytes
    public = PublicKey.from_did_key(signed["proof"]["verificationMethod"])
    verify_proof(signed, proof=signed["proof"], public_key=public, loader=loader)
    # The signature is over the SHA-384 hash data (with ECDSA's own SHA-384): the raw check agrees ...
    public.verify(bytes.fromhex(V["signatureHex"]), bytes.fromhex(V["combinedHash"]))
    # ... and the same bytes hashed with SHA-256 (the P-256 rule) are not what was signed.
    sha256_data = (
        hashlib.sha256(V["canonicalProof"].encode()).digest()
        + hashlib.sha256(V["canonicalDocument"].encode()).digest()
    )
    with pytest.raises(InvalidSignature):
        public.verify(bytes.fromhex(V["signatureHex"]), sha256_data)


@pytest.mark.parametrize(
    "change",
    [
        lambda d: d["credentialSubject"].__setitem__("alumniOf", "Another School"),
        lambda d: d["proof"].__setitem__("created", "2023-02-24T23:36:39Z"),
        lambda d: d.__setitem__("validFrom", "2023-01-02T00:00:00Z"),
    ],
    ids=["claim", "proof-option", "validity"],
)
def test_a_changed_vector_does_not_verify(loader: DocumentLoader, change: Any) -> None:
    signed = copy.deepcopy(V["signed"])
    change(signed)
    public = PublicKey.from_multikey(V["publicKeyMultibase"])
    with pytest.raises(InvalidProof) as caught:
        verify_proof(signed, proof=signed["proof"], public_key=public, loader=loader)
    assert caught.value.code == "PROOF_VERIFICATION_ERROR" and caught.value.reason == "signature"


def test_another_p384_key_does_not_verify_the_vector(loader: DocumentLoader) -> None:
    other = PrivateKey.generate(KeyAlgorithm.P384).public_key()
    signed = V["signed"]
    with pytest.raises(InvalidProof):
        verify_proof(signed, proof=signed["proof"], public_key=other, loader=loader)


def test_our_p384_proof_reproduces_the_vector_hash_and_verifies(loader: DocumentLoader) -> None:
    """Signing the vector's document with the vector's key and options: the same hash data (ECDSA is
    randomized, so the signature differs), a 96-byte r‖s signature that the public key verifies."""
    key = PrivateKey.from_multikey_secret(V["secretKeyMultibase"])
    options = V["proofOptions"]
    created = dt.datetime.fromisoformat(options["created"].replace("Z", "+00:00"))
    signed = add_proof(
        V["unsigned"],
        key=key,
        verification_method=options["verificationMethod"],
        created=created,
        loader=loader,
        cryptosuite="ecdsa-rdfc-2019",
    )
    proof = signed["proof"]
    assert {k: v for k, v in proof.items() if k != "proofValue"} == options
    signature = multibase_decode(proof["proofValue"])
    assert len(signature) == 96
    public = key.public_key()
    public.verify(signature, bytes.fromhex(V["combinedHash"]))
    verify_proof(signed, proof=proof, public_key=public, loader=loader)
    # The verifier's side of the same rule: a P-256 key cannot stand in for the P-384 one.
    with pytest.raises(InvalidProof):
        verify_proof(
            signed, proof=proof, public_key=PrivateKey.generate(KeyAlgorithm.P256).public_key(), loader=loader
        )
