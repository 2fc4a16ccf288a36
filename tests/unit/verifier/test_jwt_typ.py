"""A JOSE ``typ`` is a media type (RFC 7515 §4.1.9): compared case-insensitively, and with "application/"
implied when it has no "/". An outside fuzzing round found VC-JWTs typed ``jwt``, ``application/jwt`` or
``VC+JWT`` refused as unreadable while ``JWT`` and ``vc+jwt`` verified (a false refusal); SD-JWT VC and its
Key Binding JWT compared theirs exactly too."""

from __future__ import annotations

import json
import time

import pytest

from proofs.jsonld import bundled_loader
from proofs.keys import KeyAlgorithm
from proofs.multibase import b64url_decode, b64url_encode
from proofs.sd_jwt import issue_sd_jwt, make_kb_jwt, parse_sd_jwt, verify_kb_jwt, verify_sd_jwt
from proofs.vc_jwt import JwtError, parse_jwt, typ_is
from tests.unit.verifier.builders import NOW, key, open_badge
from verifier import DidResolver, Verifier

SIGNER = key(31, KeyAlgorithm.P256)


def _vc_jwt(typ: str) -> str:
    did = SIGNER.public_key().did_key()
    credential = open_badge(did)
    payload = {**credential, "iss": did, "jti": credential["id"], "nbf": 1767225600}
    payload["sub"] = credential["credentialSubject"]["id"]
    header = {"alg": "ES256", "kid": SIGNER.public_key().did_key_vm(), "typ": typ}
    signing_input = (
        b64url_encode(json.dumps(header).encode()) + "." + b64url_encode(json.dumps(payload).encode())
    )
    return signing_input + "." + b64url_encode(SIGNER.sign(signing_input.encode()))


@pytest.mark.parametrize(
    "typ",
    ["JWT", "jwt", "Jwt", "application/jwt", "application/JWT", "vc+jwt", "VC+JWT", "application/VC+JWT"],
)
def test_a_vc_jwt_typ_is_a_media_type(typ: str) -> None:
    verifier = Verifier(loader=bundled_loader(), resolver=DidResolver(), fetch_status_list=None)
    result = verifier.verify(_vc_jwt(typ), now=NOW)
    assert result.verified, (typ, result.as_json())


@pytest.mark.parametrize("typ", ["JWS", "text/jwt", "application/jwt+x", "jwt ", "sd+jwt"])
def test_other_typs_stay_refused(typ: str) -> None:
    with pytest.raises(JwtError) as caught:
        parse_jwt(_vc_jwt(typ))
    assert caught.value.code == "UNSUPPORTED_TYP"
    assert not typ_is(None, ("JWT",)) and not typ_is(["JWT"], ("JWT",))


@pytest.mark.parametrize(
    ("typ", "kb_typ"),
    [("DC+SD-JWT", "KB+JWT"), ("application/dc+sd-jwt", "application/kb+jwt"), ("vc+sd-jwt", "kb+jwt")],
)
def test_sd_jwt_vc_and_key_binding_typs_are_media_types(typ: str, kb_typ: str) -> None:
    holder = key(32, KeyAlgorithm.P256)
    claims = {
        "iss": "https://issuer.example",
        "vct": "urn:example:type",
        "cnf": {"jwk": holder.public_key().jwk()},
    }
    issued = issue_sd_jwt(claims, disclosable=[], key=SIGNER, header={"typ": typ})
    now = int(time.time())
    kb = make_kb_jwt(issued, holder_key=holder, aud="https://verifier.example", nonce="n-1", iat=now)
    header, payload, _ = kb.split(".")
    kb_header = {**json.loads(b64url_decode(header)), "typ": kb_typ}
    signing_input = b64url_encode(json.dumps(kb_header).encode()) + "." + payload
    kb = signing_input + "." + b64url_encode(holder.sign(signing_input.encode()))
    sd = parse_sd_jwt(issued + kb)
    assert verify_sd_jwt(sd, SIGNER.public_key())["vct"] == "urn:example:type"
    verify_kb_jwt(sd, holder.public_key(), aud="https://verifier.example", nonce="n-1", now=now, max_age=60)
