"""An EnvelopedVerifiableCredential whose ``id`` is not a ``data:`` URL is refused (VCDM 2.0 §4.13.1), on
/v1/verify and on the /verify page alike (found by an outside fuzzing round: whatever followed the id's first
comma was verified)."""

from __future__ import annotations

import re
from typing import Any

import pytest

from app.errors import problem_type
from app.testing import SyncClient
from tests.app.helpers import create_template, issue
from tests.conftest import ADMIN, make_tenant

V2 = "https://www.w3.org/ns/credentials/v2"


@pytest.fixture(scope="module")
def issued(client: SyncClient) -> dict[str, Any]:
    slug, token = make_tenant(client)
    assert client.post(f"/v1/issuers/{slug}/keys", json={"type": "P-256"}, headers=ADMIN).status_code == 201
    out = issue(client, slug, token, create_template(client, slug, token), formats=["ldp_vc", "jwt_vc_json"])
    return {"out": out}


def _page_verdict(html: str) -> str:
    """The class of the /verify page's verdict: ``valid`` or ``invalid``."""
    match = re.search(r'class="verdict (\w+)"[^>]*id="verdict"', html)
    assert match, html[:2000]
    return match.group(1)


def test_an_envelope_whose_id_is_no_data_url_is_refused(client: SyncClient, issued: dict[str, Any]) -> None:
    jwt = issued["out"]["credentials"]["jwt_vc_json"]
    genuine = {
        "@context": [V2],
        "type": "EnvelopedVerifiableCredential",
        "id": f"data:application/vc+jwt,{jwt}",
    }
    assert client.post("/v1/verify", json={"credential": genuine}).json()["verified"] is True
    for envelope_id in (f"https://evil.example/,{jwt}", jwt, f"urn:x:data:,{jwt}"):
        r = client.post("/v1/verify", json={"credential": {**genuine, "id": envelope_id}})
        assert r.status_code == 400, (envelope_id, r.text)
        assert r.json()["type"] == problem_type("invalid-enveloped-credential")
    without_context = {k: v for k, v in genuine.items() if k != "@context"}
    r = client.post("/v1/verify", json={"credential": without_context})
    assert r.status_code == 400 and r.json()["type"] == problem_type("invalid-enveloped-credential")
    page = client.post(
        "/verify",
        data={
            "credential": f'{{"@context": ["{V2}"], "type": '
            f'"EnvelopedVerifiableCredential", "id": "https://e.example/,{jwt}"}}'
        },
    )
    assert page.status_code == 400 and _page_verdict(page.text) == "invalid"
