"""A Key Binding JWT proves possession of the holder's key only for the audience and nonce it names
(SD-JWT §4.3, §7.3: the verifier checks that the nonce and aud are the ones it asked for). Verified
without a request of ours (no aud or nonce asked for: ``POST /v1/verify`` of a presented SD-JWT VC, or one
inside a presentation), it may be a copy replayed by anyone: the ``holder`` check is then a warning, never
"presented by the holder"; with the verifier's aud and nonce it passes, and with others it fails."""

from __future__ import annotations

import datetime as dt
import time
from collections.abc import Mapping
from typing import Any

from proofs.keys import KeyAlgorithm, PrivateKey
from proofs.sd_jwt import issue_sd_jwt, make_kb_jwt
from schemas.problems import problem_type
from verifier.sd_jwt_vc import SdJwtVcChecks

ISS = "https://issuer.elsewhere.example"
NOW = dt.datetime.fromtimestamp(int(time.time()), dt.UTC)
ISSUER_KEY = PrivateKey.generate(KeyAlgorithm.P256)
HOLDER_KEY = PrivateKey.generate(KeyAlgorithm.P256)
METADATA = {"issuer": ISS, "jwks": {"keys": [{**ISSUER_KEY.public_key().jwk(), "kid": "k1"}]}}


def _presented(aud: str, nonce: str) -> str:
    claims = {
        "iss": ISS,
        "vct": "urn:example:type",
        "iat": int(NOW.timestamp()),
        "given_name": "Aiko",
        "cnf": {"jwk": HOLDER_KEY.public_key().jwk()},
    }
    issued = issue_sd_jwt(claims, disclosable=["given_name"], key=ISSUER_KEY, header={"kid": "k1"})
    return issued + make_kb_jwt(issued, holder_key=HOLDER_KEY, aud=aud, nonce=nonce, iat=int(NOW.timestamp()))


def _holder(text: str, aud: str | None = None, nonce: str | None = None) -> tuple[str, str | None]:
    def fetch_json(url: str) -> Mapping[str, Any]:
        return METADATA

    checks = SdJwtVcChecks(trust_anchors=[], fetch_json=fetch_json, fetch_text=None, skew=dt.timedelta(0))
    found, _claims = checks.run(text, now=NOW, aud=aud, nonce=nonce)
    outcomes = {c["id"]: (c["outcome"], c.get("type")) for c in found}
    assert outcomes["proof"][0] == "passed"
    return outcomes["holder"]


def test_a_key_binding_made_for_someone_else_is_no_proof_of_holding_here() -> None:
    replayed = _presented("https://employer-a.example", "their-nonce")
    assert _holder(replayed) == ("warning", None)


def test_a_key_binding_for_our_request_passes() -> None:
    text = _presented("https://verifier.example", "our-nonce")
    assert _holder(text, aud="https://verifier.example", nonce="our-nonce") == ("passed", None)


def test_a_key_binding_for_another_request_fails() -> None:
    text = _presented("https://employer-a.example", "their-nonce")
    outcome = _holder(text, aud="https://verifier.example", nonce="our-nonce")
    assert outcome == ("failed", problem_type("invalid-key-binding"))
