"""The bundled descriptor-profile rules (profiles.descriptors.bundled, through the package's API) on the
design's example credential (tests/data/example-admal-agk.json, a copy of shared/design/descriptor-profile/)
and on small changes to it."""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

import pytest

from profiles import descriptors
from profiles.descriptors import (
    PROFILES,
    RULE_KEYWORDS,
    RULES_FILE,
    default_rules,
    evaluate,
    evaluate_achievement,
)
from profiles.pinned import load_pinned_json
from tests.paths import DATA

NOW = dt.datetime(2026, 6, 1, tzinfo=dt.UTC)
MC_SCHEMA_ID = "https://w3id.org/shomei/mc/v1/schema/jp-mc-framework.json"
ACHIEVEMENT_RULE_IDS = {
    "ob3-minimal": {"OB-14", "OB-15", "OB-16", "OB-17", "OB-18", "OB-19"},
    "eu-microcredential": {"EU-00", "EU-02", "EU-04", "EU-06", "EU-07", "EU-07b", "EU-08", "EU-08b"}
    | {"EU-09", "EU-10", "EU-11", "EU-11b", "EU-12", "EU-13", "EU-15", "EU-15b", "EU-16"},
    "jp-mc-framework": {"JP-03", "JP-03b", "JP-04", "JP-04b", "JP-05", "JP-06", "JP-06b", "JP-07", "JP-08"}
    | {"JP-09", "JP-09b", "JP-10", "JP-12", "JP-12b"},
}


@pytest.fixture
def credential() -> dict[str, Any]:
    loaded: dict[str, Any] = json.loads((DATA / "example-admal-agk.json").read_text(encoding="utf-8"))
    return loaded


def descriptor(c: dict[str, Any]) -> dict[str, Any]:
    found: dict[str, Any] = c["credentialSubject"]["achievement"]["mcDescriptor"]
    return found


def undeclare_mc_schema(c: dict[str, Any]) -> dict[str, Any]:
    """Drop the jp-mc-framework credentialSchema entry, so that OB-21 (schema validation) does not
    also report what a descriptor rule reports."""
    c["credentialSchema"] = [s for s in c["credentialSchema"] if s["id"] != MC_SCHEMA_ID]
    return c


def failed(c: dict[str, Any], profile: str, **kwargs: Any) -> set[str]:
    kwargs.setdefault("stage", "unsigned")
    return set(evaluate(c, profile, now=NOW, **kwargs).failed_rules)


def result_of(c: dict[str, Any], profile: str, rule_id: str, **kwargs: Any) -> descriptors.RuleResult:
    kwargs.setdefault("stage", "unsigned")
    (found,) = [r for r in evaluate(c, profile, now=NOW, **kwargs).rules if r.id == rule_id]
    return found


# --- the bundled rules --------------------------------------------------------------------------


def test_profiles_are_the_levels_of_the_rules_file() -> None:
    assert PROFILES == ("ob3-minimal", "eu-microcredential", "jp-mc-framework")
    assert default_rules().profiles == PROFILES
    assert default_rules() is default_rules()  # compiled once


def test_every_keyword_of_the_bundled_file_is_implemented() -> None:
    document = load_pinned_json(RULES_FILE)
    used = {key for rules in document["levels"].values() for rule in rules for key in rule}
    assert used <= RULE_KEYWORDS


def test_levels_include_ob3_minimal_first(credential: dict[str, Any]) -> None:
    minimal = [r.id for r in evaluate(credential, "ob3-minimal", now=NOW).rules]
    for profile in ("eu-microcredential", "jp-mc-framework"):
        ids = [r.id for r in evaluate(credential, profile, now=NOW).rules]
        assert ids[: len(minimal)] == minimal
        assert all(i[:2] == profile[:2].upper() for i in ids[len(minimal) :])


# --- the design's example -----------------------------------------------------------------------


@pytest.mark.parametrize("profile", PROFILES)
def test_the_example_meets_every_profile_before_signing(credential: dict[str, Any], profile: str) -> None:
    result = evaluate(credential, profile, stage="unsigned", now=NOW)
    assert result.passed
    assert result.failed_rules == ()
    assert {r.status for r in result.rules} <= {"pass", "not-applicable"} | (
        {"fail"} if result.warnings else set()
    )


def test_the_example_has_one_warning_no_ects(credential: dict[str, Any]) -> None:
    assert evaluate(credential, "ob3-minimal", stage="unsigned", now=NOW).outcome == "pass"
    assert evaluate(credential, "jp-mc-framework", stage="unsigned", now=NOW).outcome == "pass"
    eu = evaluate(credential, "eu-microcredential", stage="unsigned", now=NOW)
    assert eu.warnings == ("EU-07b",)
    assert eu.outcome == "pass-with-warnings"
    descriptor(credential)["credit"].append({"type": "CreditValue", "creditSystem": "ECTS", "creditValue": 4})
    assert evaluate(credential, "eu-microcredential", stage="unsigned", now=NOW).outcome == "pass"


@pytest.mark.parametrize("profile", PROFILES)
def test_signed_stage_needs_a_proof_or_an_envelope(credential: dict[str, Any], profile: str) -> None:
    assert failed(credential, profile, stage="signed") == {"OB-22"}
    assert failed(credential, profile, stage="signed", enveloped=True) == set()
    credential["proof"] = {"type": "DataIntegrityProof", "proofPurpose": "assertionMethod"}
    assert failed(credential, profile, stage="signed") == set()


def test_status_is_required_for_jp_only_once_signed(credential: dict[str, Any]) -> None:
    del credential["credentialStatus"]
    credential["proof"] = {"type": "DataIntegrityProof"}
    assert failed(credential, "jp-mc-framework", stage="signed") == {"JP-11"}
    assert failed(credential, "jp-mc-framework", stage="unsigned") == set()
    assert evaluate(credential, "eu-microcredential", stage="signed", now=NOW).warnings == ("EU-07b", "EU-17")


def test_a_credential_status_array_is_accepted(credential: dict[str, Any]) -> None:
    entry = credential["credentialStatus"]
    credential["credentialStatus"] = [entry, {**entry, "statusPurpose": "suspension"}]
    credential["proof"] = {"type": "DataIntegrityProof"}
    for profile in PROFILES:
        assert failed(credential, profile, stage="signed") == set()


# --- removing descriptor elements fails the specific rules ---------------------------------------


def test_removing_learning_outcomes(credential: dict[str, Any]) -> None:
    del descriptor(undeclare_mc_schema(credential))["learningOutcome"]
    assert failed(credential, "eu-microcredential") == {"EU-06"}
    assert failed(credential, "jp-mc-framework") == {"JP-03"}
    assert "JP-03b" in evaluate(credential, "jp-mc-framework", now=NOW).warnings
    missing = result_of(credential, "eu-microcredential", "EU-06")
    assert missing.status == "fail"
    assert missing.path == "$.credentialSubject.achievement.mcDescriptor.learningOutcome[*].description"
    assert missing.message


def test_an_empty_learning_outcome_is_reported_where_it_is(credential: dict[str, Any]) -> None:
    descriptor(undeclare_mc_schema(credential))["learningOutcome"][1]["description"] = "  "
    assert failed(credential, "eu-microcredential") == {"EU-06"}
    result = result_of(credential, "eu-microcredential", "EU-06")
    assert result.path == "$.credentialSubject.achievement.mcDescriptor.learningOutcome[1].description"


def test_removing_workload(credential: dict[str, Any]) -> None:
    del descriptor(undeclare_mc_schema(credential))["notionalWorkloadHours"]
    assert failed(credential, "eu-microcredential") == {"EU-07"}
    assert failed(credential, "jp-mc-framework") == {"JP-05"}
    # EU-07 is satisfied by an ECTS credit value instead of hours ...
    descriptor(credential)["credit"].append({"type": "CreditValue", "creditSystem": "ECTS", "creditValue": 4})
    assert failed(credential, "eu-microcredential") == set()
    # ... but not by a zero workload.
    descriptor(credential)["credit"][-1]["creditValue"] = 0
    assert failed(credential, "eu-microcredential") == {"EU-07"}


def test_removing_level(credential: dict[str, Any]) -> None:
    achievement = credential["credentialSubject"]["achievement"]
    achievement["alignment"] = [
        a for a in achievement["alignment"] if a["targetType"] != "ext:QualificationsFrameworkLevel"
    ]
    assert failed(credential, "eu-microcredential") == {"EU-08"}
    assert failed(credential, "jp-mc-framework") == set()
    descriptor(credential)["levelNotApplicable"] = False
    assert failed(credential, "eu-microcredential") == {"EU-08"}
    descriptor(credential)["levelNotApplicable"] = True
    assert failed(credential, "eu-microcredential") == set()


def test_an_eqf_alignment_needs_an_eqf_level_iri(credential: dict[str, Any]) -> None:
    level = credential["credentialSubject"]["achievement"]["alignment"][0]
    level.update(targetFramework="European Qualifications Framework", targetUrl="https://www.mqa.gov.my/")
    assert failed(credential, "eu-microcredential") == {"EU-08b"}
    assert result_of(credential, "eu-microcredential", "EU-08b").path == (
        "$.credentialSubject.achievement.alignment[0].targetUrl"
    )
    level["targetUrl"] = "http://data.europa.eu/snb/eqf/4"
    assert failed(credential, "eu-microcredential") == set()


def test_removing_quality_assurance(credential: dict[str, Any]) -> None:
    del descriptor(undeclare_mc_schema(credential))["qualityAssurance"]
    assert failed(credential, "eu-microcredential") == {"EU-11"}
    assert failed(credential, "jp-mc-framework") == {"JP-06"}
    assert result_of(credential, "eu-microcredential", "EU-11b").status == "not-applicable"


def test_external_quality_assurance_only(credential: dict[str, Any]) -> None:
    qa = descriptor(undeclare_mc_schema(credential))["qualityAssurance"]
    qa[:] = [q for q in qa if q["qaScope"] == "external"]
    assert failed(credential, "eu-microcredential") == set()
    assert failed(credential, "jp-mc-framework") == {"JP-06"}
    del qa[0]["qaBody"]["name"]
    assert failed(credential, "eu-microcredential") == {"EU-11b"}
    assert result_of(credential, "eu-microcredential", "EU-11b").path == (
        "$.credentialSubject.achievement.mcDescriptor.qualityAssurance[0].qaBody.name"
    )


def test_quality_assurance_entries_need_scope_and_type(credential: dict[str, Any]) -> None:
    del descriptor(undeclare_mc_schema(credential))["qualityAssurance"][1]["qaType"]
    assert failed(credential, "eu-microcredential") == {"EU-11"}
    assert result_of(credential, "eu-microcredential", "EU-11").path == (
        "$.credentialSubject.achievement.mcDescriptor.qualityAssurance[1]"
    )


def test_the_design_negative_test(credential: dict[str, Any]) -> None:
    """descriptors.md §4: without QA, learning outcomes and issuer address the example fails EU-03,
    EU-06, EU-11, JP-03 and JP-06."""
    undeclare_mc_schema(credential)
    del descriptor(credential)["qualityAssurance"]
    del descriptor(credential)["learningOutcome"]
    del credential["issuer"]["address"]
    assert failed(credential, "eu-microcredential") == {"EU-03", "EU-06", "EU-11"}
    assert failed(credential, "jp-mc-framework") == {"JP-03", "JP-06"}
    assert failed(credential, "ob3-minimal") == set()


def test_declared_descriptor_schema_is_checked_by_ob21(credential: dict[str, Any]) -> None:
    del descriptor(credential)["notionalWorkloadHours"]
    assert failed(credential, "ob3-minimal") == {"OB-21"}
    assert result_of(credential, "ob3-minimal", "OB-21").path == "$.credentialSchema[2]"


# --- other rules ---------------------------------------------------------------------------------


def test_participation_form_must_come_from_the_vocabulary(credential: dict[str, Any]) -> None:
    descriptor(undeclare_mc_schema(credential))["participationForm"] = "correspondence"
    assert failed(credential, "eu-microcredential") == {"EU-10"}
    assert failed(credential, "jp-mc-framework") == set()


def test_hashed_identity_condition(credential: dict[str, Any]) -> None:
    identifiers = credential["credentialSubject"]["identifier"]
    identifiers[1]["identityHash"] = "not-a-hash"
    assert failed(credential, "ob3-minimal") == {"OB-13"}
    assert result_of(credential, "ob3-minimal", "OB-13").path == (
        "$.credentialSubject.identifier[1].identityHash"
    )
    identifiers[1]["hashed"] = False
    assert failed(credential, "ob3-minimal") == set()
    del credential["credentialSubject"]["identifier"]
    assert result_of(credential, "ob3-minimal", "OB-13").status == "not-applicable"


def test_identifier_entries_need_their_keys(credential: dict[str, Any]) -> None:
    del credential["credentialSubject"]["identifier"][0]["identityType"]
    assert "OB-12" in failed(credential, "ob3-minimal")


def test_learner_needs_an_id_or_identifier(credential: dict[str, Any]) -> None:
    del credential["credentialSubject"]["id"]
    assert failed(credential, "ob3-minimal") == set()
    assert failed(credential, "eu-microcredential") == {"EU-01"}
    del credential["credentialSubject"]["identifier"]
    assert failed(credential, "ob3-minimal") == {"OB-11", "OB-21"}  # OB-21: the OB schema says so too


def test_issuer_given_as_a_uri(credential: dict[str, Any]) -> None:
    credential["issuer"] = "did:web:credentials.admal.example"
    assert failed(credential, "ob3-minimal") == {
        "OB-21"
    }  # the declared jp-mc-framework schema wants an object
    undeclare_mc_schema(credential)
    assert failed(credential, "ob3-minimal") == set()
    assert result_of(credential, "ob3-minimal", "OB-07").status == "not-applicable"
    assert failed(credential, "eu-microcredential") == {"EU-03"}
    assert failed(credential, "jp-mc-framework") == {"JP-02"}


def test_issuer_profile_type(credential: dict[str, Any]) -> None:
    credential["issuer"]["type"] = ["Organization"]
    assert failed(credential, "ob3-minimal") == {"OB-07", "OB-21"}


def test_dates(credential: dict[str, Any]) -> None:
    credential["validUntil"] = "2026-01-01T00:00:00Z"
    assert failed(credential, "ob3-minimal") == {"OB-09"}
    credential["validUntil"] = "2027-01-01T00:00:00Z"
    assert failed(credential, "ob3-minimal") == set()
    credential["validFrom"] = "2026-03-20T00:00:00"  # no time zone
    assert failed(credential, "ob3-minimal") == {"OB-08", "OB-21"}


def test_issuing_date_not_in_the_future(credential: dict[str, Any]) -> None:
    early = dt.datetime(2026, 1, 1, tzinfo=dt.UTC)
    assert set(evaluate(credential, "eu-microcredential", stage="unsigned", now=early).failed_rules) == {
        "EU-05"
    }
    with pytest.raises(ValueError, match="time zone"):
        evaluate(credential, "eu-microcredential", now=dt.datetime(2026, 1, 1))


def test_award_date_after_valid_from_is_a_warning(credential: dict[str, Any]) -> None:
    credential["awardedDate"] = "2026-04-01T00:00:00Z"
    result = evaluate(credential, "eu-microcredential", stage="unsigned", now=NOW)
    assert result.passed
    assert "EU-05b" in result.warnings


def test_results_refer_to_allowed_values(credential: dict[str, Any]) -> None:
    result = credential["credentialSubject"]["result"][0]
    result["value"] = "Z"
    assert failed(credential, "eu-microcredential") == {"EU-14"}
    result["value"] = "A-"
    result["resultDescription"] = "urn:uuid:00000000-0000-0000-0000-000000000000"
    assert failed(credential, "ob3-minimal") == {"OB-20"}


def test_achievement_type(credential: dict[str, Any]) -> None:
    achievement = undeclare_mc_schema(credential)["credentialSubject"]["achievement"]
    achievement["achievementType"] = "ext:ShortCourse"
    assert failed(credential, "ob3-minimal") == set()
    assert "EU-00" in failed(credential, "eu-microcredential")
    achievement["achievementType"] = "ShortCourse"
    assert failed(credential, "ob3-minimal") == {"OB-19", "OB-21"}


def test_stackability_conditions(credential: dict[str, Any]) -> None:
    undeclare_mc_schema(credential)
    stackability = descriptor(credential)["stackability"]
    del stackability["stackableTowards"][0]["positionInProgramme"]
    assert failed(credential, "jp-mc-framework") == {"JP-10"}
    del stackability["stackableTowards"]
    assert failed(credential, "eu-microcredential") == {"EU-15b"}
    assert failed(credential, "jp-mc-framework") == {"JP-09b"}
    stackability["integration"] = "stand-alone"
    assert failed(credential, "eu-microcredential") == set()
    assert failed(credential, "jp-mc-framework") == set()
    for rule_id in ("JP-09b", "JP-10"):
        assert result_of(credential, "jp-mc-framework", rule_id).status == "not-applicable"


def test_consortium_class_needs_two_awarding_bodies(credential: dict[str, Any]) -> None:
    d = descriptor(undeclare_mc_schema(credential))
    d["qaClass"] = "consortium-credit-bearing"
    assert failed(credential, "jp-mc-framework") == {"JP-12b"}
    body = {"id": "https://admal.example/", "type": ["Profile"], "name": "ADMAL"}
    d["awardingBody"] = [body, {**body, "id": "https://partner.example/", "name": "Partner"}]
    assert failed(credential, "jp-mc-framework") == set()


def test_certificate_form_must_include_digital(credential: dict[str, Any]) -> None:
    descriptor(undeclare_mc_schema(credential))["certificateForm"] = ["paper"]
    assert failed(credential, "jp-mc-framework") == {"JP-08"}


# --- evaluate_achievement ------------------------------------------------------------------------


@pytest.mark.parametrize("profile", PROFILES)
def test_evaluate_achievement_reports_only_achievement_rules(
    credential: dict[str, Any], profile: str
) -> None:
    result = evaluate_achievement(credential["credentialSubject"]["achievement"], profile)
    expected = ACHIEVEMENT_RULE_IDS["ob3-minimal"] | ACHIEVEMENT_RULE_IDS.get(profile, set())
    assert {r.id for r in result.rules} == expected
    assert result.passed


def test_evaluate_achievement_without_a_descriptor(credential: dict[str, Any]) -> None:
    achievement = credential["credentialSubject"]["achievement"]
    del achievement["mcDescriptor"]
    assert evaluate_achievement(achievement, "ob3-minimal").failed_rules == ()
    assert set(evaluate_achievement(achievement, "eu-microcredential").failed_rules) == {
        "EU-06",
        "EU-07",
        "EU-10",
        "EU-11",
    }
    assert set(evaluate_achievement(achievement, "jp-mc-framework").failed_rules) == {
        "JP-03",
        "JP-05",
        "JP-06",
        "JP-07",
        "JP-08",
        "JP-09",
    }


def test_evaluate_achievement_reports_missing_basics() -> None:
    result = evaluate_achievement({"type": ["Achievement"], "name": "X"}, "ob3-minimal")
    assert set(result.failed_rules) == {"OB-14", "OB-17", "OB-18"}


def test_unknown_profile_raises(credential: dict[str, Any]) -> None:
    with pytest.raises(ValueError, match="unknown profile"):
        evaluate(credential, "us-microcredential")
    with pytest.raises(ValueError, match="unknown profile"):
        evaluate_achievement(credential["credentialSubject"]["achievement"], "us-microcredential")
