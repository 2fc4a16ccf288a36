"""Found by the key-lifecycle round: ``POST /credentials/issue`` with ``options.format`` ``jwt_vc_json``
answered 500 (the VC-JWT was read back as JSON, and one without ``validFrom`` had no ``nbf`` to take).
The VC-API issues Data Integrity credentials (its ``options`` choose a cryptosuite; W3C VC-API
"Issue Credential" returns the credential with its proof): another format is a 400 problem, never a 500,
and nothing is stored."""

from __future__ import annotations

import pytest

from app.errors import problem_type
from app.testing import SyncClient
from tests.conftest import ADMIN, bearer, make_tenant

V1 = "https://www.w3.org/2018/credentials/v1"
V2 = "https://www.w3.org/ns/credentials/v2"


@pytest.mark.parametrize(
    "extra",
    [{"@context": [V2]}, {"@context": [V2], "validFrom": "2026-01-01T00:00:00Z"}, {"@context": [V1]}],
    ids=["v2", "v2 with validFrom", "v1.1"],
)
def test_a_format_the_vc_api_cannot_return_is_a_problem(client: SyncClient, extra: dict[str, object]) -> None:
    slug, token = make_tenant(client)
    assert client.post(f"/v1/issuers/{slug}/keys", json={"type": "P-256"}, headers=ADMIN).status_code == 201
    did = client.get(f"/v1/issuers/{slug}", headers=ADMIN).json()["did"]
    listed = client.get(f"/v1/issuers/{slug}/credentials", headers=bearer(token)).json()["items"]
    credential = {
        "type": ["VerifiableCredential"],
        "issuer": did,
        "credentialSubject": {"id": "did:example:subject"},
        **extra,
    }
    r = client.post(
        "/credentials/issue",
        json={"credential": credential, "options": {"format": "jwt_vc_json"}},
        headers=bearer(token),
    )
    assert r.status_code == 400, r.text
    assert r.json()["type"] == problem_type("unsupported-format")
    assert client.get(f"/v1/issuers/{slug}/credentials", headers=bearer(token)).json()["items"] == listed
    # A cryptosuite it offers still issues.
    r = client.post(
        "/credentials/issue",
        json={"credential": credential, "options": {"cryptosuite": "ecdsa-rdfc-2019"}},
        headers=bearer(token),
    )
    assert r.status_code == 201, r.text
