"""DPoP proof checking (RFC 9449 §4.3): the RFC's own examples, fresh ES256 / EdDSA proofs, and one
refusal per rule."""

from __future__ import annotations

import base64
import json
from typing import Any

import pytest

from issuer.wallet.dpop import DpopError, access_token_hash, verify_dpop_proof
from proofs.keys import KeyAlgorithm, PrivateKey, jwk_thumbprint
from proofs.vc_jwt import sign_jws

NOW = 1_790_000_000
URL = "https://shomei.test/issuers/uni/oid4vci/credential"
TOKEN = "a-token_0123456789"

# RFC 9449 §4.1 Figure 3 (token request, decoded in Figure 4) and §7.1 Figure 13 (protected resource
# request with ath, decoded in Figure 14); their key's thumbprint is the jkt of §6.1 Figure 9.
RFC_JWK = (
    "eyJ0eXAiOiJkcG9wK2p3dCIsImFsZyI6IkVTMjU2IiwiandrIjp7Imt0eSI6IkVDIiwieCI6Imw4dEZyaHgtMzR0VjNoUklDUkRZ"
    "OXpDa0RscEJoRjQyVVFVZldWQVdCRnMiLCJ5IjoiOVZFNGpmX09rX282NHpiVFRsY3VOSmFqSG10NnY5VERWclUwQ2R2R1JEQSIs"
    "ImNydiI6IlAtMjU2In19"
)
RFC_TOKEN_PROOF = (
    RFC_JWK
    + ".eyJqdGkiOiItQndDM0VTYzZhY2MybFRjIiwiaHRtIjoiUE9TVCIsImh0dSI6Imh0dHBzOi8vc2VydmVyLmV4YW1wbGUuY29tL3Rv"
    "a2VuIiwiaWF0IjoxNTYyMjYyNjE2fQ.2-GxA6T8lP4vfrg8v-FdWP0A0zdrj8igiMLvqRMUvwnQg4PtFLbdLXiOSsX0x7NVY-FNyJK7"
    "0nfbV37xRZT3Lg"
)
RFC_RESOURCE_PROOF = (
    RFC_JWK
    + ".eyJqdGkiOiJlMWozVl9iS2ljOC1MQUVCIiwiaHRtIjoiR0VUIiwiaHR1IjoiaHR0cHM6Ly9yZXNvdXJjZS5leGFtcGxlLm9yZy9w"
    "cm90ZWN0ZWRyZXNvdXJjZSIsImlhdCI6MTU2MjI2MjYxOCwiYXRoIjoiZlVIeU8ycjJaM0RaNTNFc05yV0JiMHhXWG9hTnk1OUlp"
    "S0NBcWtzbVFFbyJ9.2oW9RP35yRqzhrtNP86L-Ey71EOptxRimPPToA1plemAgR6pxHF8y6-yqyVnmcw6Fy1dqd-jfxSYoMxhAJpLjA"
)
RFC_ACCESS_TOKEN = "Kz~8mXK1EalYznwH-LC-1fBAo.4Ljp~zsPE_NeO.gxU"
RFC_ATH = "fUHyO2r2Z3DZ53EsNrWBb0xWXoaNy59IiKCAqksmQEo"
RFC_JKT = "0ZcOCORZNYy-DWpqq30jZyJGHTN0d2HglBV3uiguA4I"


def _b64(value: dict[str, Any]) -> str:
    return base64.urlsafe_b64encode(json.dumps(value).encode()).rstrip(b"=").decode()


def make_proof(
    key: PrivateKey,
    *,
    header: dict[str, Any] | None = None,
    drop: tuple[str, ...] = (),
    access_token: str | None = TOKEN,
    **claims: Any,
) -> str:
    head: dict[str, Any] = {"typ": "dpop+jwt", "alg": key.algorithm.jws_alg, "jwk": key.public_key().jwk()}
    head.update(header or {})
    payload: dict[str, Any] = {"jti": "jti-0001", "htm": "POST", "htu": URL, "iat": NOW}
    if access_token is not None:
        payload["ath"] = access_token_hash(access_token)
    payload.update(claims)
    for name in drop:
        payload.pop(name, None)
    return sign_jws(head, payload, key=key)


def refused(proof: str, code: str, **kwargs: Any) -> None:
    options: dict[str, Any] = {"method": "POST", "url": URL, "now": NOW, "access_token": TOKEN}
    options.update(kwargs)
    with pytest.raises(DpopError) as caught:
        verify_dpop_proof(proof, **options)
    assert caught.value.code == code, caught.value


@pytest.fixture(scope="module")
def p256() -> PrivateKey:
    return PrivateKey.generate(KeyAlgorithm.P256)


# -- the RFC's examples -------------------------------------------------------------------------------
def test_rfc9449_access_token_hash_and_thumbprint() -> None:
    assert access_token_hash(RFC_ACCESS_TOKEN) == RFC_ATH
    jwk = {
        "kty": "EC",
        "x": "l8tFrhx-34tV3hRICRDY9zCkDlpBhF42UQUfWVAWBFs",
        "y": "9VE4jf_Ok_o64zbTTlcuNJajHmt6v9TDVrU0CdvGRDA",
        "crv": "P-256",
    }
    assert jwk_thumbprint(jwk) == RFC_JKT


def test_rfc9449_token_request_proof() -> None:
    proof = verify_dpop_proof(
        RFC_TOKEN_PROOF, method="POST", url="https://server.example.com/token", now=1562262616
    )
    assert (proof.jkt, proof.jti, proof.iat) == (RFC_JKT, "-BwC3ESc6acc2lTc", 1562262616)


def test_rfc9449_resource_request_proof_with_ath() -> None:
    proof = verify_dpop_proof(
        RFC_RESOURCE_PROOF,
        method="GET",
        url="https://resource.example.org/protectedresource",
        now=1562262618,
        access_token=RFC_ACCESS_TOKEN,
    )
    assert (proof.jkt, proof.jti) == (RFC_JKT, "e1j3V_bKic8-LAEB")
    refused(
        RFC_RESOURCE_PROOF,
        "ATH_MISMATCH",
        method="GET",
        url="https://resource.example.org/protectedresource",
        now=1562262618,
    )


# -- valid proofs -------------------------------------------------------------------------------------
@pytest.mark.parametrize("algorithm", [KeyAlgorithm.P256, KeyAlgorithm.ED25519])
def test_valid_proof(algorithm: KeyAlgorithm) -> None:
    key = PrivateKey.generate(algorithm)
    proof = verify_dpop_proof(make_proof(key), method="POST", url=URL, now=NOW, access_token=TOKEN)
    assert proof.jkt == jwk_thumbprint(key.public_key().jwk())
    assert (proof.jti, proof.iat) == ("jti-0001", NOW)


def test_ath_is_ignored_without_an_access_token(p256: PrivateKey) -> None:
    # A token request carries no access token: a missing or unrelated ath does not matter.
    for proof in (make_proof(p256, access_token=None), make_proof(p256, access_token="other")):
        assert verify_dpop_proof(proof, method="POST", url=URL, now=NOW).jti == "jti-0001"


@pytest.mark.parametrize(
    "htu",
    [
        URL + "?a=1",
        URL + "#fragment",
        "HTTPS://SHOMEI.test/issuers/uni/oid4vci/credential",
        "https://shomei.test:443/issuers/uni/oid4vci/credential",
        "https://shomei.test/issuers/%75ni/oid4vci/credential",
    ],
)
def test_htu_ignores_query_fragment_and_case_of_scheme_and_host(p256: PrivateKey, htu: str) -> None:
    verify_dpop_proof(make_proof(p256, htu=htu), method="POST", url=URL, now=NOW, access_token=TOKEN)


def test_iat_window_edges(p256: PrivateKey) -> None:
    for iat in (NOW - 300 - 60, NOW + 60):
        verify_dpop_proof(make_proof(p256, iat=iat), method="POST", url=URL, now=NOW, access_token=TOKEN)


# -- one refusal per rule -----------------------------------------------------------------------------
@pytest.mark.parametrize("typ", ["JWT", "jwt", "application/dpop", None])
def test_wrong_typ(p256: PrivateKey, typ: str | None) -> None:
    refused(make_proof(p256, header={"typ": typ}), "WRONG_TYP")


@pytest.mark.parametrize("typ", ["dpop+JWT", "DPOP+JWT", "application/dpop+jwt"])
def test_typ_is_a_media_type(p256: PrivateKey, typ: str) -> None:
    """RFC 7515 §4.1.9: typ is a media type, compared case-insensitively, "application/" implied."""
    proof = make_proof(p256, header={"typ": typ})
    assert verify_dpop_proof(proof, method="POST", url=URL, now=NOW, access_token=TOKEN).jti == "jti-0001"


def test_alg_none(p256: PrivateKey) -> None:
    good = make_proof(p256)
    head = {"typ": "dpop+jwt", "alg": "none", "jwk": p256.public_key().jwk()}
    unsigned = f"{_b64(head)}.{good.split('.')[1]}.{good.split('.')[2]}"
    refused(unsigned, "UNSUPPORTED_ALG")
    refused(f"{_b64(head)}.{good.split('.')[1]}.", "MALFORMED_PROOF")  # and no empty signature


def test_symmetric_and_unsupported_algs(p256: PrivateKey) -> None:
    good = make_proof(p256)
    for alg in ("HS256", "RS256", "ES384"):
        head = {"typ": "dpop+jwt", "alg": alg, "jwk": p256.public_key().jwk()}
        refused(f"{_b64(head)}.{good.split('.')[1]}.{good.split('.')[2]}", "UNSUPPORTED_ALG")


def test_private_key_in_jwk(p256: PrivateKey) -> None:
    refused(make_proof(p256, header={"jwk": p256.private_jwk()}), "PRIVATE_JWK")


def test_missing_or_broken_jwk(p256: PrivateKey) -> None:
    refused(make_proof(p256, header={"jwk": None}), "INVALID_JWK")
    refused(make_proof(p256, header={"jwk": {"kty": "EC", "crv": "P-256", "x": "AA"}}), "INVALID_JWK")


def test_jwk_of_another_algorithm(p256: PrivateKey) -> None:
    ed = PrivateKey.generate(KeyAlgorithm.ED25519)
    refused(make_proof(p256, header={"jwk": ed.public_key().jwk()}), "ALG_MISMATCH")


def test_bad_signature(p256: PrivateKey) -> None:
    other = PrivateKey.generate(KeyAlgorithm.P256)
    refused(make_proof(other, header={"jwk": p256.public_key().jwk()}), "SIGNATURE_INVALID")
    head, payload, signature = make_proof(p256).split(".")
    tampered = _b64({**json.loads(base64.urlsafe_b64decode(payload + "==")), "htm": "GET"})
    refused(f"{head}.{tampered}.{signature}", "SIGNATURE_INVALID", method="GET")


def test_wrong_htm(p256: PrivateKey) -> None:
    refused(make_proof(p256, htm="GET"), "HTM_MISMATCH")
    refused(make_proof(p256, htm="post"), "HTM_MISMATCH")


@pytest.mark.parametrize(
    "htu",
    [
        "https://shomei.test/issuers/uni/oid4vci/nonce",
        "https://shomei.test/issuers/other/oid4vci/credential",
        "http://shomei.test/issuers/uni/oid4vci/credential",
        "https://evil.test/issuers/uni/oid4vci/credential",
        "https://shomei.test:8443/issuers/uni/oid4vci/credential",
        "https://user@shomei.test/issuers/uni/oid4vci/credential",
        "https://shomei.test/issuers/uni/oid4vci/credential/",
        "/issuers/uni/oid4vci/credential",
        "https://shomei.test/issuers/uni/oid4vci/cred\nential",
        42,
    ],
)
def test_wrong_htu(p256: PrivateKey, htu: Any) -> None:
    refused(make_proof(p256, htu=htu), "HTU_MISMATCH")


def test_stale_iat(p256: PrivateKey) -> None:
    refused(make_proof(p256, iat=NOW - 300 - 61), "IAT_TOO_OLD")


def test_future_iat(p256: PrivateKey) -> None:
    refused(make_proof(p256, iat=NOW + 61), "IAT_IN_FUTURE")


@pytest.mark.parametrize("iat", [None, "1790000000", 1790000000.5, True])
def test_iat_not_an_integer(p256: PrivateKey, iat: Any) -> None:
    refused(make_proof(p256, iat=iat), "INVALID_IAT")


def test_missing_jti(p256: PrivateKey) -> None:
    refused(make_proof(p256, drop=("jti",)), "INVALID_JTI")
    refused(make_proof(p256, jti=""), "INVALID_JTI")
    refused(make_proof(p256, jti="x" * 257), "INVALID_JTI")
    refused(make_proof(p256, jti=7), "INVALID_JTI")


def test_wrong_ath(p256: PrivateKey) -> None:
    refused(make_proof(p256, access_token="another-token"), "ATH_MISMATCH")
    refused(make_proof(p256, ath=access_token_hash(TOKEN) + "="), "ATH_MISMATCH")


def test_missing_ath_when_an_access_token_is_given(p256: PrivateKey) -> None:
    refused(make_proof(p256, access_token=None), "ATH_MISSING")


@pytest.mark.parametrize("shape", ["two", "four", "comma", "space", "empty", "huge"])
def test_exactly_one_compact_jws(p256: PrivateKey, shape: str) -> None:
    good = make_proof(p256)
    proof = {
        "two": good.rsplit(".", 1)[0],
        "four": good + ".AAAA",
        "comma": f"{good},{good}",
        "space": f" {good}",
        "empty": "",
        "huge": good + "A" * 9000,
    }[shape]
    refused(proof, "MALFORMED_PROOF")
