"""The VC-API answer to ``POST /presentations/verify``, made of a
:class:`~verifier.presentation.PresentationResult`.

VCALM (w3c/vcalm, "Verify Presentation", VerifyPresentationResult) names ``verified``, ``problemDetails``
(the presentation's own problems, RFC 9457 objects), ``results.presentation`` (``proof``, ``challenge``,
``domain``, ``holder``: each ``verified`` with its ``input``) and ``results.credentials`` (one result per
credential), and ``verifiablePresentation`` only when ``options.returnPresentation`` is true. Beside them,
as ``POST /credentials/verify`` answers and the W3C suites read: ``checks`` (the ids of the presentation's
checks that passed), ``warnings`` and ``errors`` (every failed check, the presentation's and each
credential's, with ``where`` it was found), and ``presentationResult`` / ``credentialResults`` (each check
of the presentation and of every credential, the report ``POST /v1/verify`` gives).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from schemas.problems import problem_type
from verifier import Check
from verifier.presentation import CredentialOutcome, PresentationResult

__all__ = ["vc_api_answer"]


def _problem(check: Check) -> dict[str, Any]:
    return {"type": check.type, "title": check.message}


def _located(check: Check, where: str) -> dict[str, Any]:
    return {**check.as_json(), "where": where}


def _credential_result(outcome: CredentialOutcome) -> dict[str, Any]:
    out: dict[str, Any] = {"index": outcome.index, "verified": outcome.verified}
    if outcome.result is not None:
        out["format"] = outcome.result.format
        credential = outcome.result.credential
        if credential is not None and isinstance(credential.get("id"), str):
            out["credentialId"] = credential["id"]
    out["checks"] = [c.as_json() for c in outcome.checks]
    return out


def _presentation_results(
    result: PresentationResult, presentation: Mapping[str, Any], challenge: str | None, domain: str | None
) -> dict[str, Any]:
    """VCALM ``results.presentation``."""
    out: dict[str, Any] = {
        "proof": [
            {
                "verified": p["verified"],
                "input": p["input"],
                "problemDetails": (
                    [] if p["verified"] else [{"type": _proof_problem(p), "title": p.get("message", "")}]
                ),
            }
            for p in result.proofs
        ]
    }
    for name, asked in (("challenge", challenge), ("domain", domain)):
        check = result.check(name)
        if asked is not None and check is not None:
            out[name] = {"verified": check.outcome == "passed", "input": asked}
    if "holder" in presentation:
        holder = result.check("holder")
        binding = result.check("holder-binding")
        verified = holder is not None and holder.outcome == "passed"
        verified = verified and (binding is None or binding.outcome == "passed")
        out["holder"] = {"verified": verified, "input": presentation["holder"]}
    return out


def _proof_problem(proof: Mapping[str, Any]) -> str:
    """The problem type of one proof that did not verify: its own (a proof set's proofs fail each for
    its own reason), ``invalid-proof`` when it has none."""
    problem = proof.get("problem")
    return problem_type(problem if isinstance(problem, str) else "invalid-proof")


def vc_api_answer(
    result: PresentationResult,
    presentation: Mapping[str, Any],
    *,
    challenge: str | None,
    domain: str | None,
    return_presentation: bool,
) -> dict[str, Any]:
    """The response body; the endpoint answers 200 when ``verified``, else 422."""
    failed = [c for c in result.checks if c.outcome == "failed"]
    errors = [_located(c, "presentation") for c in failed]
    warnings = [_located(c, "presentation") for c in result.checks if c.outcome == "warning"]
    for outcome in result.credentials:
        where = f"verifiableCredential[{outcome.index}]"
        errors.extend(_located(c, where) for c in outcome.checks if c.outcome == "failed")
        warnings.extend(_located(c, where) for c in outcome.checks if c.outcome == "warning")
    body: dict[str, Any] = {
        "verified": result.verified,
        "checks": [c.id for c in result.checks if c.outcome == "passed"],
        "warnings": warnings,
        "errors": errors,
        "problemDetails": [_problem(c) for c in failed],
        "presentationResult": {
            "verified": result.presentation_verified,
            "checks": [c.as_json() for c in result.checks],
        },
        "credentialResults": [_credential_result(o) for o in result.credentials],
        "results": {
            "presentation": _presentation_results(result, presentation, challenge, domain),
            "credentials": [
                {
                    "verified": o.verified,
                    "credential": o.item,
                    "problemDetails": [_problem(c) for c in o.checks if c.outcome == "failed"],
                }
                for o in result.credentials
            ],
        },
    }
    if return_presentation:
        body["verifiablePresentation"] = dict(presentation)
    return body
