"""Issue 13: what is refused as malformed before any check runs (UnreadableCredential, its problem type):
a member name twice (in a credential's JSON, a JWT's header or claims, an SD-JWT), a value larger than
any genuine one, too many proofs. Nothing here is timed: the refusals are asserted, and the cost they
avoid is measured apart (the issue's figures: 5.4 s of CPU for a 200 KB proofValue before)."""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

import pytest

from profiles.validation.bundled import validate_credential_schema
from profiles.validation.report import MAX_ERRORS
from proofs.data_integrity import MAX_PROOF_VALUE_LENGTH, add_proof
from proofs.jsonld import DocumentLoader, bundled_loader
from proofs.keys import KeyAlgorithm, PrivateKey
from proofs.multibase import b64url_decode, b64url_encode
from proofs.vc_jwt import JwtError, encode_ob_vc_jwt, parse_jwt, sign_jws
from schemas.problems import problem_type
from tests.paths import ROOT
from tests.unit.verifier.builders import VC_V2
from verifier import DidResolver, SdJwtVcChecks, UnreadableCredential, Verifier, read_credential
from verifier.limits import (
    CLR_FACTOR,
    MAX_CONTEXTS,
    MAX_DEPTH,
    MAX_PROOFS,
    MAX_VALUES,
    VALUES_PER_BUNDLED,
    jwt_refusal,
    shape,
)

REFERENCE = ROOT / "bench" / "data" / "reference-mc.json"
CREATED = dt.datetime(2026, 3, 20, 9, 0, tzinfo=dt.UTC)
NOW = dt.datetime(2026, 4, 1, 12, 0, tzinfo=dt.UTC)
KEY = PrivateKey.from_raw_secret(KeyAlgorithm.ED25519, bytes([1]) * 32)
_MARK = "__duplicate__"


@pytest.fixture(scope="module")
def loader() -> DocumentLoader:
    return bundled_loader()


@pytest.fixture(scope="module")
def vc(loader: DocumentLoader) -> dict[str, Any]:
    doc: dict[str, Any] = json.loads(REFERENCE.read_text(encoding="utf-8"))
    for name in ("proof", "credentialStatus"):
        doc.pop(name, None)
    doc["issuer"]["id"] = KEY.public_key().did_key()
    signed: dict[str, Any] = add_proof(
        doc, key=KEY, verification_method=KEY.public_key().did_key_vm(), created=CREATED, loader=loader
    )
    return signed


def _verifier(loader: DocumentLoader) -> Verifier:
    return Verifier(loader=loader, resolver=DidResolver(), fetch_status_list=None)


def _refusal(loader: DocumentLoader, data: Any) -> UnreadableCredential:
    with pytest.raises(UnreadableCredential) as err:
        _verifier(loader).verify(data, now=NOW)
    return err.value


def forged_name_first(vc: dict[str, Any]) -> str:
    """The credential's JSON with the achievement's name twice: a forged one first, the genuine last (the
    one Python, and so the signature check, would read)."""
    forged = json.loads(json.dumps(vc))
    achievement = forged["credentialSubject"]["achievement"]
    forged["credentialSubject"]["achievement"] = {_MARK: 0, **achievement}
    return json.dumps(forged).replace(f'"{_MARK}": 0', '"name": "Doctorate in Medicine"')


def test_a_forged_member_first_and_the_genuine_last_is_refused(
    vc: dict[str, Any], loader: DocumentLoader
) -> None:
    text = forged_name_first(vc)
    assert json.loads(text) == vc  # a lenient reader sees the genuine credential, and its proof holds
    assert _verifier(loader).verify(vc, now=NOW).verified
    refused = _refusal(loader, text)
    assert refused.type_name == "duplicate-member"
    assert "'name'" in str(refused) and "credentialSubject.achievement" in str(refused)
    # Also when it arrives as an enveloped credential, or as a baked file's text.
    enveloped = {
        "@context": [VC_V2],
        "type": "EnvelopedVerifiableCredential",
        "id": "data:application/vc," + text,
    }
    assert _refusal(loader, enveloped).type_name == "duplicate-member"
    with pytest.raises(UnreadableCredential) as err:
        read_credential(text)
    assert err.value.type_name == "duplicate-member"


def _jwt(header_text: str, payload: dict[str, Any]) -> str:
    signing_input = f"{b64url_encode(header_text.encode())}.{b64url_encode(json.dumps(payload).encode())}"
    return f"{signing_input}.{b64url_encode(KEY.sign(signing_input.encode('ascii')))}"


def test_a_jwt_with_alg_twice_none_first_is_refused(vc: dict[str, Any], loader: DocumentLoader) -> None:
    token = encode_ob_vc_jwt(
        {k: v for k, v in vc.items() if k != "proof"}, key=KEY, kid=KEY.public_key().did_key_vm()
    )
    assert _verifier(loader).verify(token, now=NOW).verified
    payload = json.loads(b64url_decode(token.split(".")[1]))
    kid = KEY.public_key().did_key_vm()
    doubled = _jwt(f'{{"alg": "none", "alg": "EdDSA", "kid": "{kid}", "typ": "JWT"}}', payload)
    refused = _refusal(loader, doubled)
    assert refused.type_name == "duplicate-member" and "'alg'" in str(refused)
    # The same header with alg once verifies: only the duplicate is wrong.
    single = _jwt(f'{{"alg": "EdDSA", "kid": "{kid}", "typ": "JWT"}}', payload)
    assert _verifier(loader).verify(single, now=NOW).verified


def test_a_jwt_payload_with_a_duplicate_is_refused(vc: dict[str, Any], loader: DocumentLoader) -> None:
    kid = KEY.public_key().did_key_vm()
    header = b64url_encode(json.dumps({"alg": "EdDSA", "kid": kid, "typ": "JWT"}).encode())
    payload_text = forged_name_first({k: v for k, v in vc.items() if k != "proof"})
    signing_input = f"{header}.{b64url_encode(payload_text.encode())}"
    token = f"{signing_input}.{b64url_encode(KEY.sign(signing_input.encode('ascii')))}"
    assert _refusal(loader, token).type_name == "duplicate-member"


def test_an_sd_jwt_with_a_duplicate_fails_its_format_check(loader: DocumentLoader) -> None:
    kid = KEY.public_key().did_key_vm()
    issuer_jwt = _jwt(
        f'{{"alg": "EdDSA", "kid": "{kid}", "typ": "dc+sd-jwt", "typ": "JWT"}}', {"iss": "https://i.example"}
    )
    sd = SdJwtVcChecks(trust_anchors=[], fetch_json=None, fetch_text=None, skew=dt.timedelta(minutes=5))
    verifier = Verifier(loader=loader, resolver=DidResolver(), fetch_status_list=None, sd_jwt=sd)
    result = verifier.verify(f"{issuer_jwt}~", now=NOW)
    assert not result.verified
    assert [(c.id, c.outcome, c.type) for c in result.checks] == [
        ("format", "failed", problem_type("duplicate-member"))
    ]


def test_a_300_kb_proof_value_is_refused_before_it_is_decoded(
    vc: dict[str, Any], loader: DocumentLoader
) -> None:
    huge = json.loads(json.dumps(vc))
    huge["proof"]["proofValue"] = "z" + "2" * 300_000
    refused = _refusal(loader, huge)
    assert refused.type_name == "value-too-large" and "proofValue" in str(refused)
    assert _refusal(loader, json.dumps(huge)).type_name == "value-too-large"
    at_limit = json.loads(json.dumps(vc))
    at_limit["proof"]["proofValue"] = "z" + "2" * (MAX_PROOF_VALUE_LENGTH - 1)
    result = _verifier(loader).verify(at_limit, now=NOW)  # read, then refused by its proof check
    assert {c.id: c.type for c in result.checks if c.outcome == "failed"} == {
        "proof": problem_type("invalid-proof")
    }


def test_an_oversized_verification_method_is_refused(vc: dict[str, Any], loader: DocumentLoader) -> None:
    huge = json.loads(json.dumps(vc))
    huge["proof"]["verificationMethod"] = "did:key:z" + "6Mk" * 100_000
    refused = _refusal(loader, huge)
    assert refused.type_name == "value-too-large" and "verificationMethod" in str(refused)


def test_too_many_proofs_are_refused(vc: dict[str, Any], loader: DocumentLoader) -> None:
    many = {**vc, "proof": [vc["proof"]] * (MAX_PROOFS + 1)}
    assert _refusal(loader, many).type_name == "too-many-proofs"
    at_limit = {**vc, "proof": [vc["proof"]] * 2}
    assert _verifier(loader).verify(at_limit, now=NOW).verified  # the same proof twice: both verify


def test_a_jwt_larger_than_a_credential_is_refused(loader: DocumentLoader) -> None:
    token = "eyJhbGciOiJFZERTQSJ9." + "A" * 1_100_000 + ".AAAA"
    assert _refusal(loader, token).type_name == "credential-too-large"
    with pytest.raises(JwtError) as err:  # parse_jwt on its own (an OpenID4VCI proof, an SD-JWT part)
        parse_jwt(token)
    assert err.value.code == "TOO_LARGE"
    assert jwt_refusal(err.value).type_name == "value-too-large"


def test_a_long_value_of_a_suite_we_do_not_verify_is_left_to_the_proof_check(
    vc: dict[str, Any], loader: DocumentLoader
) -> None:
    """A bbs-2023 proof's value (CBOR, base64url) runs to kilobytes and is never decoded here: its proof
    check says the cryptosuite is not one we verify, rather than refusing a genuine credential as
    malformed. (An ecdsa-sd-2023 derived proof, which we verify, has its own, larger limit.)"""
    selective = json.loads(json.dumps(vc))
    selective["proof"].update(cryptosuite="bbs-2023", proofValue="u" + "A" * 3000)
    result = _verifier(loader).verify(selective, now=NOW)
    assert {c.id: c.type for c in result.checks if c.outcome == "failed"} == {
        "proof": problem_type("unsupported-cryptosuite")
    }


def test_nesting_deeper_than_any_credential_is_refused(vc: dict[str, Any], loader: DocumentLoader) -> None:
    """A chain of nested blank nodes is what canonicalization is slowest on (300 levels: 3.5 s of CPU
    before the proof failed); an Open Badge nests 9 deep."""
    deep: dict[str, Any] = {"type": ["Evidence"], "name": "leaf"}
    for _ in range(MAX_DEPTH):
        deep = {"type": ["Evidence"], "name": "level", "evidence": [deep]}
    nested = {**vc, "evidence": [deep]}
    refused = _refusal(loader, nested)
    assert refused.type_name == "nesting-too-deep"
    assert _refusal(loader, json.dumps(nested)).type_name == "nesting-too-deep"
    assert _verifier(loader).verify(vc, now=NOW).verified  # 9 deep


def test_thousands_of_contexts_are_refused_before_they_are_looked_up(
    vc: dict[str, Any], loader: DocumentLoader
) -> None:
    """30,000 unknown context URLs cost about 100 ms before the contexts check refused them one by one."""
    crowded = {**vc, "@context": [*vc["@context"], *(f"https://x.example/{i}" for i in range(30_000))]}
    assert _refusal(loader, crowded).type_name == "too-many-contexts"
    assert _refusal(loader, json.dumps(crowded)).type_name == "too-many-contexts"
    enough = {
        **vc,
        "@context": [
            *vc["@context"],
            *(f"https://x.example/{i}" for i in range(MAX_CONTEXTS - len(vc["@context"]))),
        ],
    }
    contexts = _verifier(loader).verify(enough, now=NOW).check("contexts")
    assert contexts is not None and contexts.type == problem_type("unknown-context")


def _with_alignments(vc: dict[str, Any], count: int) -> dict[str, Any]:
    unsigned = {k: v for k, v in vc.items() if k != "proof"}
    subject = dict(unsigned["credentialSubject"])
    subject["achievement"] = {
        **subject["achievement"],
        "alignment": [
            {
                "type": ["Alignment"],
                "targetName": f"Skill {i}",
                "targetUrl": f"https://skills.example/{i}",
                "targetFramework": "ESCO",
            }
            for i in range(count)
        ],
    }
    return {**unsigned, "credentialSubject": subject}


def test_a_credential_of_more_values_than_any_genuine_one_is_refused_unread(
    vc: dict[str, Any], loader: DocumentLoader
) -> None:
    """Refusing a forged credential costs an expansion and a canonicalization of all of it (8,000 forged
    alignments, 684 KiB: about 0.5 s of CPU); past MAX_VALUES JSON values it is refused unread. A verifier
    built with a higher bound verifies the same credential, signed."""
    big = _with_alignments(vc, MAX_VALUES // 5)
    assert shape(big)[1] > MAX_VALUES
    signed = add_proof(
        big, key=KEY, verification_method=KEY.public_key().did_key_vm(), created=CREATED, loader=loader
    )
    assert _refusal(loader, signed).type_name == "too-many-values"
    assert _refusal(loader, json.dumps(signed)).type_name == "too-many-values"
    roomy = Verifier(loader=loader, resolver=DidResolver(), fetch_status_list=None, max_values=2 * MAX_VALUES)
    assert roomy.verify(signed, now=NOW).verified
    # Just under the bound: read and verified.
    fits = _with_alignments(vc, 0)
    fits["credentialSubject"]["achievement"]["alignment"] = big["credentialSubject"]["achievement"][
        "alignment"
    ][: (MAX_VALUES - shape(fits)[1] - 1) // 10]
    assert shape(fits)[1] <= MAX_VALUES
    small = add_proof(
        fits, key=KEY, verification_method=KEY.public_key().did_key_vm(), created=CREATED, loader=loader
    )
    assert _verifier(loader).verify(small, now=NOW).verified


def test_schema_errors_stop_at_a_bound(vc: dict[str, Any], loader: DocumentLoader) -> None:
    """A thousand wrong alignments give at most MAX_ERRORS schema errors (collecting every one cost about
    0.3 ms each); the check still fails."""
    wrong = _with_alignments(vc, 1)
    wrong["credentialSubject"]["achievement"]["alignment"] = [{"type": "Alignment"}] * 1000
    errors = validate_credential_schema({k: v for k, v in wrong.items() if k != "proof"})
    assert 0 < len(errors) <= MAX_ERRORS
    verifier = Verifier(loader=loader, resolver=DidResolver(), fetch_status_list=None, max_values=10_000)
    schema = verifier.verify(wrong, now=NOW).check("schema")
    assert schema is not None and schema.type == problem_type("schema-validation-failed")


def test_a_clr_is_bounded_apart_from_the_credentials_it_bundles(vc: dict[str, Any]) -> None:
    """Each bundled credential is read, and bounded, when it is verified; the CLR's own values are
    bounded when the CLR is read (a CLR of a 124-credit programme bundles 26 badges, ~6,000 values)."""
    copies = MAX_VALUES // shape(vc)[1] + 1
    clr = {
        "@context": ["https://www.w3.org/ns/credentials/v2"],
        "type": ["VerifiableCredential", "ClrCredential"],
        "issuer": vc["issuer"],
        "credentialSubject": {"type": ["ClrSubject"], "verifiableCredential": [vc] * copies},
    }
    assert shape(clr, max_values=10**9)[1] > MAX_VALUES
    assert read_credential(clr).credential == clr
    # Not a CLR: the same bundle counts in full.
    with pytest.raises(UnreadableCredential) as err:
        read_credential({**clr, "type": ["VerifiableCredential"]})
    assert err.value.type_name == "too-many-values"
    # The CLR's own part over its bound (the bound, and an allowance for each bundled credential).
    crowded = {**clr, "name": [f"n{i}" for i in range(MAX_VALUES + VALUES_PER_BUNDLED * copies)]}
    with pytest.raises(UnreadableCredential) as err:
        read_credential(crowded)
    assert err.value.type_name == "too-many-values"


def test_a_clr_is_bounded_in_all_its_bundle_included(vc: dict[str, Any]) -> None:
    """The CLR's own proof is checked over its whole bundle before any bundled credential is read: in all
    it holds at most CLR_FACTOR times the bound, and no bundled credential nests deeper than one alone may."""
    per = shape(vc)[1]
    fits = CLR_FACTOR * MAX_VALUES // per - 1
    clr = {
        "@context": ["https://www.w3.org/ns/credentials/v2"],
        "type": ["VerifiableCredential", "ClrCredential"],
        "issuer": vc["issuer"],
        "credentialSubject": {"type": ["ClrSubject"], "verifiableCredential": [vc] * fits},
    }
    assert read_credential(clr).credential == clr
    over = {**clr, "credentialSubject": {"type": ["ClrSubject"], "verifiableCredential": [vc] * (fits + 2)}}
    with pytest.raises(UnreadableCredential) as err:
        read_credential(over)
    assert err.value.type_name == "too-many-values"
    # Each bundled credential may nest as deep as one alone; deeper is refused with the CLR.
    deep: dict[str, Any] = {"type": ["Evidence"], "name": "leaf"}
    bundled = {**vc, "evidence": deep}
    while shape(bundled)[0] < MAX_DEPTH:
        deep = {"type": ["Evidence"], "evidence": deep}
        bundled = {**vc, "evidence": deep}
    assert shape(bundled)[0] == MAX_DEPTH
    assert read_credential(bundled).credential == bundled
    assert read_credential({**clr, "credentialSubject": {"verifiableCredential": [bundled]}}).credential
    deeper = {**vc, "evidence": {"type": ["Evidence"], "evidence": deep}}
    with pytest.raises(UnreadableCredential) as err:
        read_credential(deeper)
    assert err.value.type_name == "nesting-too-deep"
    with pytest.raises(UnreadableCredential) as err:
        read_credential({**clr, "credentialSubject": {"verifiableCredential": [deeper]}})
    assert err.value.type_name == "nesting-too-deep"


@pytest.mark.parametrize(
    "where",
    ["a value", "a member name", "a bundled credential", "escaped in the text", "the text itself"],
)
def test_a_lone_surrogate_is_refused_unread(where: str, vc: dict[str, Any], loader: DocumentLoader) -> None:
    """JSON's ``\\ud800`` escape reads as a lone surrogate: not Unicode text (I-JSON), so no canonical form
    and no signature covers it. Refused as unreadable wherever it is, never a crash in canonicalization
    (it was a UnicodeEncodeError: a 500 at /v1/verify for the credential sent as text)."""
    surrogate = "\ud800"
    data: Any = json.loads(json.dumps(vc))
    if where == "a value":
        data["credentialSubject"]["achievement"]["name"] = f"Data{surrogate}"
    elif where == "a member name":
        data["credentialSubject"][f"x{surrogate}"] = "y"
    elif where == "a bundled credential":
        bundled = json.loads(json.dumps(vc))
        bundled["name"] = surrogate
        data["type"] = ["VerifiableCredential", "ClrCredential"]
        data["credentialSubject"] = {"type": ["ClrSubject"], "verifiableCredential": [vc, bundled]}
    elif where == "escaped in the text":
        data = json.dumps(data).replace('"name": "', '"name": "\\ud800', 1)
    else:
        data = json.dumps(data, ensure_ascii=False).replace('"name": "', f'"name": "{surrogate}', 1)
    assert _refusal(loader, data).type_name == "unreadable-credential"
    # A pair of escapes is one character, and Unicode: read, and then its proof fails (the name changed).
    paired = json.dumps(vc).replace('"name": "', '"name": "\\ud83d\\ude00', 1)
    result = _verifier(loader).verify(paired, now=NOW)
    assert {c.id: c.type for c in result.checks if c.outcome == "failed"} == {
        "proof": problem_type("invalid-proof")
    }


@pytest.mark.parametrize(
    "number", ["NaN", "Infinity", "-Infinity", "1e400", "1" + "0" * 309, "-" + "9" * 400]
)
def test_a_number_outside_a_double_is_refused_unread(
    number: str, vc: dict[str, Any], loader: DocumentLoader
) -> None:
    """NaN, the infinities and integers of 309 digits or more (Python reads them; I-JSON, RFC 7493 §2.2,
    does not): JSON-LD expansion cannot read them as numbers (pyld's float() overflowed: a 500 at
    /v1/verify), so they are refused as unreadable, in a credential sent as text or as an object."""
    marked = json.loads(json.dumps(vc))
    marked["credentialSubject"]["achievement"]["creditsAvailable"] = "__NUMBER__"
    text = json.dumps(marked).replace('"__NUMBER__"', number)
    assert _refusal(loader, text).type_name == "unreadable-credential"
    as_object = json.loads(text)  # Python's reader takes all of them (NaN, inf, a big int)
    assert _refusal(loader, as_object).type_name == "unreadable-credential"
    # The largest double and a 308-digit integer are numbers like any other: read and expanded (the
    # contexts check passes), and the proof fails (the signed credential held another number there).
    for fine in ("1.7976931348623157e308", "1" + "0" * 307):
        result = _verifier(loader).verify(json.dumps(marked).replace('"__NUMBER__"', fine), now=NOW)
        failed = {c.id: c.type for c in result.checks if c.outcome == "failed"}
        assert failed == {"proof": problem_type("invalid-proof")}, failed


@pytest.mark.parametrize(
    "header", [{"alg": []}, {"alg": {"x": 1}}, {"alg": "EdDSA", "typ": []}, {"alg": "EdDSA", "typ": {}}]
)
def test_a_jwt_header_member_of_the_wrong_type_is_refused(
    header: dict[str, Any], vc: dict[str, Any], loader: DocumentLoader
) -> None:
    """``alg`` and ``typ`` are strings (RFC 7515 §4.1.1, §4.1.9); an array or object there was a TypeError
    (unhashable: a 500) before any signature was looked at."""
    token = _jwt(json.dumps(header), {k: v for k, v in vc.items() if k != "proof"})
    assert _refusal(loader, token).type_name == "unreadable-credential"


def test_a_did_jwk_nested_too_deep_fails_the_proof(vc: dict[str, Any], loader: DocumentLoader) -> None:
    """A did:jwk whose JSON nests thousands deep: the key cannot be resolved (it was a RecursionError)."""
    kid = "did:jwk:" + b64url_encode(("[" * 3000 + "]" * 3000).encode()) + "#0"
    token = _jwt(
        json.dumps({"alg": "EdDSA", "kid": kid, "typ": "JWT"}), {k: v for k, v in vc.items() if k != "proof"}
    )
    result = _verifier(loader).verify(token, now=NOW)
    proof = result.check("proof")
    assert not result.verified and proof is not None and proof.outcome == "failed"


@pytest.mark.parametrize(
    ("claim", "value"),
    [
        ("nbf", 1e308),
        ("exp", 1e308),
        ("nbf", 253402300800),
        ("exp", 2**63),
        ("nbf", -62135596801),
        ("nbf", True),
        ("exp", "2030"),
    ],
)
def test_a_jwt_date_outside_any_date_time_fails_validity(
    claim: str, value: Any, vc: dict[str, Any], loader: DocumentLoader
) -> None:
    """``nbf`` and ``exp`` are NumericDates (RFC 7519 §2); one that is not a number, or that no date-time
    holds (year 10000, 1e308 seconds), fails the validity check as an invalid date, signed or not (it was
    an OverflowError or ValueError: a 500, before the signature was looked at)."""
    unsigned = {k: v for k, v in vc.items() if k != "proof"}
    kid = KEY.public_key().did_key_vm()
    payload = {**unsigned, "iss": unsigned["issuer"]["id"], "jti": unsigned["id"], claim: value}
    payload.pop("validUntil", None)
    token = sign_jws({"alg": "EdDSA", "kid": kid, "typ": "JWT"}, payload, key=KEY)
    result = _verifier(loader).verify(token, now=NOW)
    validity = result.check("validity")
    assert validity is not None and (validity.outcome, validity.type) == (
        "failed",
        problem_type("invalid-date"),
    )
    assert not result.verified


def test_a_signed_jwt_with_a_309_digit_nbf_is_not_valid(vc: dict[str, Any], loader: DocumentLoader) -> None:
    """An integer NumericDate too large for a float is compared as it is (the claims check made it a float:
    OverflowError), and no date-time holds it."""
    unsigned = {k: v for k, v in vc.items() if k != "proof"}
    payload = {**unsigned, "iss": unsigned["issuer"]["id"], "jti": unsigned["id"], "nbf": 10**309}
    token = sign_jws({"alg": "EdDSA", "kid": KEY.public_key().did_key_vm(), "typ": "JWT"}, payload, key=KEY)
    result = _verifier(loader).verify(token, now=NOW)
    assert not result.verified
    assert {c.id for c in result.checks if c.outcome == "failed"} >= {"validity"}


@pytest.mark.parametrize("iat", [[], {}, True, "2026-03-20", None])
def test_a_jwt_iat_that_is_not_a_numeric_date_fails_the_proof(
    iat: Any, vc: dict[str, Any], loader: DocumentLoader
) -> None:
    """``iat`` need not be there, but when it is it is a NumericDate (RFC 7519 §4.1.6): an array, an object,
    a bool or text there was verified without a word."""
    unsigned = {k: v for k, v in vc.items() if k != "proof"}
    token = encode_ob_vc_jwt(unsigned, key=KEY, kid=KEY.public_key().did_key_vm())
    payload = json.loads(b64url_decode(token.split(".")[1]))
    if iat is not None:
        payload["iat"] = iat
    result = _verifier(loader).verify(
        sign_jws({"alg": "EdDSA", "kid": KEY.public_key().did_key_vm(), "typ": "JWT"}, payload, key=KEY),
        now=NOW,
    )
    if iat is None:
        assert result.verified
    else:
        assert {c.id: c.type for c in result.checks if c.outcome == "failed"} == {
            "proof": problem_type("jwt-claim-mismatch")
        }
