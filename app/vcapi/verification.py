"""W3C VC-API ``POST /credentials/verify``: the credential checked against the VC Data Model
(:mod:`profiles.vcdm`), verified by :func:`app.verification.service.run_verification`, and the answer the
VC-API gives (its verifier.yml: ``200`` "successfully verified", ``400`` "invalid input").

The body is the same either way: ``verified``, ``checks`` (the ids of the checks that passed),
``warnings``, ``errors`` (each failed check) and ``problemDetails``; a 400 is also an RFC 9457 problem
(``type``, ``title``, ``status``, ``detail``: the first failed check). Our own ``POST /v1/verify`` differs:
it answers 200 with its report whether or not the credential verifies.

Refused before any check runs (400): a credential sent as the JSON text of an object instead of the
object (``vcdm-not-an-object``; a compact JWS or SD-JWT stays text), and an object that breaks the data
model (each violation a failed ``data-model`` check with its problem type and JSON Pointer).

The verifier's own ``data-model`` check (:mod:`verifier.checks.data_model`) applies the same rules to
every credential it verifies, the one inside an enveloped credential or a VC-JWT included (one failed
check, every violation in its details). The object's pre-check stays: it names the broken rule even for
an object the verifier cannot read at all (``"type": 10``, no ``VerifiableCredential``: unreadable
there), refuses it before anything is resolved or fetched, and gives each violation its own error. A
valid object is therefore judged twice, a pure walk of the JSON (tens of microseconds).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from pyld import jsonld
from sqlalchemy.orm import Session

from app.errors import BadRequest, problem_type
from app.state import AppState
from app.verification.service import run_verification
from profiles.vcdm import Violation, validate_credential
from proofs.jsonld import InvalidContext, JsonLdFailure
from verifier import Check

__all__ = ["Answer", "verify_credential"]

_ENVELOPED = "EnvelopedVerifiableCredential"


@dataclass(frozen=True, slots=True)
class Answer:
    """What ``/credentials/verify`` answers: ``body`` with ``status`` 200 (verified) or 400."""

    verified: bool
    body: dict[str, Any]

    @property
    def status(self) -> int:
        return 200 if self.verified else 400

    @property
    def media_type(self) -> str:
        return "application/json" if self.verified else "application/problem+json"


def _answer(checks: Sequence[Check], verified: bool) -> Answer:
    failed = [c for c in checks if c.outcome == "failed"]
    body: dict[str, Any] = {
        "verified": verified,
        "checks": [c.id for c in checks if c.outcome == "passed"],
        "warnings": [c.as_json() for c in checks if c.outcome == "warning"],
        "errors": [c.as_json() for c in failed],
        "problemDetails": [{"type": c.type, "title": c.message} for c in failed],
    }
    if not verified:
        first = failed[0] if failed else None
        problem = {
            "type": (first.type if first else None) or problem_type("credential-not-verified"),
            "title": "The credential was not verified",
            "status": 400,
            "detail": first.message if first else "The credential was not verified.",
        }
        body = {**problem, **body}
    return Answer(verified, body)


def _refused(*checks: Check) -> Answer:
    return _answer(checks, verified=False)


def _violation(v: Violation) -> Check:
    return Check("data-model", "failed", v.message, v.type, {"pointer": v.pointer})


def _jsonld_check(exc: Exception) -> Check:
    """The last line for JSON-LD a check did not catch: a failed ``contexts`` check, never a 500."""
    name = "invalid-context" if isinstance(exc, InvalidContext) else "invalid-json-ld"
    return Check("contexts", "failed", "The credential's JSON-LD cannot be processed.", problem_type(name))


def verify_credential(
    state: AppState, session: Session, given: dict[str, Any] | str, *, now: dt.datetime
) -> Answer:
    """Verify the VC-API request's ``verifiableCredential`` (an object, an enveloped credential, or a
    compact JWS / SD-JWT as text) at ``now``."""
    if isinstance(given, str):
        if given.lstrip().startswith(("{", "[")):
            return _refused(
                Check(
                    "format",
                    "failed",
                    "The credential must be sent as a JSON object, not as the JSON text of one.",
                    problem_type("vcdm-not-an-object"),
                )
            )
    elif given.get("type") != _ENVELOPED:  # an envelope is opened and judged by the verifier (formats)
        violations = validate_credential(given)
        if violations:
            return _refused(*(_violation(v) for v in violations))
    try:
        result = run_verification(state, session, given, now=now, profiles=[])
    except BadRequest as exc:  # not a credential in any format we read
        return _refused(Check("format", "failed", exc.detail or exc.title, exc.type))
    except (JsonLdFailure, jsonld.JsonLdError) as exc:
        return _refused(_jsonld_check(exc))
    return _answer(result.checks, result.verified)
