"""Keys published at an https URL (OB 3.0 §8.3 "Dereferencing the Public Key"): a controller document
that lists the key under assertionMethod, or a lone verification method whose controller's document
lists it; Multikey, JsonWebKey and Ed25519VerificationKey2020; and the key's controller must be the
issuer. The fetching is a dictionary here (the app's guarded client is tested in tests/app)."""

from __future__ import annotations

from typing import Any

import pytest

from proofs.jsonld import DocumentLoader, bundled_loader
from proofs.keys import KeyAlgorithm
from proofs.vc_jwt import encode_ob_vc_jwt
from schemas.problems import problem_type
from tests.unit.verifier.builders import NOW, KeyDocuments, controller_document, key, open_badge, signed
from verifier import DidResolver, KeyResolutionError, VerificationResult, Verifier

ISSUER = "https://issuer.example/issuers/565049"
SIGNER = key(21)
OTHER = key(22)
P256 = key(23, KeyAlgorithm.P256)


@pytest.fixture(scope="module")
def loader() -> DocumentLoader:
    return bundled_loader()


def _multikey(fragment: str = "key-1") -> dict[str, Any]:
    return {"type": "Multikey", "publicKeyMultibase": SIGNER.public_key().multikey()}


def _verify(
    loader: DocumentLoader, credential: dict[str, Any] | str, documents: KeyDocuments
) -> VerificationResult:
    verifier = Verifier(
        loader=loader, resolver=DidResolver(fetch_key_document=documents), fetch_status_list=None
    )
    return verifier.verify(credential, now=NOW)


def _outcomes(result: VerificationResult) -> dict[str, str]:
    return {c.id: c.outcome for c in result.checks}


@pytest.mark.parametrize(
    "members",
    [
        {"type": "Multikey", "publicKeyMultibase": SIGNER.public_key().multikey()},
        {"type": "Ed25519VerificationKey2020", "publicKeyMultibase": SIGNER.public_key().multikey()},
        {"type": "JsonWebKey", "publicKeyJwk": SIGNER.public_key().jwk()},
        {"type": "JsonWebKey2020", "publicKeyJwk": SIGNER.public_key().jwk()},
    ],
    ids=["Multikey", "Ed25519VerificationKey2020", "JsonWebKey", "JsonWebKey2020"],
)
def test_key_in_the_issuers_controller_document(loader: DocumentLoader, members: dict[str, Any]) -> None:
    documents = KeyDocuments({ISSUER: controller_document(ISSUER, {"key-1": members})})
    credential = signed(open_badge(ISSUER), SIGNER, f"{ISSUER}#key-1", loader)
    result = _verify(loader, credential, documents)
    assert result.verified, result.as_json()
    assert _outcomes(result)["proof"] == "passed" and _outcomes(result)["issuer"] == "passed"
    assert documents.fetched == [ISSUER]  # fetched once: the proof and the issuer check share it


def test_the_key_among_several(loader: DocumentLoader) -> None:
    methods: dict[str, dict[str, Any]] = {
        "p256": {"type": "JsonWebKey", "publicKeyJwk": P256.public_key().jwk()},
        "old": {"type": "Multikey", "publicKeyMultibase": OTHER.public_key().multikey()},
        "current": _multikey(),
    }
    documents = KeyDocuments({ISSUER: controller_document(ISSUER, methods)})
    assert _verify(
        loader, signed(open_badge(ISSUER), SIGNER, f"{ISSUER}#current", loader), documents
    ).verified
    # The same document's other key did not sign it.
    result = _verify(loader, signed(open_badge(ISSUER), SIGNER, f"{ISSUER}#old", loader), documents)
    assert not result.verified and _outcomes(result)["proof"] == "failed"


def test_a_lone_key_document_whose_controller_lists_it(loader: DocumentLoader) -> None:
    key_url = "https://keys.example/ed25519/1"
    lone = {"id": key_url, "type": "Multikey", "controller": ISSUER, **_multikey()}
    issuer_doc = {"id": ISSUER, "assertionMethod": [key_url]}
    documents = KeyDocuments({key_url: lone, ISSUER: issuer_doc})
    result = _verify(loader, signed(open_badge(ISSUER), SIGNER, key_url, loader), documents)
    assert result.verified, result.as_json()
    assert documents.fetched == [key_url, ISSUER]


def test_a_lone_key_document_its_controller_does_not_list_is_refused() -> None:
    key_url = "https://keys.example/ed25519/1"
    lone = {"id": key_url, "type": "Multikey", "controller": ISSUER, **_multikey()}
    resolver = DidResolver(
        fetch_key_document=KeyDocuments({key_url: lone, ISSUER: {"id": ISSUER, "assertionMethod": []}})
    )
    with pytest.raises(KeyResolutionError) as caught:
        resolver.resolve(key_url)
    assert caught.value.code == "NOT_AUTHORIZED"
    # A controller document that is someone else's does not vouch for it either.
    impostor = {"id": "https://elsewhere.example/", "assertionMethod": [key_url]}
    resolver = DidResolver(fetch_key_document=KeyDocuments({key_url: lone, ISSUER: impostor}))
    with pytest.raises(KeyResolutionError) as caught:
        resolver.resolve(key_url)
    assert caught.value.code == "CONTROLLER_MISMATCH"


def test_the_keys_controller_must_be_the_issuer(loader: DocumentLoader) -> None:
    """A key correctly published by another controller signs nothing for this issuer."""
    other = "https://other.example/issuers/1"
    documents = KeyDocuments({other: controller_document(other, {"key-1": _multikey()})})
    result = _verify(loader, signed(open_badge(ISSUER), SIGNER, f"{other}#key-1", loader), documents)
    assert not result.verified
    assert _outcomes(result)["proof"] == "passed"
    issuer = result.check("issuer")
    assert issuer is not None and issuer.type == problem_type("issuer-mismatch")


@pytest.mark.parametrize(
    ("document", "code"),
    [
        # Not listed under assertionMethod (only under verificationMethod).
        (controller_document(ISSUER, {"key-1": {"type": "Multikey"}}, listed=[]), "NOT_AUTHORIZED"),
        # The document at the URL claims another id.
        ({**controller_document(ISSUER, {"key-1": {}}), "id": "https://evil.example/"}, "DOCUMENT_MISMATCH"),
        # The method names another controller than the document (Controlled Identifiers §3.3 step 7).
        (
            {
                "id": ISSUER,
                "verificationMethod": [
                    {"id": f"{ISSUER}#key-1", "type": "Multikey", "controller": "https://evil.example/"}
                ],
                "assertionMethod": [f"{ISSUER}#key-1"],
            },
            "CONTROLLER_MISMATCH",
        ),
        # No such method in the document.
        (controller_document(ISSUER, {"key-2": {"type": "Multikey"}}, listed=["key-2"]), "NOT_AUTHORIZED"),
        # A type we do not read.
        (
            controller_document(ISSUER, {"key-1": {"type": "EcdsaSecp256k1VerificationKey2019"}}),
            "UNSUPPORTED_KEY",
        ),
        # A private key published by mistake is refused, never used.
        (
            controller_document(
                ISSUER,
                {"key-1": {"type": "JsonWebKey", "publicKeyJwk": {**SIGNER.public_key().jwk(), "d": "AA"}}},
            ),
            "INVALID_KEY",
        ),
    ],
    ids=["not-assertion-method", "document-id", "method-controller", "missing", "unsupported", "private-jwk"],
)
def test_refused_key_documents(document: dict[str, Any], code: str) -> None:
    resolver = DidResolver(fetch_key_document=KeyDocuments({ISSUER: document}))
    with pytest.raises(KeyResolutionError) as caught:
        resolver.resolve(f"{ISSUER}#key-1")
    assert caught.value.code == code


def test_unreachable_or_not_fetched(loader: DocumentLoader) -> None:
    credential = signed(open_badge(ISSUER), SIGNER, f"{ISSUER}#key-1", loader)
    result = _verify(loader, credential, KeyDocuments({}))
    assert not result.verified and _outcomes(result)["proof"] == "failed"
    with pytest.raises(KeyResolutionError) as caught:
        DidResolver().resolve(f"{ISSUER}#key-1")
    assert caught.value.code == "RESOLUTION_DISABLED"


@pytest.mark.parametrize(
    ("method", "code"),
    [
        ("xxx:z6MkrvfzkMnvCroEUP2DVc9SHPE48CRsvHiVSusHioxTYu1x", "UNSUPPORTED_SCHEME"),
        ("urn:uuid:4ca4a241-fc3b-4d92-978e-f56fa96ae795#z6Mk", "UNSUPPORTED_SCHEME"),
        ("did:example:123#key-1", "UNSUPPORTED_DID_METHOD"),
    ],
)
def test_what_cannot_be_dereferenced(method: str, code: str) -> None:
    with pytest.raises(KeyResolutionError) as caught:
        DidResolver(fetch_key_document=KeyDocuments({})).resolve(method)
    assert caught.value.code == code


def test_a_vc_jwt_whose_kid_is_the_https_url_of_its_key(loader: DocumentLoader) -> None:
    """OB 3.0 §8.3 for VC-JWT: a ``kid`` that is an https URL is dereferenced like a Data Integrity
    verification method, and the key's controller must be the issuer."""
    documents = KeyDocuments({ISSUER: controller_document(ISSUER, {"key-1": _multikey()})})
    token = encode_ob_vc_jwt(open_badge(ISSUER), key=SIGNER, kid=f"{ISSUER}#key-1")
    result = _verify(loader, token, documents)
    assert result.verified, result.as_json()
    assert _outcomes(result)["proof"] == "passed" and _outcomes(result)["issuer"] == "passed"
    assert documents.fetched == [ISSUER]

    # Signed by another key under the same name: the signature check fails, it is not attributed.
    forged = encode_ob_vc_jwt(open_badge(ISSUER), key=OTHER, kid=f"{ISSUER}#key-1")
    result = _verify(loader, forged, documents)
    assert not result.verified
    assert {c.id: c.type for c in result.checks if c.outcome == "failed"} == {
        "proof": problem_type("invalid-proof")
    }

    # The key document of someone else: the controller is not the issuer.
    elsewhere = "https://elsewhere.example/keys"
    documents = KeyDocuments({elsewhere: controller_document(elsewhere, {"key-1": _multikey()})})
    result = _verify(
        loader, encode_ob_vc_jwt(open_badge(ISSUER), key=SIGNER, kid=f"{elsewhere}#key-1"), documents
    )
    assert not result.verified and _outcomes(result)["issuer"] == "failed"
