"""Issue 17 acceptance: the worked example (examples/stackable_pathway.py): a 124-credit programme, 30
micro-credentials from three issuers (two of them from an issuer the pathway does not recognise, one
revoked, one expired, one duplicate) -> the exact progress; completing it issues the programme's
credential and a CLR 2.0 record that our verifier verifies, nested credential by nested credential."""

from __future__ import annotations

from collections import Counter
from typing import Any

import pytest

from examples.stackable_pathway import EXPECTED_NOT_COUNTED, RECIPIENT, Scenario, build
from schemas.problems import problem_type
from tests.conftest import ADMIN, SyncClient


@pytest.fixture(scope="module")
def scenario(client: SyncClient) -> Scenario:
    return build(client, ADMIN)


def test_the_exact_progress(client: SyncClient, scenario: Scenario) -> None:
    pid = scenario.pathway["id"]
    r = client.post(f"/v1/pathways/{pid}/evaluate", json={"credentials": scenario.credentials})
    assert r.status_code == 200, r.text
    progress = r.json()
    assert progress["complete"] is True
    assert progress["credits_earned"] == 124
    assert progress["credits_required"] == 124
    core, electives = progress["groups"]
    assert (core["id"], core["earned"], core["required"], core["count"]) == ("core", 69, 60, 14)
    assert (electives["id"], electives["earned"], electives["count"]) == ("electives", 55, 11)
    assert electives["required"] == 50 and electives["required_count"] == 10
    assert core["complete"] and electives["complete"]
    assert {c["issuer"] for c in core["counted"]} == {scenario.home.did}
    assert {c["issuer"] for c in electives["counted"]} == {scenario.partner.did}
    counted = [c["credential"] for g in progress["groups"] for c in g["counted"]]
    assert len(counted) == len(set(counted)) == 25
    assert all(scenario.labels[c] == "counted" for c in counted)
    # Each excluded credential with its reason code, matched to what it is.
    reasons = {n["credential"]: n["reason"] for n in progress["not_counted"]}
    assert sorted(reasons.values()) == EXPECTED_NOT_COUNTED
    assert all(scenario.labels[cid] == reason for cid, reason in reasons.items())
    # The same achievement never counts twice.
    achievements = [c["achievement"] for g in progress["groups"] for c in g["counted"]]
    assert len(achievements) == len(set(achievements))


def test_a_partial_set_is_incomplete_and_cannot_be_completed(client: SyncClient, scenario: Scenario) -> None:
    pid = scenario.pathway["id"]
    some = scenario.credentials[:10]
    progress = client.post(f"/v1/pathways/{pid}/evaluate", json={"credentials": some}).json()
    assert progress["complete"] is False
    assert progress["credits_earned"] == 50  # home courses 1-10, 5 credits each
    r = client.post(
        f"/v1/issuers/{scenario.home.slug}/pathways/{pid}/complete",
        json={"credentials": some, "recipient": RECIPIENT},
        headers=scenario.home.auth,
    )
    assert r.status_code == 409
    assert r.json()["type"] == problem_type("pathway-incomplete")
    assert r.json()["progress"]["credits_earned"] == 50


def _complete(client: SyncClient, scenario: Scenario) -> dict[str, Any]:
    r = client.post(
        f"/v1/issuers/{scenario.home.slug}/pathways/{scenario.pathway['id']}/complete",
        json={"credentials": scenario.credentials, "recipient": RECIPIENT},
        headers=scenario.home.auth,
    )
    assert r.status_code == 201, r.text
    out: dict[str, Any] = r.json()
    return out


def test_completion_issues_a_clr_our_verifier_verifies(client: SyncClient, scenario: Scenario) -> None:
    out = _complete(client, scenario)
    programme = out["programme_credential"]["credentials"]["ldp_vc"]
    assert programme["credentialSubject"]["achievement"]["achievementType"] == "BachelorDegree"
    assert programme["credentialSubject"]["creditsEarned"] == 124
    clr = out["clr"]["credentials"]["ldp_vc"]
    assert clr["type"] == ["VerifiableCredential", "ClrCredential"]
    subject = clr["credentialSubject"]
    assert len(subject["verifiableCredential"]) == 26  # the programme's and the 25 counted
    kinds = Counter(a["associationType"] for a in subject["association"])
    assert kinds == {"isChildOf": 25, "precedes": 24}
    programme_id = programme["credentialSubject"]["achievement"]["id"]
    assert {a["targetId"] for a in subject["association"] if a["associationType"] == "isChildOf"} == {
        programme_id
    }

    report = client.post("/v1/verify", json={"credential": clr}).json()
    assert report["verified"] is True, [c for c in report["checks"] if c["outcome"] == "failed"]
    nested = [c for c in report["checks"] if c["id"].startswith("nested-credential-")]
    assert len(nested) == 26 and all(c["outcome"] == "passed" for c in nested)
    # The stored record is served at its id and verifies by URL too.
    by_url = client.post("/v1/verify", json={"url": clr["id"]}).json()
    assert by_url["verified"] is True

    # A bundled credential changed after the fact breaks the record.
    subject["verifiableCredential"][3]["credentialSubject"]["achievement"]["creditsAvailable"] = 50
    assert client.post("/v1/verify", json={"credential": clr}).json()["verified"] is False
