"""proofs.sd_jwt: the SD-JWT VC draft's examples reproduced and verified, round trips, tamper cases."""

from __future__ import annotations

import json
import random
from collections.abc import Callable
from typing import Any

import pytest

from proofs.keys import KeyAlgorithm, PrivateKey
from proofs.multibase import b64url_decode, b64url_encode
from proofs.sd_jwt import (
    SdJwtError,
    disclosure_digest,
    holder_key_from_cnf,
    issue_sd_jwt,
    make_disclosure,
    make_kb_jwt,
    parse_sd_jwt,
    sd_hash,
    verify_kb_jwt,
    verify_sd_jwt,
)
from proofs.sd_jwt_vc_claims import numeric_date
from proofs.vc_jwt import sign_jws
from tests.paths import VECTORS as VECTOR_FILES

VECTORS = json.loads((VECTOR_FILES / "sd_jwt_vc.json").read_text(encoding="utf-8"))
SETTINGS = VECTORS["settings"]
ISSUER_KEY = PrivateKey.from_jwk(SETTINGS["issuer_key"])
HOLDER_KEY = PrivateKey.from_jwk(SETTINGS["holder_key"])
KB = VECTORS["example_01_kb"]
NOW = 1_800_000_000


def generator_salts(seed: int) -> Callable[[], str]:
    """The reference generator's deterministic salts (sd-jwt-python, "unsafe randomness")."""
    rng = random.Random(seed)  # reproduces published examples
    return lambda: b64url_encode(bytes(rng.getrandbits(8) for _ in range(16)))


def counter_salts() -> Callable[[], str]:
    n = iter(range(10_000))
    return lambda: f"salt-{next(n)}"


# -- published examples ------------------------------------------------------------------------


@pytest.mark.parametrize("entry", VECTORS["example_01_disclosures"], ids=lambda e: e["claim"])
def test_reference_disclosure_digests(entry: dict[str, str]) -> None:
    salt, name, value = json.loads(b64url_decode(entry["disclosure"]))
    assert name == entry["claim"]
    assert make_disclosure(salt, name, value) == (entry["disclosure"], entry["digest"])
    assert disclosure_digest(entry["disclosure"]) == entry["digest"]


@pytest.mark.parametrize("entry", VECTORS["rfc9901_array_elements"], ids=lambda e: e["value"])
def test_reference_array_element_disclosures(entry: dict[str, str]) -> None:
    assert make_disclosure(entry["salt"], None, entry["value"]) == (entry["disclosure"], entry["digest"])


def test_issuing_example_01_with_the_generator_salts_reproduces_its_disclosures() -> None:
    claims = VECTORS["example_01_user_claims"]
    disclosable = set(claims) - {"vct"}
    issued = issue_sd_jwt(
        claims,
        disclosable=disclosable,
        key=ISSUER_KEY,
        header={"kid": "doc-signer-05-25-2022"},
        salt_source=generator_salts(SETTINGS["random_seed"]),
    )
    sd = parse_sd_jwt(issued)
    expected = VECTORS["example_01_disclosures"]
    assert list(sd.disclosures) == [e["disclosure"] for e in expected]
    assert sd.issuer_jwt.payload["_sd"] == sorted(e["digest"] for e in expected)
    assert sd.issuer_jwt.payload["_sd_alg"] == "sha-256"
    assert sd.issuer_jwt.header == {"alg": "ES256", "typ": "dc+sd-jwt", "kid": "doc-signer-05-25-2022"}
    reference = parse_sd_jwt(VECTORS["example_01_presentation"])
    assert sd.issuer_jwt.payload["_sd"] == reference.issuer_jwt.payload["_sd"]
    assert verify_sd_jwt(sd, ISSUER_KEY.public_key()) == claims


def test_reference_presentation_with_key_binding_verifies() -> None:
    sd = parse_sd_jwt(VECTORS["example_01_presentation"])
    payload = verify_sd_jwt(sd, ISSUER_KEY.public_key())
    expected = dict(VECTORS["example_processed"], cnf={"jwk": HOLDER_KEY.public_key().jwk()})
    assert payload == expected
    assert sd_hash(sd.without_kb) == KB["sd_hash"]
    holder = holder_key_from_cnf(payload)
    assert holder == HOLDER_KEY.public_key()
    kb = verify_kb_jwt(sd, holder, aud=KB["aud"], nonce=KB["nonce"], now=KB["iat"] + 10, max_age=300)
    assert kb["sd_hash"] == KB["sd_hash"]


def test_reference_presentation_without_key_binding_verifies() -> None:
    sd = parse_sd_jwt(VECTORS["example_02_presentation"])
    assert sd.kb_jwt is None
    assert verify_sd_jwt(sd, ISSUER_KEY.public_key()) == VECTORS["example_processed"]
    with pytest.raises(SdJwtError) as exc:
        verify_kb_jwt(sd, HOLDER_KEY.public_key(), aud=KB["aud"], nonce=KB["nonce"], now=NOW, max_age=60)
    assert exc.value.code == "MISSING_KB_JWT"


def test_reference_presentation_fails_under_another_issuer_key() -> None:
    sd = parse_sd_jwt(VECTORS["example_02_presentation"])
    with pytest.raises(SdJwtError) as exc:
        verify_sd_jwt(sd, HOLDER_KEY.public_key())
    assert exc.value.code == "SIGNATURE_INVALID"


# -- round trips ---------------------------------------------------------------------------------

PID_CLAIMS: dict[str, Any] = {
    "iss": "https://pid-issuer.aendgard.example",
    "vct": "urn:example:eudi:pid:aendgard:1",
    "given_name": "Astrid",
    "address": {"street_address": "Sjøgata 12", "locality": "Viken", "country": "Kingdom of Ændgard"},
    "nationalities": ["Ændgard", "Norway"],
    "age_equal_or_over": {"18": True, "65": False},
}
PID_DISCLOSABLE: set[str | tuple[str | int, ...]] = {
    "given_name",
    "address",
    ("address", "street_address"),
    ("address", "locality"),
    ("nationalities", 0),
    "age_equal_or_over",
    ("age_equal_or_over", "18"),
    ("age_equal_or_over", "65"),
}


def _issue(claims: dict[str, Any] | None = None, **kwargs: Any) -> str:
    return issue_sd_jwt(
        claims or PID_CLAIMS,
        disclosable=kwargs.pop("disclosable", PID_DISCLOSABLE),
        key=ISSUER_KEY,
        salt_source=kwargs.pop("salt_source", counter_salts()),
        **kwargs,
    )


def _present(issued: str, keep: Callable[[list[Any]], bool]) -> str:
    sd = parse_sd_jwt(issued)
    kept = [d for d in sd.disclosures if keep(json.loads(b64url_decode(d)))]
    return "~".join([sd.issuer_jwt_compact, *kept, ""])


def test_nested_and_array_disclosures_round_trip() -> None:
    issued = _issue()
    sd = parse_sd_jwt(issued)
    assert len(sd.disclosures) == 8
    payload = sd.issuer_jwt.payload
    assert "given_name" not in payload and "address" not in payload
    assert payload["nationalities"][1] == "Norway"
    assert set(payload["nationalities"][0]) == {"..."}
    assert verify_sd_jwt(sd, ISSUER_KEY.public_key()) == PID_CLAIMS


def test_issuance_is_deterministic_with_an_injected_salt_source() -> None:
    # ES256 signatures are randomized: compare the Disclosures and the payload.
    first, second = parse_sd_jwt(_issue()), parse_sd_jwt(_issue())
    assert first.disclosures == second.disclosures
    assert first.issuer_jwt.payload == second.issuer_jwt.payload


def test_partial_presentation_hides_undisclosed_claims() -> None:
    wanted = {"address", "locality", "age_equal_or_over", "18"}
    presentation = _present(_issue(), lambda d: len(d) == 2 or d[1] in wanted)
    payload = verify_sd_jwt(parse_sd_jwt(presentation), ISSUER_KEY.public_key())
    assert payload["address"] == {"locality": "Viken", "country": "Kingdom of Ændgard"}
    assert payload["age_equal_or_over"] == {"18": True}
    assert payload["nationalities"] == ["Ændgard", "Norway"]
    assert "given_name" not in payload


def test_undisclosed_array_element_is_removed() -> None:
    presentation = _present(_issue(), lambda d: len(d) == 3)
    payload = verify_sd_jwt(parse_sd_jwt(presentation), ISSUER_KEY.public_key())
    assert payload["nationalities"] == ["Norway"]


def test_decoys_are_added_to_every_sd_array_and_sorted() -> None:
    sd = parse_sd_jwt(_issue(decoys=3))
    top = sd.issuer_jwt.payload["_sd"]
    assert len(top) == 3 + 3  # given_name, address, age_equal_or_over + decoys
    assert top == sorted(top)
    assert verify_sd_jwt(sd, ISSUER_KEY.public_key()) == PID_CLAIMS


def test_x5c_header_and_default_typ() -> None:
    sd = parse_sd_jwt(_issue(header={"x5c": ["MIIB"]}))
    assert sd.issuer_jwt.header == {"alg": "ES256", "typ": "dc+sd-jwt", "x5c": ["MIIB"]}


def test_without_disclosable_claims_there_is_no_sd_array() -> None:
    sd = parse_sd_jwt(_issue({"vct": "urn:x", "name": "n"}, disclosable=set()))
    assert sd.disclosures == ()
    assert "_sd" not in sd.issuer_jwt.payload
    assert verify_sd_jwt(sd, ISSUER_KEY.public_key()) == {"vct": "urn:x", "name": "n"}


@pytest.mark.parametrize("claim", ["iss", "vct", "cnf", "status", "exp"])
def test_never_disclosable_claims_are_refused_at_issuance(claim: str) -> None:
    with pytest.raises(SdJwtError) as exc:
        _issue(disclosable={claim})
    assert exc.value.code == "NOT_DISCLOSABLE"


@pytest.mark.parametrize("path", [("status", "status_list"), ("cnf", "jwk"), ("aka_vcts", 0)])
def test_no_part_of_a_never_disclosable_claim_is_disclosable_at_issuance(path: tuple[str | int, ...]) -> None:
    claims = {"vct": "urn:x", "status": {"status_list": {"idx": 0, "uri": "https://x"}}, "cnf": {"jwk": {}}}
    with pytest.raises(SdJwtError) as exc:
        _issue({**claims, "aka_vcts": ["urn:y"]}, disclosable={path})
    assert exc.value.code == "NOT_DISCLOSABLE"


def test_unknown_disclosable_path_is_refused() -> None:
    with pytest.raises(SdJwtError) as exc:
        _issue(disclosable={("address", "postal_code")})
    assert exc.value.code == "UNKNOWN_DISCLOSABLE_PATH"


# -- tamper cases ----------------------------------------------------------------------------------


def _resign(payload: dict[str, Any], disclosures: list[str]) -> str:
    jws = sign_jws({"alg": "ES256", "typ": "dc+sd-jwt"}, payload, key=ISSUER_KEY)
    return "~".join([jws, *disclosures, ""])


def _verify_code(text: str) -> str:
    with pytest.raises(SdJwtError) as exc:
        verify_sd_jwt(parse_sd_jwt(text), ISSUER_KEY.public_key())
    return exc.value.code


def test_changed_disclosure_is_unreferenced() -> None:
    sd = parse_sd_jwt(_issue())
    salt, name, _ = json.loads(b64url_decode(sd.disclosures[0]))
    forged, _ = make_disclosure(salt, name, "Mallory")
    text = "~".join([sd.issuer_jwt_compact, forged, *sd.disclosures[1:], ""])
    assert _verify_code(text) == "UNREFERENCED_DISCLOSURE"


def test_foreign_disclosure_is_unreferenced() -> None:
    extra, _ = make_disclosure("fresh-salt", "is_admin", True)
    assert _verify_code(_issue() + extra + "~") == "UNREFERENCED_DISCLOSURE"


def test_duplicate_disclosure_is_rejected() -> None:
    sd = parse_sd_jwt(_issue())
    text = "~".join([sd.issuer_jwt_compact, *sd.disclosures, sd.disclosures[0], ""])
    assert _verify_code(text) == "DUPLICATE_DISCLOSURE"


def test_duplicate_digest_in_payload_is_rejected() -> None:
    disclosure, digest = make_disclosure("s1", "given_name", "A")
    text = _resign({"vct": "urn:x", "_sd": [digest], "other": {"_sd": [digest]}}, [disclosure])
    assert _verify_code(text) == "DUPLICATE_DIGEST"


def test_disclosed_name_clashing_with_a_plain_claim_is_rejected() -> None:
    disclosure, digest = make_disclosure("s1", "given_name", "A")
    text = _resign({"vct": "urn:x", "given_name": "B", "_sd": [digest]}, [disclosure])
    assert _verify_code(text) == "CLAIM_NAME_CLASH"


def test_array_disclosure_in_sd_array_is_rejected() -> None:
    disclosure, digest = make_disclosure("s1", None, "A")
    assert (
        _verify_code(_resign({"vct": "urn:x", "_sd": [digest]}, [disclosure])) == "DISCLOSURE_KIND_MISMATCH"
    )


def test_disclosed_vct_is_rejected() -> None:
    disclosure, digest = make_disclosure("s1", "vct", "urn:x")
    assert _verify_code(_resign({"_sd": [digest]}, [disclosure])) == "FORBIDDEN_DISCLOSURE"


@pytest.mark.parametrize("presented", [True, False])
def test_a_digest_inside_a_never_disclosable_claim_is_rejected(presented: bool) -> None:
    disclosure, digest = make_disclosure("s1", "status_list", {"idx": 0, "uri": "https://x"})
    text = _resign({"vct": "urn:x", "status": {"_sd": [digest]}}, [disclosure] if presented else [])
    assert _verify_code(text) == "FORBIDDEN_DISCLOSURE"


def test_reserved_name_in_disclosure_is_rejected() -> None:
    raw = b64url_encode(json.dumps(["s", "_sd", ["x"]]).encode())
    text = _resign({"vct": "urn:x", "_sd": [disclosure_digest(raw)]}, [raw])
    assert _verify_code(text) == "MALFORMED_DISCLOSURE"


def test_unsupported_sd_alg_is_rejected() -> None:
    assert _verify_code(_resign({"vct": "urn:x", "_sd_alg": "md5"}, [])) == "UNSUPPORTED_SD_ALG"


def test_tampered_payload_fails_the_signature() -> None:
    sd = parse_sd_jwt(_issue())
    header, payload, signature = sd.issuer_jwt_compact.split(".")
    claims = json.loads(b64url_decode(payload))
    claims["iss"] = "https://evil.example"
    forged = ".".join([header, b64url_encode(json.dumps(claims).encode()), signature])
    assert _verify_code("~".join([forged, *sd.disclosures, ""])) == "SIGNATURE_INVALID"


def test_wrong_typ_is_rejected() -> None:
    jws = sign_jws({"alg": "ES256", "typ": "JWT"}, {"vct": "urn:x"}, key=ISSUER_KEY)
    assert _verify_code(jws + "~") == "UNSUPPORTED_TYP"


def test_expiry_is_checked_when_a_clock_is_given() -> None:
    sd = parse_sd_jwt(_issue({"vct": "urn:x", "exp": 100}, disclosable=set()))
    assert verify_sd_jwt(sd, ISSUER_KEY.public_key())["exp"] == 100
    with pytest.raises(SdJwtError) as exc:
        verify_sd_jwt(sd, ISSUER_KEY.public_key(), now=101)
    assert exc.value.code == "EXPIRED"


@pytest.mark.parametrize(
    ("claims", "now", "code"),
    [
        ({"exp": 100.5}, 100, None),  # RFC 7519 §2: a NumericDate may be non-integer
        ({"exp": 100.5}, 101, "EXPIRED"),
        ({"nbf": 100.5}, 101, None),
        ({"nbf": 100.5}, 100, "NOT_YET_VALID"),
        ({"exp": True}, 0, "EXPIRED"),
        ({"exp": "200"}, 100, "EXPIRED"),
        ({"exp": 1e300}, 100, "EXPIRED"),  # beyond any date-time
        ({"nbf": True}, 100, "NOT_YET_VALID"),
        ({"nbf": "50"}, 100, "NOT_YET_VALID"),
    ],
)
def test_exp_and_nbf_are_numeric_dates(claims: dict[str, Any], now: int, code: str | None) -> None:
    sd = parse_sd_jwt(_issue({"vct": "urn:x", **claims}, disclosable=set()))
    if code is None:
        assert verify_sd_jwt(sd, ISSUER_KEY.public_key(), now=now) == {"vct": "urn:x", **claims}
        return
    with pytest.raises(SdJwtError) as exc:
        verify_sd_jwt(sd, ISSUER_KEY.public_key(), now=now)
    assert exc.value.code == code


@pytest.mark.parametrize("value", [float("nan"), float("inf"), -float("inf"), 10**400, True, None, "1"])
def test_what_is_not_a_numeric_date(value: Any) -> None:
    assert numeric_date(value) is None


@pytest.mark.parametrize("text", ["", "abc", "a.b.c~", "x~~", "eyJhbGciOiJub25lIn0.e30.~"])
def test_malformed_serializations_are_rejected(text: str) -> None:
    with pytest.raises(SdJwtError):
        parse_sd_jwt(text)


@pytest.mark.parametrize("where", ["issuer-jwt", "disclosure", "kb-jwt"])
@pytest.mark.parametrize("character", ["\u00e9", "\u3042", "+", "/", "=", " ", "\x00"])
def test_characters_outside_base64url_are_refused_when_read(where: str, character: str) -> None:
    """RFC 9901 §7.1: an SD-JWT that cannot be read is rejected; every part is base64url and the digests
    are over its ASCII text, so any other character is a malformed SD-JWT, never an encoding error."""
    jwt, *disclosures, kb = _bound_presentation().split("~")
    if where == "issuer-jwt":
        jwt = jwt[:10] + character + jwt[10:]
    elif where == "disclosure":
        disclosures[0] = character + disclosures[0]
    else:
        kb = kb[:10] + character + kb[10:]
    with pytest.raises(SdJwtError) as exc:
        parse_sd_jwt("~".join([jwt, *disclosures, kb]))
    assert exc.value.code == "MALFORMED_SD_JWT"


@pytest.mark.parametrize("text", ["\u00e9WyJz", "abc~\u00e9~"])
def test_digests_of_text_outside_base64url_are_refused(text: str) -> None:
    for digest in (disclosure_digest, sd_hash):
        with pytest.raises(SdJwtError) as exc:
            digest(text)
        assert exc.value.code == "MALFORMED_SD_JWT"


# -- key binding -----------------------------------------------------------------------------------


def _bound_presentation(**overrides: Any) -> str:
    claims = dict(PID_CLAIMS, cnf={"jwk": HOLDER_KEY.public_key().jwk()})
    without_kb = _present(_issue(claims), lambda d: d[-2] == "given_name")
    kb_args: dict[str, Any] = {"aud": "https://verifier.example", "nonce": "n-0S6_WzA2Mj", "iat": NOW}
    kb_args.update(overrides)
    return without_kb + make_kb_jwt(without_kb, holder_key=kb_args.pop("holder_key", HOLDER_KEY), **kb_args)


def _verify_kb(text: str, **overrides: Any) -> dict[str, Any]:
    sd = parse_sd_jwt(text)
    holder = holder_key_from_cnf(verify_sd_jwt(sd, ISSUER_KEY.public_key()))
    args: dict[str, Any] = {"aud": "https://verifier.example", "nonce": "n-0S6_WzA2Mj", "now": NOW + 5}
    args.update(overrides)
    return verify_kb_jwt(sd, holder, max_age=300, **args)


def test_key_binding_round_trip() -> None:
    text = _bound_presentation()
    sd = parse_sd_jwt(text)
    assert sd.kb_jwt is not None and sd.kb_jwt.header == {"alg": "ES256", "typ": "kb+jwt"}
    assert _verify_kb(text)["sd_hash"] == sd_hash(sd.without_kb)
    assert sd.serialize() == text


@pytest.mark.parametrize(
    ("overrides", "code"),
    [
        ({"aud": "https://other.example"}, "KB_AUD_MISMATCH"),
        ({"nonce": "replayed"}, "KB_NONCE_MISMATCH"),
        ({"now": NOW + 3600}, "KB_IAT_INVALID"),
        ({"now": NOW - 3600}, "KB_IAT_INVALID"),
    ],
)
def test_key_binding_verifier_checks(overrides: dict[str, Any], code: str) -> None:
    with pytest.raises(SdJwtError) as exc:
        _verify_kb(_bound_presentation(), **overrides)
    assert exc.value.code == code


def _kb_with_iat(iat: Any) -> str:
    """A presentation whose KB-JWT carries ``iat`` as given (make_kb_jwt writes integers only)."""
    without_kb = _bound_presentation().rsplit("~", 1)[0] + "~"
    payload = {"iat": iat, "aud": "https://verifier.example", "nonce": "n-0S6_WzA2Mj"}
    payload["sd_hash"] = sd_hash(without_kb)
    return without_kb + sign_jws({"alg": "ES256", "typ": "kb+jwt"}, payload, key=HOLDER_KEY)


@pytest.mark.parametrize("iat", [NOW + 0.25, NOW - 290.5, float(NOW)])
def test_a_kb_jwt_iat_may_be_a_non_integer_numeric_date(iat: float) -> None:
    """RFC 7519 §2: a NumericDate is a JSON number, "non-integer values can be represented"."""
    assert _verify_kb(_kb_with_iat(iat))["iat"] == iat


@pytest.mark.parametrize("iat", [True, False, "1800000000", None, [NOW], NOW + 10.5, NOW - 295.5])
def test_a_kb_jwt_iat_that_is_not_a_recent_numeric_date_is_refused(iat: Any) -> None:
    with pytest.raises(SdJwtError) as exc:
        _verify_kb(_kb_with_iat(iat))
    assert exc.value.code == "KB_IAT_INVALID"


def test_key_binding_by_another_key_fails() -> None:
    other = PrivateKey.generate(KeyAlgorithm.P256)
    with pytest.raises(SdJwtError) as exc:
        _verify_kb(_bound_presentation(holder_key=other))
    assert exc.value.code == "KB_SIGNATURE_INVALID"


def test_wrong_sd_hash_when_disclosures_are_swapped_after_binding() -> None:
    text = _bound_presentation()
    sd = parse_sd_jwt(text)
    # The same salts give the same Disclosures: one the holder did not bind is added afterwards.
    full = parse_sd_jwt(_issue(dict(PID_CLAIMS, cnf={"jwk": HOLDER_KEY.public_key().jwk()})))
    extra = next(
        d
        for d in full.disclosures
        if d not in sd.disclosures and json.loads(b64url_decode(d))[1] == "address"
    )
    assert sd.kb_jwt_compact is not None
    swapped = "~".join([sd.issuer_jwt_compact, *sd.disclosures, extra, sd.kb_jwt_compact])
    with pytest.raises(SdJwtError) as exc:
        _verify_kb(swapped)
    assert exc.value.code == "KB_SD_HASH_MISMATCH"


def test_kb_jwt_bound_to_another_presentation_has_the_wrong_sd_hash() -> None:
    sd = parse_sd_jwt(_bound_presentation())
    other = make_kb_jwt(
        sd.issuer_jwt_compact + "~",
        holder_key=HOLDER_KEY,
        aud="https://verifier.example",
        nonce="n-0S6_WzA2Mj",
        iat=NOW,
    )
    with pytest.raises(SdJwtError) as exc:
        _verify_kb(sd.without_kb + other)
    assert exc.value.code == "KB_SD_HASH_MISMATCH"


def test_kb_jwt_needs_the_kb_typ() -> None:
    text = _bound_presentation()
    sd = parse_sd_jwt(text)
    wrong = sign_jws(
        {"alg": "ES256", "typ": "JWT"}, {"iat": NOW, "aud": "a", "nonce": "n", "sd_hash": "x"}, key=HOLDER_KEY
    )
    with pytest.raises(SdJwtError) as exc:
        _verify_kb(sd.without_kb + wrong)
    assert exc.value.code == "UNSUPPORTED_TYP"


def test_missing_cnf_is_reported() -> None:
    with pytest.raises(SdJwtError) as exc:
        holder_key_from_cnf({"vct": "urn:x"})
    assert exc.value.code == "MISSING_CNF"


def test_make_kb_jwt_requires_the_trailing_tilde() -> None:
    with pytest.raises(SdJwtError):
        make_kb_jwt("a.b.c", holder_key=HOLDER_KEY, aud="a", nonce="n", iat=1)
