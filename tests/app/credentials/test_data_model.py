"""Issue 12 item 2 on our own issuance: what ``POST /v1/issuers/{slug}/credentials`` builds meets the VC Data
Model (the same validator the VC-API and the verifier use), and a request that would make it break the model
is refused with the rule's problem type before anything is signed or stored; on SQLite and PostgreSQL."""

from __future__ import annotations

from typing import Any

from app.errors import problem_type
from app.testing import SyncClient
from profiles.vcdm import validate_credential
from tests.app.helpers import create_template, issue
from tests.conftest import bearer, make_tenant

RESULT = [
    {"type": ["Result"], "value": "A", "resultDescription": "urn:uuid:0b7e3a52-8d1c-4f6a-9e2b-5c4d3a2b1f00"}
]


def _count(client: SyncClient, slug: str, token: str) -> int:
    return len(client.get(f"/v1/issuers/{slug}/credentials?limit=200", headers=bearer(token)).json()["items"])


def test_what_we_build_meets_the_data_model(client: SyncClient) -> None:
    slug, token = make_tenant(client)
    template = create_template(client, slug, token)
    evidence = [{"id": "https://evidence.example/portfolio/1", "name": "Portfolio"}]
    out = issue(client, slug, token, template, evidence=evidence, valid_until="2030-01-01T00:00:00Z")
    built: dict[str, Any] = out["credentials"]["ldp_vc"]
    assert validate_credential({k: v for k, v in built.items() if k != "proof"}, issuing=True) == []
    assert validate_credential(built) == []


def test_a_request_that_would_break_the_model_is_refused(client: SyncClient) -> None:
    slug, token = make_tenant(client)
    template = create_template(client, slug, token)
    body: dict[str, Any] = {
        "achievement_id": template,
        "recipient": {"email": "learner@example.org"},
        "result": RESULT,
        "evidence": [{"id": "https ://evidence.example/portfolio/1", "name": "Portfolio"}],
    }
    r = client.post(f"/v1/issuers/{slug}/credentials", json=body, headers=bearer(token))
    assert r.status_code == 422, r.text
    problem = r.json()
    assert problem["type"] == problem_type("vcdm-invalid-url")
    assert [(e["type"], e["pointer"]) for e in problem["errors"]] == [
        (problem_type("vcdm-invalid-url"), "/evidence/0/id")
    ]
    assert _count(client, slug, token) == 0


def test_a_recipient_id_that_is_an_https_url_without_a_host_is_refused(client: SyncClient) -> None:
    # RFC 9110 §4.2.2: an https URI names a host; Digital Bazaar's verifier refuses "https://" as a subject id.
    slug, token = make_tenant(client)
    template = create_template(client, slug, token)
    body: dict[str, Any] = {"achievement_id": template, "recipient": {"id": "https://"}}
    r = client.post(f"/v1/issuers/{slug}/credentials", json=body, headers=bearer(token))
    assert r.status_code == 422, r.text
    assert [(e["type"], e["pointer"]) for e in r.json()["errors"]] == [
        (problem_type("vcdm-invalid-url"), "/credentialSubject/id")
    ]
    assert _count(client, slug, token) == 0


def test_a_request_naming_a_member_twice_is_refused(client: SyncClient) -> None:
    # JSON readers disagree on which of two same-named members counts: the learner we sign for is not guessed.
    slug, token = make_tenant(client)
    template = create_template(client, slug, token)
    body = (
        f'{{"achievement_id":"{template}",'
        '"recipient":{"id":"did:example:checked","id":"did:example:signed"}}'
    )
    r = client.post(
        f"/v1/issuers/{slug}/credentials",
        content=body,
        headers={**bearer(token), "content-type": "application/json"},
    )
    assert r.status_code == 400, r.text
    assert r.json()["type"] == problem_type("duplicate-member")
    assert _count(client, slug, token) == 0


def test_credits_too_small_for_verifiers_to_read_are_refused(client: SyncClient) -> None:
    # 1e-07 is what jsonld.js reads as the integer 0: the credential would not verify there (422, none kept).
    slug, token = make_tenant(client)
    template = create_template(client, slug, token)
    body: dict[str, Any] = {
        "achievement_id": template,
        "recipient": {"id": "did:example:learner"},
        "credits_earned": 1e-7,
    }
    r = client.post(f"/v1/issuers/{slug}/credentials", json=body, headers=bearer(token))
    assert r.status_code == 422, r.text
    assert r.json()["type"] == problem_type("non-interoperable-number")
    assert _count(client, slug, token) == 0


def test_a_year_below_1000_is_written_in_four_digits(client: SyncClient) -> None:
    # XML Schema's dateTime: a year of at least four digits; 0999-06-01 was written "999-06-01" and refused.
    slug, token = make_tenant(client)
    template = create_template(client, slug, token)
    out = issue(client, slug, token, template, valid_from="0999-06-01T00:00:00Z")
    assert out["credentials"]["ldp_vc"]["validFrom"] == "0999-06-01T00:00:00Z"
