"""A credential carried inside another as an EnvelopedVerifiableCredential (VCDM 2.0 §4.13.1: the secured
credential is the ``data:`` URL of its ``id``) is named in its check by the credential read from that URL,
never by the envelope's own members. Found by an outside sweep: an endorsement enveloped as a VC-JWT, its
envelope carrying ``"name": "Endorsement by Harvard"`` beside the data: URL, was reported as "Endorsement
1 of 1 ('Endorsement by Harvard') ... is verified", though the endorser signed another name (the envelope's
members are the outer issuer's words, not the endorser's); a CLR's nested credential alike."""

from __future__ import annotations

from typing import Any

import pytest

from proofs.jsonld import DocumentLoader, bundled_loader
from proofs.vc_jwt import encode_ob_vc_jwt
from tests.unit.verifier.builders import NOW, OB_CONTEXT, VC_V2, key, open_badge, signed
from verifier import DidResolver, VerificationResult, Verifier

CLR_CONTEXT = "https://purl.imsglobal.org/spec/clr/v2p0/context-2.0.1.json"
ISSUER = key(91)
DID = ISSUER.public_key().did_key()
VM = ISSUER.public_key().did_key_vm()
OTHER = key(92)
SIGNED_NAME = "Endorsement by Quality Body"
UNSIGNED_NAME = "Unsigned name beside the data URL"
INNER_ID = "urn:uuid:22222222-2222-4222-8222-000000000009"


@pytest.fixture(scope="module")
def loader() -> DocumentLoader:
    return bundled_loader()


def _envelope(credential: dict[str, Any]) -> dict[str, Any]:
    jwt = encode_ob_vc_jwt(credential, key=OTHER, kid=OTHER.public_key().did_key_vm())
    return {
        "@context": [VC_V2],
        "type": "EnvelopedVerifiableCredential",
        "id": "data:application/vc+jwt," + jwt,
        "name": UNSIGNED_NAME,
    }


def _verify(loader: DocumentLoader, credential: dict[str, Any]) -> VerificationResult:
    return Verifier(loader=loader, resolver=DidResolver(), fetch_status_list=None).verify(credential, now=NOW)


def test_an_enveloped_endorsement_is_named_by_what_its_endorser_signed(loader: DocumentLoader) -> None:
    endorsement = {
        "@context": [VC_V2, OB_CONTEXT],
        "id": INNER_ID,
        "type": ["VerifiableCredential", "EndorsementCredential"],
        "name": SIGNED_NAME,
        "issuer": {"id": OTHER.public_key().did_key(), "type": ["Profile"], "name": "Quality Body"},
        "validFrom": "2026-01-01T00:00:00Z",
        "credentialSubject": {
            "id": "https://example.edu/achievements/teamwork",
            "type": ["EndorsementSubject"],
            "endorsementComment": "Meets our standard.",
        },
    }
    badge = open_badge(DID)
    badge["credentialSubject"]["achievement"]["endorsement"] = [_envelope(endorsement)]
    result = _verify(loader, signed(badge, ISSUER, VM, loader))
    assert result.verified, result.checks
    check = result.check("endorsement-1")
    assert check is not None and check.outcome == "passed"
    assert UNSIGNED_NAME not in check.message
    assert SIGNED_NAME in check.message and OTHER.public_key().did_key() in check.message
    assert check.details["id"] == INNER_ID


def test_an_enveloped_nested_credential_is_named_by_what_its_issuer_signed(loader: DocumentLoader) -> None:
    nested = open_badge(OTHER.public_key().did_key(), name=SIGNED_NAME, credential_id=INNER_ID)
    clr = {
        "@context": [VC_V2, CLR_CONTEXT, OB_CONTEXT],
        "id": "urn:uuid:6f1c2e4a-9b7d-4c3e-8a2f-1d0e9c8b7a65",
        "type": ["VerifiableCredential", "ClrCredential"],
        "issuer": DID,
        "name": "Transcript",
        "validFrom": "2026-01-01T00:00:00Z",
        "credentialSubject": {
            "id": "did:example:learner",
            "type": ["ClrSubject"],
            "verifiableCredential": [_envelope(nested)],
        },
    }
    result = _verify(loader, signed(clr, ISSUER, VM, loader))
    check = result.check("nested-credential-1")
    assert check is not None and check.outcome == "passed", result.checks
    assert UNSIGNED_NAME not in check.message
    assert SIGNED_NAME in check.message
    assert check.details["id"] == INNER_ID
