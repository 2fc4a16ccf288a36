"""Issue 12 item 2, verifier side, through the API: a correctly signed credential that breaks the VC Data
Model fails the ``data-model`` check of ``POST /v1/verify`` (200, ``verified: false``, the problem type),
of the verification page, and of ``POST /presentations/verify`` for the presentation that holds it;
credentials of ours still verify with no ``data-model`` check at all."""

from __future__ import annotations

import json
import re
from typing import Any

import pytest

from app.errors import problem_type
from app.state import app_state
from app.testing import SyncClient
from tests.app.helpers import create_template, issue
from tests.conftest import ADMIN, make_tenant
from tests.unit.verifier.builders import VC_V2, key, signed

SIGNER = key(81)
DID = SIGNER.public_key().did_key()
VM = SIGNER.public_key().did_key_vm()

BROKEN: list[tuple[str, dict[str, Any], str, str]] = [
    (
        "status without type",
        {"credentialStatus": {"id": "https://example.edu/status/1#7"}},
        "vcdm-missing-type",
        "/credentialStatus/type",
    ),
    ("id not a URL", {"id": "https://not-a-url.example/%zz"}, "vcdm-invalid-url", "/id"),
    ("empty subject", {"credentialSubject": [{}]}, "vcdm-invalid-subject", "/credentialSubject/0"),
]


def _credential(client: SyncClient, **changes: Any) -> dict[str, Any]:
    """A credential by a did:key issuer (resolved offline), signed after ``changes``."""
    unsigned: dict[str, Any] = {
        "@context": [VC_V2],
        "id": "urn:uuid:0c6f3f2e-5b8a-4d7e-9f10-2a3b4c5d6e7f",
        "type": ["VerifiableCredential"],
        "issuer": DID,
        "validFrom": "2026-01-01T00:00:00Z",
        "credentialSubject": {"id": "did:example:learner", "name": "Aiko"},
        **changes,
    }
    return signed(unsigned, SIGNER, VM, app_state(client.app).loader)


def _verify(client: SyncClient, credential: Any) -> dict[str, Any]:
    r = client.post("/v1/verify", json={"credential": credential})
    assert r.status_code == 200, r.text
    return dict(r.json())


def _failed(result: dict[str, Any]) -> dict[str, str]:
    return {c["id"]: c["type"] for c in result["checks"] if c["outcome"] == "failed"}


@pytest.mark.parametrize(("label", "changes", "kind", "where"), BROKEN, ids=[case[0] for case in BROKEN])
def test_v1_verify_reports_the_broken_rule(
    client: SyncClient, label: str, changes: dict[str, Any], kind: str, where: str
) -> None:
    assert _verify(client, _credential(client))["verified"]
    result = _verify(client, _credential(client, **changes))
    assert result["verified"] is False
    assert {c["id"]: c["outcome"] for c in result["checks"]}["proof"] == "passed"
    assert _failed(result) == {"data-model": problem_type(kind)}
    [check] = [c for c in result["checks"] if c["id"] == "data-model"]
    assert check["details"]["violations"] == [
        {"type": problem_type(kind), "pointer": where, "detail": check["details"]["violations"][0]["detail"]}
    ]


def test_our_credentials_verify_with_no_data_model_check(client: SyncClient) -> None:
    slug, token = make_tenant(client)
    assert client.post(f"/v1/issuers/{slug}/keys", json={"type": "P-256"}, headers=ADMIN).status_code == 201
    out = issue(client, slug, token, create_template(client, slug, token), formats=["ldp_vc", "jwt_vc_json"])
    for fmt, credential in out["credentials"].items():
        result = _verify(client, credential)
        assert result["verified"], (fmt, result)
        assert "data-model" not in {c["id"] for c in result["checks"]}


def test_the_verification_page_shows_the_broken_credential_invalid(client: SyncClient) -> None:
    def verdict(html: str) -> str:
        match = re.search(r'id="verdict"[^>]*>\s*<h2>([^<]+)</h2>', html)
        assert match, html[:2000]
        return match.group(1).strip()

    page = client.post("/verify", data={"credential": json.dumps(_credential(client))})
    assert verdict(page.text) == "Valid"
    page = client.post("/verify", data={"credential": json.dumps(_credential(client, credentialSubject={}))})
    assert page.status_code == 200 and verdict(page.text) == "Not valid"


def test_a_presentation_holding_a_broken_credential_is_not_verified(client: SyncClient) -> None:
    def present(*credentials: dict[str, Any]) -> Any:
        vp = {
            "@context": [VC_V2],
            "type": ["VerifiablePresentation"],
            "verifiableCredential": list(credentials),
        }
        return client.post("/presentations/verify", json={"presentation": vp})

    r = present(_credential(client))
    assert r.status_code == 200 and r.json()["verified"] is True, r.text
    r = present(_credential(client), _credential(client, id="https://not-a-url.example/%zz"))
    assert r.status_code == 422, r.text
    answer = r.json()
    assert answer["verified"] is False
    assert [c["verified"] for c in answer["credentialResults"]] == [True, False]
    assert {(e["where"], e["type"]) for e in answer["errors"]} == {
        ("verifiableCredential[1]", problem_type("vcdm-invalid-url"))
    }
