"""The routes that read their body themselves (OpenID4VCI credential and notification requests, ``/v1/verify``)
refuse what cannot be read with a 4xx in their protocol's shape, never a 500: found probing them beside the
Schemathesis run (JSON nested deeper than the parser goes was a RecursionError; an unclosed IPv6 literal in a URL
to verify was urlsplit's ValueError). Both databases (``client``)."""

from __future__ import annotations

import pytest

from app.errors import problem_type
from app.testing import SyncClient
from tests.app.helpers import create_template, issue
from tests.conftest import bearer, make_tenant

TOO_DEEP = b"[" * 5000 + b"]" * 5000
PRE_AUTHORIZED = "urn:ietf:params:oauth:grant-type:pre-authorized_code"


@pytest.fixture(scope="module")
def access(client: SyncClient) -> tuple[str, str]:
    """An issuer's slug and a wallet's access token, from a redeemed pre-authorized offer."""
    slug, token = make_tenant(client)
    credential = issue(client, slug, token, create_template(client, slug, token))
    r = client.post(
        f"/v1/issuers/{slug}/credentials/{credential['credential_id']}/offers",
        json={"formats": ["ldp_vc"], "tx_code": False},
        headers=bearer(token),
    )
    assert r.status_code == 201, r.text
    offer = client.get(f"/offers/{r.json()['id']}").json()
    code = offer["grants"][PRE_AUTHORIZED]["pre-authorized_code"]
    r = client.post(
        f"/issuers/{slug}/oid4vci/token", data={"grant_type": PRE_AUTHORIZED, "pre-authorized_code": code}
    )
    assert r.status_code == 200, r.text
    return slug, str(r.json()["access_token"])


@pytest.mark.parametrize("body", [TOO_DEEP, b'{"proofs": ' + TOO_DEEP + b"}", b"\xff"])
def test_a_credential_request_that_is_not_json_is_an_oauth_error(
    client: SyncClient, access: tuple[str, str], body: bytes
) -> None:
    slug, access_token = access
    r = client.post(
        f"/issuers/{slug}/oid4vci/credential",
        content=body,
        headers={**bearer(access_token), "content-type": "application/json"},
    )
    assert (r.status_code, r.json()["error"]) == (400, "invalid_credential_request"), r.text


@pytest.mark.parametrize("body", [TOO_DEEP, b"\xff"])
def test_a_notification_that_is_not_json_is_an_oauth_error(
    client: SyncClient, access: tuple[str, str], body: bytes
) -> None:
    slug, access_token = access
    r = client.post(
        f"/issuers/{slug}/oid4vci/notification",
        content=body,
        headers={**bearer(access_token), "content-type": "application/json"},
    )
    assert (r.status_code, r.json()["error"]) == (400, "invalid_notification_request"), r.text


@pytest.mark.parametrize(
    ("url", "kind"),
    [
        ("https://[::1", "invalid-url"),  # an unclosed IPv6 literal
        ("http://[zz]/credential", "invalid-url"),  # not an IPv6 address
        ("https://[::1]:99999/x", "fetch-failed"),  # parsed; the port is the fetch's to refuse
    ],
)
def test_a_url_that_cannot_be_parsed_is_a_400(client: SyncClient, url: str, kind: str) -> None:
    r = client.post("/v1/verify", json={"url": url})
    assert r.status_code == 400, r.text
    assert r.headers["content-type"] == "application/problem+json"
    assert r.json()["type"] == problem_type(kind)
