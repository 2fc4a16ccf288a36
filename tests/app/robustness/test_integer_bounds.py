"""Issue 14, 5xx found: integers beyond the database's integer columns, in query and path parameters,
are a 422 problem on SQLite and PostgreSQL (never an overflow in the driver), and the bounds are in the
OpenAPI document; the largest value in range is still an ordinary request."""

from __future__ import annotations

from typing import Any

import pytest

from app.testing import SyncClient
from schemas.api import INT32_MAX, INT64_MAX
from tests.app.robustness.common import Issuer, assert_problem, make_issuer
from tests.conftest import ADMIN


@pytest.fixture(scope="module")
def issuer(client: SyncClient) -> Issuer:
    return make_issuer(client)


@pytest.mark.parametrize("beyond", [INT64_MAX + 1, 2**64, 10**30])
def test_beyond_64_bits_is_a_validation_problem(client: SyncClient, issuer: Issuer, beyond: int) -> None:
    slug, template = issuer.slug, issuer.template_id
    for url, headers in [
        (f"/v1/issuers/{slug}/audit?after={beyond}", issuer.auth),
        (f"/v1/audit?after={beyond}", ADMIN),
        (f"/v1/issuers/{slug}/achievements/{template}?version={beyond}", issuer.auth),
        (f"/v1/issuers/{slug}/credentials?offset={beyond}", issuer.auth),
        (f"/status/{slug}/{beyond}/revocation", {}),  # public: no token needed
    ]:
        assert_problem(client.get(url, headers=headers), 422, "validation-error")


def test_32_bit_columns_are_bounded_at_their_range(client: SyncClient, issuer: Issuer) -> None:
    slug, template = issuer.slug, issuer.template_id
    version = f"/v1/issuers/{slug}/achievements/{template}?version="
    assert_problem(client.get(f"{version}{INT32_MAX + 1}", headers=issuer.auth), 422, "validation-error")
    assert_problem(client.get(f"{version}{INT32_MAX}", headers=issuer.auth), 404, "achievement-not-found")
    assert client.get(f"{version}1", headers=issuer.auth).status_code == 200
    assert_problem(client.get(f"/status/{slug}/{INT32_MAX + 1}/revocation"), 422, "validation-error")
    assert_problem(client.get(f"/status/{slug}/{INT32_MAX}/revocation"), 404, "status-list-not-found")
    assert_problem(client.get(f"/status/{slug}/0/revocation"), 422, "validation-error")


def test_the_largest_64_bit_value_is_an_ordinary_request(client: SyncClient, issuer: Issuer) -> None:
    r = client.get(f"/v1/issuers/{issuer.slug}/audit?after={INT64_MAX}", headers=issuer.auth)
    assert r.status_code == 200 and r.json() == []
    assert client.get(f"/v1/audit?after={INT64_MAX}", headers=ADMIN).json() == []
    r = client.get(f"/v1/issuers/{issuer.slug}/credentials?offset={INT64_MAX}", headers=issuer.auth)
    assert r.status_code == 200 and r.json() == {"items": [], "next_offset": None}


def test_the_bounds_are_in_the_openapi_document(client: SyncClient) -> None:
    paths = client.get("/openapi.json").json()["paths"]

    def schema(path: str, name: str) -> dict[str, Any]:
        (parameter,) = [p for p in paths[path]["get"]["parameters"] if p["name"] == name]
        found: dict[str, Any] = parameter["schema"]
        first: dict[str, Any] = found.get("anyOf", [found])[0]  # int | None: the integer
        return first

    assert schema("/v1/audit", "after")["maximum"] == INT64_MAX
    assert schema("/v1/issuers/{slug}/audit", "after")["maximum"] == INT64_MAX
    assert schema("/v1/issuers/{slug}/credentials", "offset")["maximum"] == INT64_MAX
    assert schema("/v1/issuers/{slug}/achievements/{template_id}", "version")["maximum"] == INT32_MAX
    sequence = schema("/status/{slug}/{sequence}/{purpose}", "sequence")
    assert (sequence["minimum"], sequence["maximum"]) == (1, INT32_MAX)
