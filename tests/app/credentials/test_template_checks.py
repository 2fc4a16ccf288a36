"""A saved template is issuable: what would make every issuance fail is refused when the template is saved,
and each refusal names the field in the request body (``pointer``) and says what is wrong; the examples/
templates save and issue; SD-JWT VCs on a loopback development base URL."""

from __future__ import annotations

import copy
import json
from collections.abc import Iterator
from typing import Any

import pytest

from app.errors import problem_type
from app.main import create_app
from app.testing import SyncClient, in_process_settings
from tests.app.helpers import issue, template_body
from tests.conftest import ADMIN, ADMIN_TOKEN, TEST_KEK, bearer, make_tenant
from tests.paths import ROOT

EXAMPLES = ROOT / "examples"


def _example(name: str) -> dict[str, Any]:
    body: dict[str, Any] = json.loads((EXAMPLES / name).read_text(encoding="utf-8"))
    return body


def _templates(client: SyncClient, slug: str, token: str) -> int:
    r = client.get(f"/v1/issuers/{slug}/achievements", headers=bearer(token))
    assert r.status_code == 200
    return len(r.json())


def test_an_undefined_type_is_refused_at_save_with_the_field_written(client: SyncClient) -> None:
    slug, token = make_tenant(client)
    body = _example("eu-microcredential.json")
    body["achievement"]["mcDescriptor"]["awardingBody"] = [
        {"id": "https://www.uu.nl", "type": "Organization", "name": "Utrecht University"}
    ]
    r = client.post(f"/v1/issuers/{slug}/achievements", json=body, headers=bearer(token))
    assert r.status_code == 422 and r.json()["type"] == problem_type("undefined-term"), r.text
    problem = r.json()
    assert problem["term"] == "Organization"
    (error,) = problem["errors"]
    assert error["pointer"] == "/achievement/mcDescriptor/awardingBody/0/type"
    assert error["path"] == "$.credentialSubject.achievement.mcDescriptor.awardingBody[0].type"
    assert error["message"]
    assert _templates(client, slug, token) == 0  # nothing saved
    # The defined type saves, and issues.
    body["achievement"]["mcDescriptor"]["awardingBody"][0]["type"] = ["Profile"]
    r = client.post(f"/v1/issuers/{slug}/achievements", json=body, headers=bearer(token))
    assert r.status_code == 201, r.text
    issue(client, slug, token, r.json()["id"], result=[])


@pytest.mark.parametrize("descriptions", [5, "x", [5], ["x"], [None]])
def test_a_template_no_credential_could_be_issued_from_is_refused_at_save(
    client: SyncClient, descriptions: Any
) -> None:
    """A resultDescription that is not a list of objects: issuing from it failed the OB 3.0 schema (or, for
    a list of strings, crashed: a 500), at every issuance. Saving it is refused now, nothing kept."""
    slug, token = make_tenant(client)
    body = template_body()
    body["achievement"]["resultDescription"] = descriptions
    r = client.post(f"/v1/issuers/{slug}/achievements", json=body, headers=bearer(token))
    assert r.status_code == 422, r.text
    assert r.json()["type"] == problem_type("schema-validation-failed")
    assert _templates(client, slug, token) == 0


def test_an_undefined_term_on_update_is_refused_and_the_version_kept(client: SyncClient) -> None:
    slug, token = make_tenant(client)
    r = client.post(f"/v1/issuers/{slug}/achievements", json=template_body(), headers=bearer(token))
    assert r.status_code == 201
    template_id = r.json()["id"]
    changed = template_body(favouriteColour="blue")
    r = client.put(f"/v1/issuers/{slug}/achievements/{template_id}", json=changed, headers=bearer(token))
    assert r.status_code == 422 and r.json()["type"] == problem_type("undefined-term")
    assert [e["pointer"] for e in r.json()["errors"]] == ["/achievement/favouriteColour"]
    r = client.get(f"/v1/issuers/{slug}/achievements/{template_id}", headers=bearer(token))
    assert r.json()["version"] == 1


def test_profile_failures_name_rule_message_and_field(client: SyncClient) -> None:
    slug, token = make_tenant(client)
    body = _example("eu-microcredential.json")
    descriptor = body["achievement"]["mcDescriptor"]
    del descriptor["learningOutcome"]
    del descriptor["participationForm"]
    r = client.post(f"/v1/issuers/{slug}/achievements", json=body, headers=bearer(token))
    assert r.status_code == 422, r.text
    problem = r.json()
    assert problem["type"] == problem_type("profile-requirements-not-met")
    by_rule = {(e["profile"], e["rule"]): e for e in problem["errors"]}
    # failed_rules (ids by profile) is kept; errors has one entry per failed rule.
    assert {(p, rule) for p, rules in problem["failed_rules"].items() for rule in rules} == set(by_rule)
    assert {("eu-microcredential", "EU-06"), ("eu-microcredential", "EU-10")} <= set(by_rule)
    assert by_rule["eu-microcredential", "EU-06"]["pointer"] == "/achievement/mcDescriptor/learningOutcome"
    assert by_rule["eu-microcredential", "EU-10"]["pointer"] == "/achievement/mcDescriptor/participationForm"
    assert by_rule["eu-microcredential", "EU-10"]["path"].startswith("$.credentialSubject.achievement.")
    assert all(e["message"] and not e["message"].startswith(e["rule"]) for e in problem["errors"])


def test_descriptor_schema_errors_carry_the_body_pointer(client: SyncClient) -> None:
    slug, token = make_tenant(client)
    body = _example("eu-microcredential.json")
    body["achievement"]["mcDescriptor"]["participationForm"] = "sometimes"
    r = client.post(f"/v1/issuers/{slug}/achievements", json=body, headers=bearer(token))
    assert r.status_code == 422 and r.json()["type"] == problem_type("invalid-descriptor")
    assert [e["pointer"] for e in r.json()["errors"]] == ["/achievement/mcDescriptor/participationForm"]


@pytest.mark.parametrize("name", ["eu-microcredential.json", "jp-mc-framework.json", "eu-and-jp.json"])
def test_each_example_template_saves_issues_and_meets_its_profiles(client: SyncClient, name: str) -> None:
    slug, token = make_tenant(client)
    assert client.post(f"/v1/issuers/{slug}/keys", json={"type": "P-256"}, headers=ADMIN).status_code == 201
    body = _example(name)
    r = client.post(f"/v1/issuers/{slug}/achievements", json=body, headers=bearer(token))
    assert r.status_code == 201, r.text
    out = issue(client, slug, token, r.json()["id"], result=[], formats=["ldp_vc", "jwt_vc_json"])
    claimed = [p for p in body["profiles"] if p != "ob3-minimal"]
    report = client.post(
        f"/v1/verify?profiles={','.join(claimed)}", json={"credential": out["credentials"]["ldp_vc"]}
    ).json()
    assert report["verified"], report
    for profile in claimed:
        # The learner's holder-bound id (EU-01) belongs to the issuance, not the template.
        failed = [r for r in report["profiles"][profile]["failed_rules"] if r != "EU-01"]
        assert failed == [], (profile, report["profiles"][profile])


def test_inline_undefined_term_at_issuance_names_the_credential_field(client: SyncClient) -> None:
    slug, token = make_tenant(client)
    inline = copy.deepcopy(template_body()["achievement"])
    inline["favouriteColour"] = "blue"
    r = client.post(
        f"/v1/issuers/{slug}/credentials",
        json={"achievement": inline, "recipient": {"id": "did:example:1"}},
        headers=bearer(token),
    )
    assert r.status_code == 422 and r.json()["type"] == problem_type("undefined-term")
    assert r.json()["path"] == "$.credentialSubject.achievement.favouriteColour"
    assert r.json()["pointer"] == "/credentialSubject/achievement/favouriteColour"


@pytest.fixture(scope="module")
def loopback_client(database_url: str) -> Iterator[SyncClient]:
    """The service as ``make run`` starts it: development, base URL http://127.0.0.1:8000."""
    settings = in_process_settings(
        database_url,
        admin_token=ADMIN_TOKEN,
        kek=TEST_KEK,
        public_base_url="http://127.0.0.1:8000",
        environment="development",
    )
    assert settings.http_issuer_allowed
    app = create_app(settings)
    c = SyncClient(app, base_url="http://127.0.0.1:8000")
    try:
        yield c
    finally:
        c.close()


def test_sd_jwt_vc_on_a_loopback_development_base_url(loopback_client: SyncClient) -> None:
    slug, token = make_tenant(loopback_client)
    r = loopback_client.post(f"/v1/issuers/{slug}/keys", json={"type": "P-256"}, headers=ADMIN)
    assert r.status_code == 201
    r = loopback_client.post(
        f"/v1/issuers/{slug}/achievements", json=_example("eu-microcredential.json"), headers=bearer(token)
    )
    assert r.status_code == 201, r.text
    out = issue(loopback_client, slug, token, r.json()["id"], result=[], formats=["dc+sd-jwt"])
    report = loopback_client.post("/v1/verify", json={"credential": out["credentials"]["dc+sd-jwt"]}).json()
    assert report["verified"], report
    issuer = next(c for c in report["checks"] if c["id"] == "issuer")
    assert issuer["outcome"] == "passed"
