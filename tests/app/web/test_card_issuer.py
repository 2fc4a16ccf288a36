"""The card names the issuer the checks judged (outside fuzzing round of issuer trust): an SD-JWT VC's
``iss`` (SD-JWT VC §3.2.2.2), shown under its ``issuing_authority``, never a claim named ``issuer``."""

from __future__ import annotations

from app.web.card import build_card
from app.web.i18n import Words
from verifier import Check, VerificationResult

_FORGED = {"id": "did:web:www.ox.example", "name": "University of Oxford", "url": "https://www.ox.example"}


def _sd_jwt(**claims: object) -> VerificationResult:
    checks = [Check("proof", "passed", "-"), Check("issuer", "passed", "-")]
    return VerificationResult("dc+sd-jwt", checks, {"iss": "https://evil.example", "vct": "urn:x", **claims})


def test_an_sd_jwt_vcs_card_names_its_iss_not_an_issuer_claim() -> None:
    card = build_card(_sd_jwt(issuer=_FORGED), Words("en"))
    assert card.issuer_id == "https://evil.example" and card.issuer_name == "https://evil.example"


def test_an_sd_jwt_vcs_card_shows_its_issuing_authority_for_its_iss() -> None:
    card = build_card(_sd_jwt(issuer=_FORGED, issuing_authority="Evil College"), Words("en"))
    assert card.issuer_id == "https://evil.example" and card.issuer_name == "Evil College"


def test_a_json_ld_credentials_card_names_its_issuer() -> None:
    credential = {"issuer": {"id": "did:example:a", "name": "A College"}, "iss": "did:example:b"}
    card = build_card(VerificationResult("ldp_vc", [Check("issuer", "passed", "-")], credential), Words("en"))
    assert card.issuer_id == "did:example:a" and card.issuer_name == "A College"
