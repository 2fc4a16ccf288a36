"""The pure pathway evaluation (verifier.pathways): each exclusion rule and its reason code, group
assignment, credits, the recency rule and minimum results, with the clock passed in."""

from __future__ import annotations

import datetime as dt
from typing import Any

from schemas.problems import problem_type
from verifier.pathways import REASONS, Entry, Group, Pathway, Submission, evaluate
from verifier.result import Check, VerificationResult

NOW = dt.datetime(2026, 12, 1, tzinfo=dt.UTC)
HOME, PARTNER, STRANGER = "did:web:home.example", "did:web:partner.example", "did:web:stranger.example"


def _vc(
    n: int,
    *,
    issuer: str = HOME,
    achievement: str | None = None,
    credits: float | None = 5,
    awarded: str = "2026-06-01T00:00:00Z",
    result: str | None = None,
) -> dict[str, Any]:
    subject: dict[str, Any] = {
        "type": ["AchievementSubject"],
        "achievement": {
            "id": achievement or f"urn:course:{n}",
            "type": ["Achievement"],
            "name": f"Course {n}",
            "resultDescription": [{"allowedValue": ["F", "D", "C", "B", "A"]}],
        },
    }
    if credits is not None:
        subject["achievement"]["creditsAvailable"] = credits
    if result is not None:
        subject["result"] = [{"type": ["Result"], "value": result}]
    return {"id": f"urn:vc:{n}", "issuer": {"id": issuer}, "validFrom": awarded, "credentialSubject": subject}


def _ok(vc: dict[str, Any]) -> Submission:
    return Submission(vc["id"], VerificationResult("ldp_vc", [Check("proof", "passed", "ok")], vc))


def _failed(vc: dict[str, Any], check: str, type_name: str) -> Submission:
    checks = [Check("proof", "passed", "ok"), Check(check, "failed", "no", problem_type(type_name))]
    return Submission(vc["id"], VerificationResult("ldp_vc", checks, vc))


def _pathway(**changes: Any) -> Pathway:
    values: dict[str, Any] = {
        "credits_required": 20,
        "groups": (
            Group(
                "core", (Entry("urn:course:1"), Entry("urn:course:2"), Entry("urn:course:3")), min_credits=10
            ),
            Group(
                "electives",
                (Entry("urn:course:3"), Entry("urn:course:4"), Entry("urn:course:5")),
                min_count=2,
            ),
        ),
        "recognised_issuers": frozenset({HOME, PARTNER}),
    }
    values.update(changes)
    return Pathway(**values)


def test_each_exclusion_has_its_reason_code() -> None:
    items = [
        _ok(_vc(1)),
        _failed(_vc(2), "status", "credential-revoked"),
        _failed(_vc(3), "status", "credential-suspended"),
        _failed(_vc(4), "validity", "expired"),
        _failed(_vc(5), "proof", "invalid-signature"),
        _failed(_vc(9, achievement="urn:course:5"), "recipient", "recipient-mismatch"),
        _ok(_vc(6, issuer=STRANGER, achievement="urn:course:2")),
        _ok(_vc(7, achievement="urn:course:99")),
        _ok(_vc(8, achievement="urn:course:1")),
        Submission("credentials/8", None, "unreadable-credential"),
    ]
    progress = evaluate(_pathway(), items, now=NOW)
    assert [(n.credential, n.reason) for n in progress.not_counted] == [
        ("urn:vc:2", "revoked"),
        ("urn:vc:3", "suspended"),
        ("urn:vc:4", "expired"),
        ("urn:vc:5", "unverified"),
        ("urn:vc:9", "different-learner"),
        ("urn:vc:6", "unrecognised-issuer"),
        ("urn:vc:7", "not-in-pathway"),
        ("urn:vc:8", "duplicate-achievement"),
        ("credentials/8", "unreadable"),
    ]
    assert {n.reason for n in progress.not_counted} <= set(REASONS)
    assert progress.credits_earned == 5 and not progress.complete


def test_groups_credits_and_completion() -> None:
    items = [_ok(_vc(1)), _ok(_vc(2, issuer=PARTNER, credits=4.5)), _ok(_vc(3)), _ok(_vc(4)), _ok(_vc(5))]
    progress = evaluate(_pathway(), items, now=NOW)
    core, electives = progress.groups
    # Course 3 is listed by both groups: it counts once, in the first.
    assert [c.achievement for c in core.counted] == ["urn:course:1", "urn:course:2", "urn:course:3"]
    assert [c.achievement for c in electives.counted] == ["urn:course:4", "urn:course:5"]
    assert core.earned == 14.5 and electives.earned == 10
    assert progress.credits_earned == 24.5 and progress.complete
    as_json = progress.as_json()
    assert as_json["groups"][1]["count"] == 2 and as_json["groups"][1]["required_count"] == 2


def test_a_group_short_of_its_minimum_leaves_the_pathway_incomplete() -> None:
    items = [_ok(_vc(1, credits=30)), _ok(_vc(4))]
    progress = evaluate(_pathway(), items, now=NOW)
    assert progress.credits_earned == 35
    assert not progress.groups[1].complete and not progress.complete


def test_credits_from_the_credential_then_the_descriptor_or_the_pathway() -> None:
    earned = _vc(1, credits=None)
    earned["credentialSubject"]["creditsEarned"] = 3
    descriptor = _vc(2, credits=None)
    descriptor["credentialSubject"]["achievement"]["mcDescriptor"] = {"credit": [{"creditValue": 2}]}
    fixed = _vc(4)
    pathway = _pathway(
        groups=(
            Group("core", (Entry("urn:course:1"), Entry("urn:course:2")), min_count=1),
            Group("rest", (Entry("urn:course:4", credits=7.5),), min_count=1),
        )
    )
    progress = evaluate(pathway, [_ok(earned), _ok(descriptor), _ok(fixed)], now=NOW)
    assert [c.credits for c in progress.counted] == [3, 2, 7.5]


def test_recency_is_measured_from_now() -> None:
    pathway = _pathway(recency_years=5)
    old, recent = _vc(1, awarded="2021-11-01T00:00:00Z"), _vc(2, awarded="2021-12-31T00:00:00Z")
    progress = evaluate(pathway, [_ok(old), _ok(recent)], now=NOW)
    assert [(n.credential, n.reason) for n in progress.not_counted] == [("urn:vc:1", "too-old")]
    later = evaluate(pathway, [_ok(recent)], now=NOW + dt.timedelta(days=60))
    assert [n.reason for n in later.not_counted] == ["too-old"]


def test_minimum_results_by_allowed_value_order_or_number() -> None:
    pathway = _pathway(
        groups=(
            Group(
                "core",
                (Entry("urn:course:1", min_result="C"), Entry("urn:course:2", min_result="60")),
                min_count=1,
            ),
        )
    )
    items = [_ok(_vc(1, result="D")), _ok(_vc(2, result="75")), _ok(_vc(3, achievement="urn:course:1"))]
    progress = evaluate(pathway, items, now=NOW)
    assert [c.credential for c in progress.counted] == ["urn:vc:2"]
    assert [(n.credential, n.reason, n.detail) for n in progress.not_counted] == [
        ("urn:vc:1", "result-below-minimum", "D"),
        ("urn:vc:3", "result-missing", None),
    ]
    better = evaluate(pathway, [_ok(_vc(1, result="B"))], now=NOW)
    assert [c.credential for c in better.counted] == ["urn:vc:1"]


def test_a_result_is_ranked_by_its_own_description_whatever_their_order() -> None:
    """``resultDescription`` is an unordered set in the OB 3.0 context (its order is not signed: a holder
    may reorder it without breaking the proof), so the first description in JSON order says nothing. A
    result is ranked by the description its ``resultDescription`` names (or the only one with
    ``allowedValue``); with two and no reference, by number or equality only. It took the first one."""
    pathway = _pathway(groups=(Group("core", (Entry("urn:course:1", min_result="Merit"),), min_count=1),))
    letters = {"id": "urn:rd:letters", "allowedValue": ["Merit", "Pass"]}  # ranks Pass above Merit
    levels = {"id": "urn:rd:levels", "allowedValue": ["Pass", "Merit", "Distinction"]}
    for order in ([letters, levels], [levels, letters]):
        vc = _vc(1, result="Pass")
        vc["credentialSubject"]["achievement"]["resultDescription"] = order
        vc["credentialSubject"]["result"][0]["resultDescription"] = "urn:rd:levels"
        progress = evaluate(pathway, [_ok(vc)], now=NOW)
        assert [(n.reason, n.detail) for n in progress.not_counted] == [("result-below-minimum", "Pass")]
        # Without the reference, two descriptions with values are ambiguous: "Pass" is not "Merit".
        del vc["credentialSubject"]["result"][0]["resultDescription"]
        progress = evaluate(pathway, [_ok(vc)], now=NOW)
        assert [n.reason for n in progress.not_counted] == ["result-below-minimum"]


def test_credits_do_not_depend_on_the_order_of_the_descriptors_credit_set() -> None:
    """Found by an outside round on what is shown against what was signed: the descriptor's first
    ``creditValue`` counted, but ``credit`` is a set (``@container: @set``), whose order is not signed: a
    holder who moved the 140 notional hours before the 5 ECTS kept the proof and counted 140 credits."""
    credit = [
        {"type": "CreditValue", "creditSystem": "ECTS", "creditValue": 5},
        {"type": "CreditValue", "creditSystem": "notional-hours", "creditValue": 140},
    ]
    other = [
        {"type": "CreditValue", "creditSystem": "local-points", "creditValue": 12},
        {"type": "CreditValue", "creditSystem": "notional-hours", "creditValue": 140},
    ]
    pathway = _pathway(groups=(Group("core", (Entry("urn:course:1"),), min_count=1),))
    for items, expected in ((credit, 5), (other, 12)):
        for order in (items, items[::-1]):
            vc = _vc(1, credits=None)
            vc["credentialSubject"]["achievement"]["mcDescriptor"] = {"credit": order}
            assert [c.credits for c in evaluate(pathway, [_ok(vc)], now=NOW).counted] == [expected]


def test_a_vcdm_11_vc_jwt_counts_under_its_iss() -> None:
    """Found by an outside round on what is shown against what was signed: a VCDM 1.1 VC-JWT whose ``vc``
    claim leaves out ``issuer`` and ``issuanceDate`` has them in ``iss`` and ``nbf`` (VCDM 1.1 §6.3.1), and
    verifies so; its pathway entry read the claim alone and said ``unrecognised-issuer`` (and, with a
    recency rule, ``too-old``) for a credential of a recognised issuer, issued last month."""
    vc = _vc(1)
    del vc["issuer"], vc["validFrom"]
    result = VerificationResult("jwt_vc_json", [Check("proof", "passed", "ok")], vc, judged_issuer=HOME)
    result.validity = (dt.datetime(2026, 11, 1, tzinfo=dt.UTC), None)
    pathway = _pathway(groups=(Group("core", (Entry("urn:course:1"),), min_count=1),), recency_years=1)
    progress = evaluate(pathway, [Submission(vc["id"], result)], now=NOW)
    assert [c.achievement for c in progress.counted] == ["urn:course:1"], progress.not_counted
