"""The pathway API: who may define one, what a definition must hold, tenant isolation, the public reads,
and evaluation from every kind of input (credentials, URLs, a presentation, text that is no credential),
with the recency rule and minimum results applied by the service's clock."""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

import pytest

from schemas.problems import problem_type
from tests.app.helpers import create_template, issue
from tests.conftest import ADMIN, SyncClient, bearer, make_tenant

VC_V2 = "https://www.w3.org/ns/credentials/v2"


def _pathway(client: SyncClient, slug: str, token: str, **changes: Any) -> dict[str, Any]:
    template = create_template(client, slug, token)
    body: dict[str, Any] = {
        "name": "Certificate in Aviation",
        "credits_required": 3,
        "groups": [{"id": "core", "min_count": 1, "achievements": [{"template_id": template}]}],
    }
    body.update(changes)
    r = client.post(f"/v1/issuers/{slug}/pathways", json=body, headers=bearer(token))
    assert r.status_code == 201, r.text
    out: dict[str, Any] = r.json()
    out["template"] = template
    return out


def _evaluate(client: SyncClient, pid: str, **body: Any) -> dict[str, Any]:
    r = client.post(f"/v1/pathways/{pid}/evaluate", json=body)
    assert r.status_code == 200, r.text
    out: dict[str, Any] = r.json()
    return out


def test_defining_a_pathway_needs_the_issue_scope_and_a_valid_definition(client: SyncClient) -> None:
    slug, token = make_tenant(client)
    r = client.post(f"/v1/issuers/{slug}/tokens", json={"scopes": ["read"]}, headers=ADMIN)
    reader = r.json()["token"]
    body = {"name": "P", "credits_required": 1, "groups": [{"id": "g", "min_count": 1, "achievements": []}]}
    assert client.post(f"/v1/issuers/{slug}/pathways", json=body).status_code == 401
    r = client.post(f"/v1/issuers/{slug}/pathways", json=body, headers=bearer(reader))
    assert r.status_code == 403 and r.json()["type"] == problem_type("insufficient-scope")
    for broken in (
        {**body},  # a group with no achievements
        {**body, "groups": [{"id": "g", "achievements": [{"achievement": "urn:x"}]}]},  # no minimum
        {**body, "groups": [{"id": "g", "min_count": 1, "achievements": [{}]}]},  # no reference
        {
            **body,
            "groups": [
                {"id": "g", "min_count": 1, "achievements": [{"achievement": "urn:x"}]},
                {"id": "g", "min_count": 1, "achievements": [{"achievement": "urn:y"}]},
            ],
        },
        {
            **body,
            "credits_required": -1,
            "groups": [{"id": "g", "min_count": 1, "achievements": [{"achievement": "urn:x"}]}],
        },
    ):
        r = client.post(f"/v1/issuers/{slug}/pathways", json=broken, headers=bearer(token))
        assert r.status_code == 422, broken
        assert r.json()["type"] == problem_type("validation-error")
    other_slug, other_token = make_tenant(client)
    foreign = create_template(client, other_slug, other_token)
    r = client.post(
        f"/v1/issuers/{slug}/pathways",
        json={**body, "groups": [{"id": "g", "min_count": 1, "achievements": [{"template_id": foreign}]}]},
        headers=bearer(token),
    )
    assert r.status_code == 404 and r.json()["type"] == problem_type("achievement-not-found")


def test_reads_and_tenant_isolation(client: SyncClient) -> None:
    slug, token = make_tenant(client)
    other_slug, other_token = make_tenant(client)
    pathway = _pathway(client, slug, token)
    pid = pathway["id"]
    assert pathway["url"].endswith(f"/pathways/{pid}")
    own_did = client.get(f"/issuers/{slug}/did.json").json()["id"]
    assert pathway["recognised_issuers"] == [own_did]  # the issuer's own DID is always on its trust list
    entry = pathway["groups"][0]["achievements"][0]
    assert entry == {"achievement": f"https://shomei.test/issuers/{slug}/achievements/{pathway['template']}"}
    listed = client.get(f"/v1/issuers/{slug}/pathways", headers=bearer(token)).json()
    assert [p["id"] for p in listed] == [pid]
    assert client.get(f"/v1/issuers/{slug}/pathways/{pid}", headers=bearer(token)).json()["id"] == pid
    assert client.get(f"/v1/issuers/{other_slug}/pathways", headers=bearer(other_token)).json() == []
    r = client.get(f"/v1/issuers/{other_slug}/pathways/{pid}", headers=bearer(other_token))
    assert r.status_code == 404 and r.json()["type"] == problem_type("pathway-not-found")
    r = client.post(
        f"/v1/issuers/{other_slug}/pathways/{pid}/complete",
        json={"credentials": [{}], "recipient": {"email": "a@example.org"}},
        headers=bearer(other_token),
    )
    assert r.status_code == 404 and r.json()["type"] == problem_type("pathway-not-found")
    assert client.get(f"/v1/pathways/{pid}").json()["name"] == "Certificate in Aviation"
    r = client.get("/v1/pathways/00000000-0000-4000-8000-000000000000")
    assert r.status_code == 404 and r.json()["type"] == problem_type("pathway-not-found")


def test_every_kind_of_input(client: SyncClient) -> None:
    slug, token = make_tenant(client)
    pathway = _pathway(client, slug, token)
    out = issue(client, slug, token, pathway["template"])
    vc = out["credentials"]["ldp_vc"]
    pid = pathway["id"]

    by_url = _evaluate(client, pid, urls=[vc["id"]])
    assert by_url["complete"] and by_url["groups"][0]["counted"][0]["credential"] == vc["id"]
    presentation = {"@context": [VC_V2], "type": ["VerifiablePresentation"], "verifiableCredential": [vc]}
    by_vp = _evaluate(client, pid, presentation=presentation)
    assert by_vp["complete"] and by_vp["credits_earned"] == 3

    tampered = json.loads(json.dumps(vc))
    tampered["credentialSubject"]["achievement"]["creditsAvailable"] = 30
    mixed = _evaluate(client, pid, credentials=["not a credential", tampered])
    assert [(n["credential"], n["reason"]) for n in mixed["not_counted"]] == [
        ("credentials/0", "unreadable"),
        (vc["id"], "unverified"),
    ]
    assert mixed["credits_earned"] == 0 and not mixed["complete"]
    broken_vp = {**presentation, "holder": 42}  # the presentation itself does not verify
    assert [n["reason"] for n in _evaluate(client, pid, presentation=broken_vp)["not_counted"]] == [
        "unverified"
    ]
    # A presentation too large to be read (issue 13) is named, not left out unseen.
    crowded = {**presentation, "holder": {"id": "did:example:h", "name": [f"n{i}" for i in range(2_000)]}}
    [refused] = _evaluate(client, pid, presentation=crowded)["not_counted"]
    assert (refused["credential"], refused["reason"], refused["detail"]) == (
        "presentation",
        "unreadable",
        "too-many-values",
    )

    r = client.post(f"/v1/pathways/{pid}/evaluate", json={})
    assert r.status_code == 422
    r = client.post(
        f"/v1/pathways/{pid}/evaluate",
        content=b'{"urls": ["https://a.example/1"], "urls": []}',
        headers={"Content-Type": "application/json"},
    )
    assert r.status_code == 400 and r.json()["type"] == problem_type("duplicate-member")


@pytest.mark.parametrize("grade", ["C", "A"])
def test_minimum_result(client: SyncClient, grade: str) -> None:
    slug, token = make_tenant(client)
    template = create_template(client, slug, token)
    group = {"id": "core", "min_count": 1, "achievements": [{"template_id": template, "min_result": "B"}]}
    pathway = _pathway(client, slug, token, groups=[group])
    result = [
        {
            "type": ["Result"],
            "value": grade,
            "resultDescription": "urn:uuid:0b7e3a52-8d1c-4f6a-9e2b-5c4d3a2b1f00",
        }
    ]
    vc = issue(client, slug, token, template, result=result)["credentials"]["ldp_vc"]
    progress = _evaluate(client, pathway["id"], credentials=[vc])
    if grade == "A":
        assert progress["complete"] and progress["not_counted"] == []
    else:
        assert [n["reason"] for n in progress["not_counted"]] == ["result-below-minimum"]


def test_recency(client: SyncClient) -> None:
    slug, token = make_tenant(client)
    pathway = _pathway(client, slug, token, recency_years=1)
    old = dt.datetime.now(dt.UTC) - dt.timedelta(days=500)
    vc = issue(client, slug, token, pathway["template"], awarded_date=old.isoformat())["credentials"][
        "ldp_vc"
    ]
    fresh = issue(client, slug, token, pathway["template"])["credentials"]["ldp_vc"]
    progress = _evaluate(client, pathway["id"], credentials=[vc, fresh])
    assert [(n["credential"], n["reason"]) for n in progress["not_counted"]] == [(vc["id"], "too-old")]
    assert progress["complete"]


def test_credentials_of_another_learner_do_not_count(client: SyncClient) -> None:
    slug, token = make_tenant(client)
    pathway = _pathway(client, slug, token)
    mine = issue(client, slug, token, pathway["template"])["credentials"]["ldp_vc"]  # Learner@Example.org
    theirs = issue(client, slug, token, pathway["template"], recipient={"email": "someone@example.org"})
    theirs_vc = theirs["credentials"]["ldp_vc"]
    pid = pathway["id"]
    learner = {"value": "learner@example.org", "type": "emailAddress"}
    progress = _evaluate(client, pid, credentials=[theirs_vc, mine], learner=learner)
    assert [(n["credential"], n["reason"]) for n in progress["not_counted"]] == [
        (theirs_vc["id"], "different-learner")
    ]
    assert progress["complete"]
    # Without a learner named, evaluation cannot tell; completion always checks against the recipient.
    assert _evaluate(client, pid, credentials=[theirs_vc])["complete"]
    r = client.post(
        f"/v1/issuers/{slug}/pathways/{pid}/complete",
        json={"credentials": [theirs_vc], "recipient": {"email": "learner@example.org"}},
        headers=bearer(token),
    )
    assert r.status_code == 409 and r.json()["type"] == problem_type("pathway-incomplete")
    assert [n["reason"] for n in r.json()["progress"]["not_counted"]] == ["different-learner"]
    r = client.post(
        f"/v1/issuers/{slug}/pathways/{pid}/complete",
        json={"credentials": [mine], "recipient": {"email": "learner@example.org"}},
        headers=bearer(token),
    )
    assert r.status_code == 201, r.text


def test_a_completion_retried_with_its_idempotency_key_issues_once(client: SyncClient) -> None:
    slug, token = make_tenant(client)
    pathway = _pathway(client, slug, token)
    mine = issue(client, slug, token, pathway["template"])["credentials"]["ldp_vc"]
    url = f"/v1/issuers/{slug}/pathways/{pathway['id']}/complete"
    body = {"credentials": [mine], "recipient": {"email": "learner@example.org"}}
    headers = {**bearer(token), "Idempotency-Key": "graduation-2026/aiko"}

    def count() -> int:
        r = client.get(f"/v1/issuers/{slug}/credentials", params={"limit": 200}, headers=bearer(token))
        return len(r.json()["items"])

    first = client.post(url, json=body, headers=headers)
    assert first.status_code == 201, first.text
    issued = count()
    again = client.post(url, json=body, headers=headers)
    assert again.status_code == 201, again.text
    for part in ("programme_credential", "clr"):
        assert again.json()[part]["credential_id"] == first.json()[part]["credential_id"]
        assert again.json()[part]["credentials"] == first.json()[part]["credentials"]
    assert count() == issued
    # The key with another request is refused; without a key, a completion is issued anew.
    other = client.post(url, json={**body, "recipient": {"email": "Learner@Example.org"}}, headers=headers)
    assert other.status_code == 409 and other.json()["type"] == problem_type("idempotency-key-reused")
    assert client.post(url, json=body, headers=bearer(token)).status_code == 201
    assert count() == issued + 2
