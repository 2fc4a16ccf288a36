"""VCALM ``results.presentation.proof``: each proof of a presentation's proof set that does not verify is
reported with its own problem type. Found by an outside sweep: every failing proof was given the type of
the first one (a proof set whose first proof had expired and whose second had a forged signature listed
both as ``proof-expired``)."""

from __future__ import annotations

import datetime as dt

from app.errors import problem_type
from app.testing import SyncClient
from tests.app.presentations.test_verify_presentation import (
    external_credential,
    post,
    presentation,
    sign_presentation,
)


def test_each_failing_proof_has_its_own_problem_type(client: SyncClient) -> None:
    vp = presentation(external_credential())
    expired = sign_presentation(vp, expires=dt.datetime.now(dt.UTC) - dt.timedelta(hours=1))["proof"]
    forged = dict(sign_presentation(vp)["proof"], proofValue="z5nmMBw2u9TGKd9NxxHJtyZKgjN2Eh")
    good = sign_presentation(vp)["proof"]
    r = post(client, {**vp, "proof": [expired, forged, good]})
    assert r.status_code == 422, r.text
    proofs = r.json()["results"]["presentation"]["proof"]
    assert [p["verified"] for p in proofs] == [False, False, True]
    assert [[d["type"] for d in p["problemDetails"]] for p in proofs] == [
        [problem_type("proof-expired")],
        [problem_type("invalid-proof")],
        [],
    ]
