"""Issue 12 item 5: P-384 keys through the API: created with ``{"type": "P-384"}``, published as Multikey
(multicodec p384-pub 0x1201) in did:key and did:web DID documents and as ``crv: P-384`` in the JWKS, and
signing ``ecdsa-rdfc-2019`` (SHA-384) on the VC-API and our own API; on SQLite and PostgreSQL."""

from __future__ import annotations

from typing import Any

from app.errors import problem_type
from app.testing import SyncClient
from proofs.data_integrity import verify_proof
from proofs.jsonld import bundled_loader
from proofs.keys import KeyAlgorithm, PublicKey
from proofs.multibase import multibase_decode
from tests.app.helpers import create_template, did_keys, issue
from tests.conftest import ADMIN, bearer, make_tenant, new_slug, tenant_body

LOADER = bundled_loader()
_P384_PUB = b"\x81\x24"  # varint(0x1201): the multicodec p384-pub that prefixes a P-384 Multikey


def _p384_public(key_out: dict[str, Any]) -> PublicKey:
    """The created key as the API shows it, checked to be one P-384 key in both encodings."""
    assert key_out["type"] == "P-384"
    assert multibase_decode(key_out["publicKeyMultibase"])[:2] == _P384_PUB
    public = PublicKey.from_multikey(key_out["publicKeyMultibase"])
    assert public.algorithm is KeyAlgorithm.P384
    jwk = key_out["publicKeyJwk"]
    assert jwk["kty"] == "EC" and jwk["crv"] == "P-384" and "d" not in jwk
    assert PublicKey.from_jwk(jwk) == public
    return public


def _did_key_issuer(client: SyncClient) -> tuple[str, str, str]:
    """A did:key issuer with one P-384 key, as the W3C runner makes it: (slug, token, did)."""
    slug = new_slug("p384")
    r = client.post(
        "/v1/issuers", json=tenant_body(slug, did_method="key", suspension_enabled=True), headers=ADMIN
    )
    assert r.status_code == 201, r.text
    r = client.post(f"/v1/issuers/{slug}/keys", json={"type": "P-384"}, headers=ADMIN)
    assert r.status_code == 201, r.text
    public = _p384_public(r.json())
    r = client.post(
        f"/v1/issuers/{slug}/tokens", json={"scopes": ["issue", "revoke", "read", "admin"]}, headers=ADMIN
    )
    assert r.status_code == 201, r.text
    token = r.json()["token"]
    did = client.get(f"/v1/issuers/{slug}", headers=ADMIN).json()["did"]
    assert did == public.did_key() and did.startswith("did:key:z82L")
    return slug, token, did


def _verify(client: SyncClient, credential: Any) -> dict[str, Any]:
    r = client.post("/v1/verify", json={"credential": credential})
    assert r.status_code == 200, r.text
    return dict(r.json())


def test_p384_key_on_did_web_is_published_as_multikey_and_jwk(client: SyncClient) -> None:
    slug, _token = make_tenant(client)
    r = client.post(f"/v1/issuers/{slug}/keys", json={"type": "P-384"}, headers=ADMIN)
    assert r.status_code == 201, r.text
    created = r.json()
    public = _p384_public(created)

    doc = client.get(f"/issuers/{slug}/did.json").json()
    method = next(m for m in doc["verificationMethod"] if m["id"] == created["verification_method"])
    assert method["type"] == "Multikey" and method["controller"] == doc["id"]
    assert method["publicKeyMultibase"] == created["publicKeyMultibase"]
    assert method["id"] in doc["assertionMethod"] and method["id"] in doc["authentication"]
    assert did_keys(client, slug)[method["id"]] == public

    jwks = client.get(f"/issuers/{slug}/jwks.json").json()["keys"]
    (jwk,) = [k for k in jwks if k["kid"] == created["verification_method"]]
    assert jwk["crv"] == "P-384" and jwk["alg"] == "ES384" and PublicKey.from_jwk(jwk) == public

    # One active key per type: a second P-384 key is a conflict; rotation keeps the old one published.
    r = client.post(f"/v1/issuers/{slug}/keys", json={"type": "P-384"}, headers=ADMIN)
    assert r.status_code == 409 and r.json()["type"] == problem_type("active-key-exists")
    r = client.post(f"/v1/issuers/{slug}/keys/rotate", json={"type": "P-384"}, headers=ADMIN)
    assert r.status_code == 201, r.text
    rotated = r.json()
    _p384_public(rotated)
    published = {m["id"] for m in client.get(f"/issuers/{slug}/did.json").json()["verificationMethod"]}
    assert {created["verification_method"], rotated["verification_method"]} <= published


def test_unknown_key_types_are_refused(client: SyncClient) -> None:
    slug, _token = make_tenant(client)
    for kind in ("P-521", "p-384", "secp384r1", "RSA", ""):
        r = client.post(f"/v1/issuers/{slug}/keys", json={"type": kind}, headers=ADMIN)
        assert r.status_code == 422, (kind, r.text)
        assert r.json()["type"] == problem_type("validation-error")
    assert {k["type"] for k in client.get(f"/v1/issuers/{slug}/keys", headers=ADMIN).json()} == {"Ed25519"}


def test_vc_api_issues_ecdsa_rdfc_2019_with_a_p384_did_key(client: SyncClient) -> None:
    """What the W3C runner's P-384 issuer sends: ``options.cryptosuite: ecdsa-rdfc-2019``."""
    _slug, token, did = _did_key_issuer(client)
    credential = {
        "@context": ["https://www.w3.org/ns/credentials/v2", "https://www.w3.org/ns/credentials/examples/v2"],
        "type": ["VerifiableCredential", "AlumniCredential"],
        "issuer": did,
        "credentialSubject": {"id": "did:example:abcdefgh", "alumniOf": "The School of Examples"},
    }
    for options in ({"cryptosuite": "ecdsa-rdfc-2019"}, {}):
        r = client.post(
            "/credentials/issue", json={"credential": credential, "options": options}, headers=bearer(token)
        )
        assert r.status_code == 201, (options, r.text)
        vc = r.json()["verifiableCredential"]
        proof = vc["proof"]
        assert proof["type"] == "DataIntegrityProof" and proof["cryptosuite"] == "ecdsa-rdfc-2019"
        assert proof["verificationMethod"].startswith(did + "#")
        assert len(multibase_decode(proof["proofValue"])) == 96  # P-384 r‖s
        key = PublicKey.from_did_key(proof["verificationMethod"])
        assert key.algorithm is KeyAlgorithm.P384
        verify_proof(vc, proof=proof, public_key=key, loader=LOADER)
        result = _verify(client, vc)  # the status lists are published signed with the P-384 key too
        assert result["verified"], result
        outcomes = {c["id"]: c["outcome"] for c in result["checks"]}
        assert outcomes["proof"] == outcomes["issuer"] == outcomes["status"] == "passed", outcomes

    # eddsa needs an Ed25519 key this issuer does not have: a conflict it can fix, nothing signed.
    r = client.post(
        "/credentials/issue",
        json={"credential": credential, "options": {"cryptosuite": "eddsa-rdfc-2022"}},
        headers=bearer(token),
    )
    assert r.status_code == 409 and r.json()["type"] == problem_type("signing-key-missing")


def test_native_issuance_prefers_p256_and_falls_back_to_p384(client: SyncClient) -> None:
    slug, token = make_tenant(client)
    template_id = create_template(client, slug, token)
    r = client.post(f"/v1/issuers/{slug}/keys", json={"type": "P-384"}, headers=ADMIN)
    assert r.status_code == 201, r.text
    p384_method = r.json()["verification_method"]

    vc = issue(client, slug, token, template_id, formats=["ldp_vc:ecdsa-rdfc-2019"])["credentials"][
        "ldp_vc:ecdsa-rdfc-2019"
    ]
    assert vc["proof"]["verificationMethod"] == p384_method
    keys = did_keys(client, slug)
    verify_proof(vc, proof=vc["proof"], public_key=keys[p384_method], loader=LOADER)
    assert _verify(client, vc)["verified"]

    # With a P-256 key too, ecdsa-rdfc-2019 signs with it (the P-384 key stays a fallback).
    r = client.post(f"/v1/issuers/{slug}/keys", json={"type": "P-256"}, headers=ADMIN)
    assert r.status_code == 201, r.text
    p256_method = r.json()["verification_method"]
    vc = issue(client, slug, token, template_id, formats=["ldp_vc:ecdsa-rdfc-2019"])["credentials"][
        "ldp_vc:ecdsa-rdfc-2019"
    ]
    assert vc["proof"]["verificationMethod"] == p256_method
    assert len(multibase_decode(vc["proof"]["proofValue"])) == 64
    assert _verify(client, vc)["verified"]
