"""Issue 12 item 4: a template whose ResultDescription is an OB Assessment Extension 2.0
``AssessmentResultDescription`` issues (its context, https://purl.imsglobal.org/spec/ob-assessment/v2p0/context/,
is bundled now: no more ``unknown-context``), and the credential verifies with our verifier; on SQLite and
PostgreSQL."""

from __future__ import annotations

import copy
from typing import Any

from app.errors import problem_type
from app.testing import SyncClient
from tests.app.helpers import create_template, issue, template_body
from tests.conftest import bearer, make_tenant

_ASSESSMENT_CONTEXT = "https://purl.imsglobal.org/spec/ob-assessment/v2p0/context/"
_ASSESSMENT_SCHEMA = "https://purl.imsglobal.org/spec/ob-assessment/v2p0/schema/"
_RESULT_DESCRIPTION_ID = "urn:uuid:0b7e3a52-8d1c-4f6a-9e2b-5c4d3a2b1f00"

# The Assessment Extension's terms (its context defines them in the scope of AssessmentResultDescription).
_ASSESSMENT_TERMS = {
    "assessmentType": "Exam",
    "assessmentOutput": "Written examination script and practical assessment record",
    "hasGroupParticipation": False,
    "hasGroupEvaluation": False,
    "evaluationMethod": "Weighted total: written examination 60%, practical assessment 40%.",
    "assessmentExample": "https://example.edu/assessments/agk/example",
    "scoringMethodExampleDescription": "A sample script marked against the rubric.",
}


def _assessment_result_description() -> list[dict[str, Any]]:
    return [
        {
            "id": _RESULT_DESCRIPTION_ID,
            "type": ["ResultDescription", "AssessmentResultDescription"],
            "name": "Final grade",
            "resultType": "LetterGrade",
            "allowedValue": ["F", "D", "C", "B", "A"],
            "requiredValue": "C",
            **_ASSESSMENT_TERMS,
        }
    ]


def _verify(client: SyncClient, credential: Any) -> dict[str, Any]:
    r = client.post("/v1/verify", json={"credential": credential})
    assert r.status_code == 200, r.text
    return dict(r.json())


def test_assessment_result_description_issues_and_verifies(client: SyncClient) -> None:
    slug, token = make_tenant(client)
    r = client.post(f"/v1/issuers/{slug}/keys", json={"type": "P-256"}, headers=bearer(token))
    assert r.status_code == 201, r.text
    template_id = create_template(client, slug, token, resultDescription=_assessment_result_description())

    out = issue(client, slug, token, template_id, formats=["ldp_vc", "ldp_vc:ecdsa-rdfc-2019", "jwt_vc_json"])
    for fmt in ("ldp_vc", "ldp_vc:ecdsa-rdfc-2019"):
        vc = out["credentials"][fmt]
        assert _ASSESSMENT_CONTEXT in vc["@context"], fmt
        assert {"id": _ASSESSMENT_SCHEMA, "type": "1EdTechJsonSchemaValidator2019"} in vc["credentialSchema"]
        (described,) = vc["credentialSubject"]["achievement"]["resultDescription"]
        assert "AssessmentResultDescription" in described["type"]
        assert {k: described[k] for k in _ASSESSMENT_TERMS} == _ASSESSMENT_TERMS
    for fmt, vc in out["credentials"].items():
        result = _verify(client, vc)
        assert result["verified"], (fmt, result)
        outcomes = {c["id"]: c["outcome"] for c in result["checks"]}
        assert outcomes["contexts"] == "passed" and outcomes["proof"] == "passed", (fmt, outcomes)

    # The signature covers the assessment terms: changing one breaks it.
    tampered = copy.deepcopy(out["credentials"]["ldp_vc"])
    tampered["credentialSubject"]["achievement"]["resultDescription"][0]["assessmentType"] = "Performance"
    result = _verify(client, tampered)
    assert not result["verified"]
    failed = {c["id"]: c["type"] for c in result["checks"] if c["outcome"] == "failed"}
    assert failed == {"proof": problem_type("invalid-proof")}


def test_assessment_term_outside_its_type_is_still_undefined(client: SyncClient) -> None:
    """The context scopes its terms to AssessmentResultDescription: on a plain ResultDescription an
    assessment term is not defined, and the template is refused when it is saved (not at every issuance)
    as ``undefined-term``, naming the field written; with the extension's type it saves and issues."""
    slug, token = make_tenant(client)
    plain = copy.deepcopy(_assessment_result_description())
    plain[0]["type"] = ["ResultDescription"]
    url = f"/v1/issuers/{slug}/achievements"
    r = client.post(url, json=template_body(resultDescription=plain), headers=bearer(token))
    assert r.status_code == 422, r.text
    assert r.json()["type"] == problem_type("undefined-term")
    pointers = {e["pointer"] for e in r.json()["errors"]}
    assert len(pointers) == 1
    (pointer,) = pointers
    assert pointer.startswith("/achievement/resultDescription/0/")
    assert pointer.rsplit("/", 1)[1] == r.json()["term"] and r.json()["term"] in plain[0]
    # ... and the same template with the extension's type saves and issues.
    fixed = copy.deepcopy(plain)
    fixed[0]["type"] = ["ResultDescription", "AssessmentResultDescription"]
    template_id = create_template(client, slug, token, resultDescription=fixed)
    body = {"achievement_id": template_id, "recipient": {"email": "learner@example.org"}}
    r = client.post(f"/v1/issuers/{slug}/credentials", json=body, headers=bearer(token))
    assert r.status_code == 201, r.text
