"""A request with two Authorization headers is refused, whichever of them is valid (found by an outside
round on tenancy and tokens): the field is no list (RFC 9110 §5.3, §11.6.2), and readers differ on which of
two counts; we took the first, so a valid token followed by another answered 200, and a proxy or a log
that reads the last one sees another caller than the one we served."""

from __future__ import annotations

import pytest

from app.errors import problem_type
from app.testing import SyncClient
from tests.conftest import ADMIN_TOKEN, make_tenant


@pytest.mark.parametrize("order", ["valid-first", "valid-last"])
def test_two_authorization_headers_are_refused(client: SyncClient, order: str) -> None:
    slug, token = make_tenant(client)
    valid, other = f"Bearer {token}", "Bearer shm_not-a-token-0123456789abcdef0123456789"
    pair = [valid, other] if order == "valid-first" else [other, valid]
    headers = [("authorization", value) for value in pair]
    for path in (f"/v1/issuers/{slug}/achievements", "/v1/issuers"):
        r = client.get(path, headers=headers)
        assert r.status_code == 400
        assert r.json()["type"] == problem_type("duplicate-header")
    assert client.get("/v1/issuers", headers={"Authorization": f"Bearer {ADMIN_TOKEN}"}).status_code == 200
    assert client.get(f"/v1/issuers/{slug}/achievements", headers={"Authorization": valid}).status_code == 200
