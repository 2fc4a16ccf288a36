"""Issue 19: the x5c of what we sign for wallets carries the leaf only (HAIP: the trust anchor is not
sent), and still chains to the configured anchor; the Status List Token carries ``exp`` and ``ttl``
(IETF Token Status List §5.1) tied to how it is published and refreshed."""

from __future__ import annotations

import base64
import datetime as dt
import time
from typing import Any
from urllib.parse import urlsplit

from cryptography import x509

from app.state import app_state
from app.status.publish import published_list
from app.status.token_status_list import TOKEN_VALIDITY
from app.tenants import service as tenants
from app.testing import SyncClient
from proofs.sd_jwt import parse_compact_jwt, parse_sd_jwt
from proofs.token_status_list import get_status
from proofs.x509 import split_pem_chain, verify_chain
from tests.app.helpers import create_template, issue
from tests.conftest import ADMIN, bearer, make_tenant


def _sd_jwt_tenant(client: SyncClient) -> tuple[str, str, dict[str, Any]]:
    slug, token = make_tenant(client)
    assert client.post(f"/v1/issuers/{slug}/keys", json={"type": "P-256"}, headers=ADMIN).status_code == 201
    out = issue(client, slug, token, create_template(client, slug, token), formats=["ldp_vc", "dc+sd-jwt"])
    return slug, token, out


def _leaf_only(x5c: list[str], anchors: list[bytes]) -> None:
    """One certificate, an end entity issued by (not equal to) the trust anchor."""
    assert len(x5c) == 1
    leaf = x509.load_der_x509_certificate(base64.b64decode(x5c[0]))
    assert leaf.issuer != leaf.subject
    assert base64.b64decode(x5c[0]) not in anchors
    verify_chain(x5c, anchors, dt.datetime.now(dt.UTC))  # chains to the anchor the relying party holds


def test_x5c_carries_no_trust_anchor_and_our_verifier_still_chains_it(client: SyncClient) -> None:
    anchors = split_pem_chain(client.get("/ca.pem").text)
    slug, _token, out = _sd_jwt_tenant(client)
    sd_jwt = out["credentials"]["dc+sd-jwt"]
    header = parse_sd_jwt(sd_jwt).issuer_jwt.header
    _leaf_only(header["x5c"], anchors)
    # The Status List Token the credential references, and the signed issuer metadata.
    uri = parse_sd_jwt(sd_jwt).issuer_jwt.payload["status"]["status_list"]["uri"]
    tsl = parse_compact_jwt(client.get(urlsplit(uri).path).text, typs={"statuslist+jwt"})
    _leaf_only(tsl.header["x5c"], anchors)
    signed = client.get(
        f"/.well-known/openid-credential-issuer/issuers/{slug}", headers={"Accept": "application/jwt"}
    )
    _leaf_only(parse_compact_jwt(signed.text, typs={"openidvci-issuer-metadata+jwt"}).header["x5c"], anchors)
    # Our verifier chains the leaf to the configured anchor (the service's CA) and checks the status.
    result = client.post("/v1/verify", json={"credential": sd_jwt}).json()
    assert result["verified"] and result["format"] == "dc+sd-jwt", result
    outcomes = {c["id"]: c["outcome"] for c in result["checks"]}
    assert outcomes["proof"] == "passed" and outcomes["status"] == "passed", outcomes


def test_status_list_token_exp_and_ttl(client: SyncClient) -> None:
    slug, token, out = _sd_jwt_tenant(client)
    reference = parse_sd_jwt(out["credentials"]["dc+sd-jwt"]).issuer_jwt.payload["status"]["status_list"]
    path = urlsplit(reference["uri"]).path
    served = client.get(path)
    payload = parse_compact_jwt(served.text, typs={"statuslist+jwt"}).payload
    state = app_state(client.app)
    max_age = state.settings.status_list_max_age_seconds
    # ttl = the cache age the list is served with; exp = a day after it was signed.
    assert payload["ttl"] == max_age == 300
    assert served.headers["cache-control"] == f"public, max-age={max_age}"
    assert payload["exp"] - payload["iat"] == int(TOKEN_VALIDITY.total_seconds()) == 86400
    assert payload["exp"] > time.time() + payload["ttl"]
    assert client.get(path).text == served.text  # signed once, served from the cache

    # Refreshed once half its validity has passed, though the list did not change; not before.
    sequence = int(path.rstrip("/").split("/")[-2])
    with state.sessionmaker() as session, session.begin():
        tenant = tenants.get_by_slug(session, slug)

        def at(now: dt.datetime) -> str:
            return published_list(
                session,
                state.settings,
                state.custody,
                state.loader,
                tenant,
                sequence=sequence,
                purpose="tsl",
                jwt=True,
                ca=state.ca,
                now=now,
            ).content

        signed = dt.datetime.fromtimestamp(payload["iat"], dt.UTC)
        assert at(signed + dt.timedelta(hours=11)) == served.text
        later = signed + dt.timedelta(hours=13)
        refreshed = parse_compact_jwt(at(later), typs={"statuslist+jwt"}).payload
        assert refreshed["iat"] == int(later.timestamp())
        assert refreshed["exp"] == int((later + TOKEN_VALIDITY).timestamp())
        assert refreshed["status_list"] == payload["status_list"]
        assert at(later + dt.timedelta(hours=1)) != served.text  # the refreshed token is now cached

    # A status change re-signs at once (the version changed).
    r = client.post(
        f"/v1/issuers/{slug}/credentials/{out['credential_id']}/status",
        json={"action": "revoke", "reason": "issued_in_error"},
        headers=bearer(token),
    )
    assert r.status_code == 200
    changed = parse_compact_jwt(client.get(path).text, typs={"statuslist+jwt"}).payload
    assert get_status(changed["status_list"], reference["idx"]) == 1
    assert changed["exp"] - changed["iat"] == 86400 and changed["ttl"] == 300
