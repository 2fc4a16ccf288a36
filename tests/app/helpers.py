"""Shared test data for the issuance and status API tests: a course template built from the design's
example micro-credential (with the OB Assessment Extension terms left out: that context is not bundled)."""

from __future__ import annotations

import copy
import json
import secrets
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any
from urllib.parse import urlsplit

import httpx

from app.http_client import GuardedClient
from app.state import app_state
from app.testing import SyncClient
from issuer.wallet.dpop import access_token_hash
from proofs.keys import PrivateKey, PublicKey
from proofs.vc_jwt import sign_jws
from tests.conftest import ADMIN, bearer, make_tenant
from tests.paths import DATA

EXAMPLE = DATA / "example-admal-agk.json"


def example_achievement() -> dict[str, Any]:
    """The example's Achievement, with a plain OB 3.0 ResultDescription."""
    achievement: dict[str, Any] = copy.deepcopy(
        json.loads(EXAMPLE.read_text())["credentialSubject"]["achievement"]
    )
    for key in ("id", "type", "version"):
        achievement.pop(key, None)
    achievement["resultDescription"] = [
        {
            "id": "urn:uuid:0b7e3a52-8d1c-4f6a-9e2b-5c4d3a2b1f00",
            "type": ["ResultDescription"],
            "name": "Final grade",
            "resultType": "LetterGrade",
            "allowedValue": ["F", "D", "C", "B", "A"],
            "requiredValue": "C",
        }
    ]
    return achievement


def template_body(profiles: list[str] | None = None, **changes: Any) -> dict[str, Any]:
    achievement = example_achievement()
    achievement.update(changes)
    return {"achievement": achievement, "profiles": profiles or ["ob3-minimal"]}


def create_template(client: SyncClient, slug: str, token: str, **kwargs: Any) -> str:
    r = client.post(f"/v1/issuers/{slug}/achievements", json=template_body(**kwargs), headers=bearer(token))
    assert r.status_code == 201, r.text
    return str(r.json()["id"])


def issue(client: SyncClient, slug: str, token: str, template_id: str, **extra: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "achievement_id": template_id,
        "recipient": {"email": "Learner@Example.org", "given_name": "Aiko", "family_name": "Tanaka"},
        "result": [
            {
                "type": ["Result"],
                "value": "A",
                "resultDescription": "urn:uuid:0b7e3a52-8d1c-4f6a-9e2b-5c4d3a2b1f00",
            }
        ],
    }
    body.update(extra)
    r = client.post(f"/v1/issuers/{slug}/credentials", json=body, headers=bearer(token))
    assert r.status_code == 201, r.text
    return dict(r.json())


def offering_tenant(client: SyncClient) -> tuple[str, str, str]:
    """A new issuer with a P-256 key and one issued credential: (slug, issuer token, credential id)."""
    slug, token = make_tenant(client)
    assert client.post(f"/v1/issuers/{slug}/keys", json={"type": "P-256"}, headers=ADMIN).status_code == 201
    credential_id = str(issue(client, slug, token, create_template(client, slug, token))["credential_id"])
    return slug, token, credential_id


def offer_credential(
    client: SyncClient, tenant: tuple[str, str, str], *, tx_code: bool
) -> tuple[dict[str, Any], dict[str, Any]]:
    """An OpenID4VCI offer (ldp_vc, jwt_vc_json) of ``offering_tenant``'s credential: the API's answer and
    the offer document its ``credential_offer_uri`` serves."""
    slug, token, credential_id = tenant
    r = client.post(
        f"/v1/issuers/{slug}/credentials/{credential_id}/offers",
        json={"formats": ["ldp_vc", "jwt_vc_json"], "tx_code": tx_code},
        headers=bearer(token),
    )
    assert r.status_code == 201, r.text
    document = client.get(urlsplit(r.json()["credential_offer_uri"]).path).json()
    return r.json(), document


def did_keys(client: SyncClient, slug: str) -> dict[str, PublicKey]:
    """Verification method id -> public key, from the tenant's published DID document."""
    doc = client.get(f"/issuers/{slug}/did.json").json()
    return {vm["id"]: PublicKey.from_multikey(vm["publicKeyMultibase"]) for vm in doc["verificationMethod"]}


@contextmanager
def mocked_http(client: SyncClient, handler: Callable[[httpx.Request], httpx.Response]) -> Iterator[None]:
    """The service's guarded outbound client answers from ``handler`` (no network) for the block."""
    state = app_state(client.app)
    original = state.http
    state.http = GuardedClient(
        timeout=5, max_bytes=1_000_000, allow_private=True, transport=httpx.MockTransport(handler)
    )
    try:
        yield
    finally:
        state.http = original


def key_proof(
    key: PrivateKey,
    *,
    aud: str,
    nonce: str | None,
    iat: float | None = None,
    key_attestation: str | None = None,
) -> str:
    """An OpenID4VCI ``jwt`` key proof (typ openid4vci-proof+jwt, the holder's jwk in the header)."""
    header: dict[str, Any] = {
        "alg": key.algorithm.jws_alg,
        "typ": "openid4vci-proof+jwt",
        "jwk": key.public_key().jwk(),
    }
    if key_attestation is not None:
        header["key_attestation"] = key_attestation
    payload: dict[str, Any] = {"aud": aud, "iat": int(iat if iat is not None else time.time())}
    if nonce is not None:
        payload["nonce"] = nonce
    return sign_jws(header, payload, key=key)


def dpop_proof(
    key: PrivateKey,
    htu: str,
    *,
    access_token: str | None = None,
    htm: str = "POST",
    jti: str | None = None,
    iat: int | None = None,
) -> str:
    """A DPoP proof JWT (RFC 9449 §4.2) for ``htm htu``, with ``ath`` when an access token is given."""
    header = {"typ": "dpop+jwt", "alg": key.algorithm.jws_alg, "jwk": key.public_key().jwk()}
    payload: dict[str, Any] = {
        "jti": jti or secrets.token_urlsafe(16),
        "htm": htm,
        "htu": htu,
        "iat": iat if iat is not None else int(time.time()),
    }
    if access_token is not None:
        payload["ath"] = access_token_hash(access_token)
    return sign_jws(header, payload, key=key)
