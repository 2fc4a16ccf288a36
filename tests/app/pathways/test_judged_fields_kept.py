"""A pathway's submissions keep everything the verifier judged of each credential when a check is added
to it (the learner's ``recipient`` check, the ``presentation`` check of a presentation that fails): the
validity window (a VCDM 1.1 VC-JWT's start is its ``nbf``), the judged issuer and subject, the issuer
trust. Before, each was rebuilt field by field and the window was lost, so a VC-JWT that verified with its
``nbf`` counted as undated (``too-old`` under a recency rule) once a learner was named."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest

from app.pathways import inputs
from app.verification import service as verification
from schemas.pathways import CredentialsIn
from verifier import Check, Identity, VerificationResult

NOW = dt.datetime(2026, 12, 1, tzinfo=dt.UTC)
START = dt.datetime(2026, 11, 1, tzinfo=dt.UTC)


def test_the_learners_check_keeps_what_was_judged(monkeypatch: pytest.MonkeyPatch) -> None:
    judged = VerificationResult(
        "jwt_vc_json",
        [Check("proof", "passed", "ok")],
        {"credentialSubject": {"name": "Aiko"}},
        judged_issuer="https://issuer.example",
        judged_subject={"id": "did:example:aiko", "name": "Aiko"},
    )
    judged.validity = (START, None)

    def run_verification(*args: Any, **kwargs: Any) -> VerificationResult:
        return judged

    monkeypatch.setattr(verification, "run_verification", run_verification)
    body = CredentialsIn(credentials=["eyJhbGciOiJFUzI1NiJ9.e30.c2ln"])
    learner = Identity("did:example:aiko")
    [submission] = inputs.submissions(None, None, body, now=NOW, learner=learner)  # type: ignore[arg-type]
    result = submission.result
    assert result is not None
    assert result.validity == (START, None)
    assert result.judged_issuer == "https://issuer.example"
    assert result.judged_subject == {"id": "did:example:aiko", "name": "Aiko"}
    assert [(c.id, c.outcome) for c in result.checks] == [("proof", "passed"), ("recipient", "passed")]
