"""Where a key is fetched from is the authority the issuer's identifier names, and no other (an outside fuzzing
round's spoofing finding): a did:web host decodes only its port's colon (did:web §3.2), so ``%40``, ``%3F``,
``%23`` or ``%2F`` cannot move the fetch to another host; and an http(s) key URL or issuer id with userinfo
(``https://victim.example@evil.example/``) names nothing (RFC 9110 §4.2.4: such userinfo is to be treated as
an error, it obscures the authority). Nothing is fetched for either."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from typing import Any

import pytest

from proofs.did import did_web_document_url
from proofs.jsonld import DocumentLoader, bundled_loader
from proofs.keys import KeyAlgorithm
from proofs.sd_jwt import issue_sd_jwt
from proofs.vc_jwt import encode_ob_vc_jwt
from schemas.problems import problem_type
from tests.unit.verifier.builders import NOW, KeyDocuments, controller_document, key, open_badge, signed
from verifier import DidResolver, KeyResolutionError, Verifier
from verifier.sd_jwt_vc import SdJwtVcChecks

SIGNER = key(41)


@pytest.fixture(scope="module")
def loader() -> DocumentLoader:
    return bundled_loader()


@pytest.mark.parametrize(
    ("did", "url"),
    [
        ("did:web:example.com", "https://example.com/.well-known/did.json"),
        ("did:web:w3c-ccg.github.io:user:alice", "https://w3c-ccg.github.io/user/alice/did.json"),
        ("did:web:127.0.0.1%3A8000:issuers:uu", "https://127.0.0.1:8000/issuers/uu/did.json"),
        ("did:web:example.com%3a8443#key-1", "https://example.com:8443/.well-known/did.json"),
        ("did:web:example.com:a%2Fb", "https://example.com/a%2Fb/did.json"),  # kept escaped, not a new level
    ],
)
def test_did_web_document_urls(did: str, url: str) -> None:
    assert did_web_document_url(did) == url


@pytest.mark.parametrize(
    "did",
    [
        "did:web:victim.example%40evil.example",  # userinfo: fetched from evil.example
        "did:web:evil.example%3Fvictim.example",  # a query after the host
        "did:web:evil.example%23victim.example",  # a fragment after the host
        "did:web:evil.example%2Fvictim.example",
        "did:web:victim.example%3A443%40evil.example",
        "did:web:%5B%3A%3A1%5D",  # an IPv6 literal is not a did:web host
        "did:web:example.com%3A",
        "did:web:example.com%3A99999",
        "did:web:example.com%3Aabc",
        "did:web:example..com",
        "did:web:",
        "did:web:example.com:..",
        "did:web:example.com:a?b",
    ],
)
def test_a_did_web_host_that_is_not_host_and_port_is_refused(did: str) -> None:
    with pytest.raises(ValueError):
        did_web_document_url(did)
    fetched: list[str] = []

    def did_web(name: str) -> Mapping[str, Any]:
        fetched.append(name)
        return {}

    resolver = DidResolver(fetch_did_web=did_web)
    with pytest.raises(KeyResolutionError) as caught:
        resolver.resolve(did + "#k")
    assert caught.value.code == "INVALID_DID" and fetched == []


def test_a_credential_of_a_did_web_issuer_with_an_escaped_at_sign_does_not_verify(
    loader: DocumentLoader,
) -> None:
    did = "did:web:victim.example%40evil.example"
    document = controller_document(
        did, {"k": {"type": "Multikey", "publicKeyMultibase": SIGNER.public_key().multikey()}}
    )
    fetched: list[str] = []

    def did_web(name: str) -> Mapping[str, Any]:
        fetched.append(name)
        return document

    verifier = Verifier(loader=loader, resolver=DidResolver(fetch_did_web=did_web), fetch_status_list=None)
    result = verifier.verify(signed(open_badge(did), SIGNER, did + "#k", loader), now=NOW)
    assert not result.verified and fetched == []
    assert {c.id: c.type for c in result.checks if c.outcome == "failed"} == {
        "proof": problem_type("key-not-found")
    }


@pytest.mark.parametrize(
    "issuer",
    [
        "https://victim.example@evil.example/issuers/1",
        "https://victim.example:pw@evil.example/issuers/1",
        "https://@evil.example/issuers/1",
    ],
)
def test_a_key_url_with_userinfo_is_not_fetched(loader: DocumentLoader, issuer: str) -> None:
    multikey = {"type": "Multikey", "publicKeyMultibase": SIGNER.public_key().multikey()}
    documents = KeyDocuments({issuer: controller_document(issuer, {"k1": multikey})})
    with pytest.raises(KeyResolutionError) as caught:
        DidResolver(fetch_key_document=documents).resolve(issuer + "#k1")
    assert caught.value.code == "USERINFO_URL" and documents.fetched == []
    verifier = Verifier(
        loader=loader, resolver=DidResolver(fetch_key_document=documents), fetch_status_list=None
    )
    assert not verifier.verify(signed(open_badge(issuer), SIGNER, issuer + "#k1", loader), now=NOW).verified
    # A lone key document whose controller is such a URL: the controller is not fetched either.
    lone_url = "https://keys.example/k1"
    lone = {"id": lone_url, "controller": issuer, **multikey}
    documents = KeyDocuments({lone_url: lone, issuer: {"id": issuer, "assertionMethod": [lone_url]}})
    with pytest.raises(KeyResolutionError) as caught:
        DidResolver(fetch_key_document=documents).resolve(lone_url)
    assert caught.value.code == "USERINFO_URL" and documents.fetched == [lone_url]


def test_a_vc_jwt_issuer_with_userinfo_has_no_jwk_set(loader: DocumentLoader) -> None:
    """The JWK Set URL was built from the issuer id's netloc, userinfo and all: evil.example's set was read."""
    issuer = "https://victim.example@evil.example/issuers/1"
    fetched: list[str] = []

    def fetch_json(url: str) -> Mapping[str, Any]:
        fetched.append(url)
        return {"keys": [{**SIGNER.public_key().jwk(), "kid": "key-1"}]}

    verifier = Verifier(loader=loader, resolver=DidResolver(), fetch_status_list=None, fetch_json=fetch_json)
    result = verifier.verify(encode_ob_vc_jwt(open_badge(issuer), key=SIGNER, kid="key-1"), now=NOW)
    assert not result.verified and fetched == []
    assert {c.id: c.type for c in result.checks if c.outcome == "failed"} == {
        "proof": problem_type("key-not-found")
    }
    # The same issuer without the userinfo: its JWK Set is read and the key verifies.
    plain = "https://evil.example/issuers/1"
    assert verifier.verify(encode_ob_vc_jwt(open_badge(plain), key=SIGNER, kid="key-1"), now=NOW).verified
    assert fetched == ["https://evil.example/.well-known/jwks.json"]


def test_an_sd_jwt_vc_iss_with_userinfo_is_not_fetched() -> None:
    """Its JWT VC Issuer Metadata was read from the host after the "@", and named that iss as its issuer."""
    iss = "https://victim.example@evil.example"
    p256 = key(42, KeyAlgorithm.P256)
    claims = {"iss": iss, "vct": "urn:example:type", "iat": int(NOW.timestamp()), "given_name": "Aiko"}
    token = issue_sd_jwt(claims, disclosable=["given_name"], key=p256, header={"kid": "k1"})
    fetched: list[str] = []

    def fetch_json(url: str) -> Mapping[str, Any]:
        fetched.append(url)
        return {"issuer": iss, "jwks": {"keys": [{**p256.public_key().jwk(), "kid": "k1"}]}}

    checks = SdJwtVcChecks(
        trust_anchors=[], fetch_json=fetch_json, fetch_text=None, skew=dt.timedelta(minutes=5)
    )
    found, _claims = checks.run(token, now=NOW)
    proof = next(c for c in found if c["id"] == "proof")
    assert (proof["outcome"], proof.get("type")) == (
        "failed",
        problem_type("key-not-found"),
    ) and fetched == []
