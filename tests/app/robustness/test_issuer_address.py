"""Issue 14, 5xx found: ``PATCH /v1/issuers/{slug}`` with ``{"address": null}``. Every issuer has an
address (``TenantCreate`` requires one, the column is NOT NULL): it can be replaced, not removed, so null
is a 422 problem and nothing changes; the OpenAPI document no longer offers null."""

from __future__ import annotations

from app.testing import SyncClient
from tests.app.robustness.common import assert_problem, error_types
from tests.conftest import ADMIN, new_slug, tenant_body


def test_a_null_address_is_refused_and_changes_nothing(client: SyncClient) -> None:
    slug = new_slug()
    assert client.post("/v1/issuers", json=tenant_body(slug), headers=ADMIN).status_code == 201
    before = client.get(f"/v1/issuers/{slug}", headers=ADMIN).json()
    audit = client.get(f"/v1/issuers/{slug}/audit", headers=ADMIN).json()

    body = assert_problem(
        client.patch(f"/v1/issuers/{slug}", json={"address": None}, headers=ADMIN), 422, "validation-error"
    )
    assert error_types(body) == {"value_error"}
    assert client.get(f"/v1/issuers/{slug}", headers=ADMIN).json() == before
    assert client.get(f"/v1/issuers/{slug}/audit", headers=ADMIN).json() == audit

    replaced = {"addressCountryCode": "JP", "addressLocality": "Kyoto"}
    r = client.patch(f"/v1/issuers/{slug}", json={"address": replaced}, headers=ADMIN)
    assert r.status_code == 200 and r.json()["address"] == replaced
    assert r.json()["profile"]["address"]["addressLocality"] == "Kyoto"


def test_the_openapi_document_does_not_offer_null(client: SyncClient) -> None:
    schemas = client.get("/openapi.json").json()["components"]["schemas"]
    assert schemas["TenantUpdate"]["properties"]["address"]["$ref"] == "#/components/schemas/AddressIn"
    assert "anyOf" not in schemas["TenantUpdate"]["properties"]["address"]
