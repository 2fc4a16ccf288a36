"""Found while running the bad-input matrix: a date with a time zone that is no time in UTC
(9999-12-31T23:59:59-12:00 is year 10000 there; 0001-01-01T00:00:00+01:00 is year 0) overflowed where it
was stored or compared: a 500. In an issuance, the credential list's filters and a VC-API credential it is
a problem, and nothing is written; the last second of year 9999 in UTC is still a date."""

from __future__ import annotations

import pytest

from app.testing import SyncClient
from tests.app.robustness.common import Issuer, assert_problem, make_issuer
from tests.conftest import ADMIN

NOT_IN_UTC = ["9999-12-31T23:59:59-12:00", "0001-01-01T00:00:00+01:00"]
FIELDS = ["valid_from", "valid_until", "awarded_date", "activity_start_date", "activity_end_date"]


@pytest.fixture(scope="module")
def issuer(client: SyncClient) -> Issuer:
    return make_issuer(client)


def _issue(client: SyncClient, issuer: Issuer, field: str, value: str) -> int:
    body = {"achievement_id": issuer.template_id, "recipient": {"email": "l@example.org"}, field: value}
    r = client.post(f"/v1/issuers/{issuer.slug}/credentials", json=body, headers=issuer.auth)
    if r.status_code != 201:
        assert_problem(r, 422, "validation-error")
    return r.status_code


@pytest.mark.parametrize("value", NOT_IN_UTC)
@pytest.mark.parametrize("field", FIELDS)
def test_an_issuance_date_that_is_no_time_in_utc(
    client: SyncClient, issuer: Issuer, field: str, value: str
) -> None:
    listed = client.get(f"/v1/issuers/{issuer.slug}/credentials", headers=issuer.auth).json()
    assert _issue(client, issuer, field, value) == 422
    assert client.get(f"/v1/issuers/{issuer.slug}/credentials", headers=issuer.auth).json() == listed


def test_the_last_second_of_9999_is_a_date(client: SyncClient, issuer: Issuer) -> None:
    assert _issue(client, issuer, "valid_until", "9999-12-31T23:59:59Z") == 201
    assert _issue(client, issuer, "awarded_date", "9999-12-31T23:59:59+00:00") == 201


@pytest.mark.parametrize("name", ["issued_after", "issued_before"])
@pytest.mark.parametrize("value", NOT_IN_UTC)
def test_a_list_filter_that_is_no_time_in_utc(
    client: SyncClient, issuer: Issuer, name: str, value: str
) -> None:
    r = client.get(f"/v1/issuers/{issuer.slug}/credentials", params={name: value}, headers=issuer.auth)
    assert_problem(r, 422, "validation-error")
    r = client.get(
        f"/v1/issuers/{issuer.slug}/credentials", params={name: "2026-01-01T00:00:00"}, headers=issuer.auth
    )
    assert_problem(r, 400, "invalid-query")  # a time without a zone, as before


@pytest.mark.parametrize("member", ["validFrom", "validUntil"])
@pytest.mark.parametrize("value", NOT_IN_UTC)
def test_a_vc_api_credential_date_that_is_no_time_in_utc(
    client: SyncClient, issuer: Issuer, member: str, value: str
) -> None:
    did = client.get(f"/v1/issuers/{issuer.slug}", headers=ADMIN).json()["did"]
    credential = {
        "@context": ["https://www.w3.org/ns/credentials/v2"],
        "type": ["VerifiableCredential"],
        "issuer": did,
        "credentialSubject": {"id": "did:example:learner"},
        member: value,
    }
    r = client.post("/credentials/issue", json={"credential": credential}, headers=issuer.auth)
    assert_problem(r, 400, "invalid-credential")
