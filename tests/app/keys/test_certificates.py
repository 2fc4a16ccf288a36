"""Issue 6: an institution's own certificate chain for SD-JWT VC (production), instead of the dev CA."""

from __future__ import annotations

import base64
import datetime as dt
import json
from pathlib import Path

from app.errors import problem_type
from app.main import create_app
from app.testing import BASE_URL, SyncClient
from proofs.keys import KeyAlgorithm, PrivateKey, PublicKey
from proofs.multibase import b64url_decode
from proofs.x509 import issue_leaf, make_ca, pem_chain
from tests.app.helpers import create_template, issue
from tests.conftest import ADMIN, make_settings, make_tenant

NOW = dt.datetime.now(dt.UTC)


def _root() -> tuple[PrivateKey, bytes]:
    key = PrivateKey.generate(KeyAlgorithm.P256)
    return key, make_ca(
        "Example University Root",
        key,
        not_before=NOW - dt.timedelta(days=1),
        not_after=NOW + dt.timedelta(days=365),
    )


def _leaf(root: tuple[PrivateKey, bytes], subject: PublicKey, slug: str) -> bytes:
    return issue_leaf(
        root[0],
        root[1],
        subject,
        subject_name="Example University",
        san_uri=f"{BASE_URL}/issuers/{slug}",
        not_before=NOW - dt.timedelta(days=1),
        not_after=NOW + dt.timedelta(days=90),
    )


def test_imported_chain_signs_and_verifies_against_its_anchor(
    client: SyncClient, database_url: str, tmp_path: Path
) -> None:
    slug, token = make_tenant(client)
    p256 = client.post(f"/v1/issuers/{slug}/keys", json={"type": "P-256"}, headers=ADMIN).json()
    ed25519 = next(
        k for k in client.get(f"/v1/issuers/{slug}/keys", headers=ADMIN).json() if k["type"] == "Ed25519"
    )
    root = _root()
    leaf = _leaf(root, PublicKey.from_jwk(p256["publicKeyJwk"]), slug)
    url = f"/v1/issuers/{slug}/keys/{p256['id']}/certificate"

    # Refused: garbage, a certificate for another key, a chain without its root, an Ed25519 key.
    r = client.put(
        url,
        json={"pem": "-----BEGIN CERTIFICATE-----\nnot base64!\n-----END CERTIFICATE-----\n"},
        headers=ADMIN,
    )
    assert r.status_code == 422 and r.json()["type"] == problem_type("invalid-certificate")
    other = _leaf(root, PrivateKey.generate(KeyAlgorithm.P256).public_key(), slug)
    r = client.put(url, json={"pem": pem_chain(other, root[1])}, headers=ADMIN)
    assert r.status_code == 422 and r.json()["type"] == problem_type("certificate-key-mismatch")
    r = client.put(url, json={"pem": pem_chain(leaf)}, headers=ADMIN)
    assert r.status_code == 422 and r.json()["type"] == problem_type("invalid-certificate")
    # A leaf naming the host alone (or another issuer) would sign SD-JWT VCs no verifier attributes to
    # this issuer (SD-JWT VC §3.5: an https iss matches a URI subjectAltName only): refused at import.
    for san in (f"{BASE_URL}/issuers/someone-else", None):
        misnamed = issue_leaf(
            root[0],
            root[1],
            PublicKey.from_jwk(p256["publicKeyJwk"]),
            subject_name="Example University",
            san_uri=san,
            san_dns="127.0.0.1" if san is None else None,
            not_before=NOW - dt.timedelta(days=1),
            not_after=NOW + dt.timedelta(days=90),
        )
        r = client.put(url, json={"pem": pem_chain(misnamed, root[1])}, headers=ADMIN)
        assert r.status_code == 422 and r.json()["type"] == problem_type("certificate-names-another-issuer")
    r = client.put(
        f"/v1/issuers/{slug}/keys/{ed25519['id']}/certificate",
        json={"pem": pem_chain(leaf, root[1])},
        headers=ADMIN,
    )
    assert r.status_code == 409 and r.json()["type"] == problem_type("key-not-certifiable")

    r = client.put(url, json={"pem": pem_chain(leaf, root[1])}, headers=ADMIN)
    assert r.status_code == 200 and r.json()["x5c"] == [base64.b64encode(leaf).decode()]

    out = issue(client, slug, token, create_template(client, slug, token), formats=["dc+sd-jwt"])
    sd_jwt = out["credentials"]["dc+sd-jwt"]
    header = json.loads(b64url_decode(sd_jwt.split(".")[0]))
    assert header["x5c"] == [base64.b64encode(leaf).decode()]

    # Without the institution's root as a trust anchor the chain is not trusted; with it, it verifies.
    result = client.post("/v1/verify", json={"credential": sd_jwt}).json()
    assert not result["verified"] and {c["id"]: c["outcome"] for c in result["checks"]}["proof"] == "failed"
    anchors = tmp_path / "anchors.pem"
    anchors.write_text(pem_chain(root[1]))
    trusting = SyncClient(create_app(make_settings(database_url, trust_anchors_file=anchors)))
    try:
        result = trusting.post("/v1/verify", json={"credential": sd_jwt}).json()
        assert result["verified"], result
    finally:
        trusting.close()
