"""Issue 13: a member name twice in one JSON object is refused wherever we read what is signed: the
strict parser itself, a JWT's header and claims, an SD-JWT's parts and Disclosures (RFC 8259 §4,
RFC 7515 §5.2, RFC 7519 §4)."""

from __future__ import annotations

import json

import pytest

from proofs import strict_json
from proofs.keys import KeyAlgorithm, PrivateKey
from proofs.multibase import b64url_encode
from proofs.sd_jwt import SdJwtError, parse_sd_jwt
from proofs.vc_jwt import JwtError, parse_jwt

KEY = PrivateKey.from_raw_secret(KeyAlgorithm.ED25519, bytes([7]) * 32)


def _jws(header_text: str, payload_text: str) -> str:
    """A compact JWS over exactly these JSON texts (signed, so only the duplicate is wrong)."""
    signing_input = f"{b64url_encode(header_text.encode())}.{b64url_encode(payload_text.encode())}"
    return f"{signing_input}.{b64url_encode(KEY.sign(signing_input.encode('ascii')))}"


def test_strict_loads_reads_json_and_refuses_a_duplicate_with_its_path() -> None:
    assert strict_json.loads('{"a": [1, {"b": null}], "c": "d"}') == {"a": [1, {"b": None}], "c": "d"}
    assert strict_json.loads(b'{"same": {"x": 1}, "other": {"x": 2}}') == {
        "same": {"x": 1},
        "other": {"x": 2},
    }
    text = '{"credentialSubject": {"achievement": {"name": "Forged", "name": "Genuine"}}}'
    assert json.loads(text)["credentialSubject"]["achievement"]["name"] == "Genuine"  # what Python keeps
    with pytest.raises(strict_json.DuplicateMember) as err:
        strict_json.loads(text)
    assert err.value.member == "name"
    assert err.value.path == ("credentialSubject", "achievement")
    with pytest.raises(strict_json.DuplicateMember) as err:
        strict_json.loads('{"proof": [{"a": 1}, {"type": "x", "type": "y"}]}')
    assert err.value.path == ("proof", 1)
    with pytest.raises(strict_json.DuplicateMember) as err:
        strict_json.loads('{"id": 1, "id": 1}')  # the same value twice is still two members
    assert (err.value.member, err.value.path) == ("id", ())


def test_strict_items_give_each_item_or_its_duplicate() -> None:
    items = strict_json.loads_items('[{"a": 1}, {"b": {"c": 1, "c": 2}}, 3, {"d": 1, "d": 1}]')
    assert items[0] == {"a": 1} and items[2] == 3
    second, fourth = items[1], items[3]
    assert isinstance(second, strict_json.DuplicateMember) and (second.member, second.path) == ("c", ("b",))
    assert isinstance(fourth, strict_json.DuplicateMember) and (fourth.member, fourth.path) == ("d", ())
    assert strict_json.loads_items("[]") == []
    for text in ('{"a": 1}', "[NaN]", "[", ""):
        with pytest.raises(ValueError):
            strict_json.loads_items(text)


@pytest.mark.parametrize("text", ["[NaN]", '{"a": Infinity}', "-Infinity", "{not json", ""])
def test_strict_loads_refuses_what_is_not_json(text: str) -> None:
    with pytest.raises(ValueError) as err:
        strict_json.loads(text)
    assert not isinstance(err.value, strict_json.DuplicateMember)


def test_jwt_header_with_alg_twice_none_first_is_refused() -> None:
    payload = '{"iss": "did:example:issuer", "vc": {}}'
    token = _jws('{"alg": "none", "alg": "EdDSA", "typ": "JWT"}', payload)
    with pytest.raises(JwtError) as err:
        parse_jwt(token)
    assert err.value.code == "DUPLICATE_MEMBER"
    assert "'alg'" in str(err.value) and "header" in str(err.value)
    # The same token with one alg reads.
    assert parse_jwt(_jws('{"alg": "EdDSA", "typ": "JWT"}', payload)).header["alg"] == "EdDSA"


def test_jwt_claims_with_a_duplicate_are_refused() -> None:
    payload = '{"iss": "did:example:forger", "sub": "did:example:a", "iss": "did:example:issuer"}'
    with pytest.raises(JwtError) as err:
        parse_jwt(_jws('{"alg": "EdDSA"}', payload))
    assert err.value.code == "DUPLICATE_MEMBER" and "payload" in str(err.value)
    nested = '{"vc": {"credentialSubject": {"achievement": {"name": "Forged", "name": "Genuine"}}}}'
    with pytest.raises(JwtError) as err:
        parse_jwt(_jws('{"alg": "EdDSA"}', nested))
    assert err.value.code == "DUPLICATE_MEMBER"


def test_sd_jwt_parts_and_disclosures_with_a_duplicate_are_refused() -> None:
    issuer_jwt = _jws('{"alg": "EdDSA", "typ": "dc+sd-jwt"}', '{"iss": "https://issuer.example", "_sd": []}')
    plain = b64url_encode(b'["salt", "given_name", {"first": "Ada"}]')
    assert parse_sd_jwt(f"{issuer_jwt}~{plain}~").disclosures == (plain,)
    forged = b64url_encode(b'["salt", "given_name", {"first": "Eve", "first": "Ada"}]')
    with pytest.raises(SdJwtError) as err:
        parse_sd_jwt(f"{issuer_jwt}~{plain}~{forged}~")
    assert err.value.code == "DUPLICATE_MEMBER"
    doubled_header = _jws('{"alg": "EdDSA", "typ": "dc+sd-jwt", "typ": "JWT"}', '{"_sd": []}')
    with pytest.raises(SdJwtError) as err:
        parse_sd_jwt(f"{doubled_header}~{plain}~")
    assert err.value.code == "DUPLICATE_MEMBER"
    kb_jwt = _jws('{"alg": "EdDSA", "typ": "kb+jwt"}', '{"nonce": "n", "nonce": "m"}')
    with pytest.raises(SdJwtError) as err:
        parse_sd_jwt(f"{issuer_jwt}~{plain}~{kb_jwt}")
    assert err.value.code == "DUPLICATE_MEMBER"
