"""proofs.token_status_list: the draft's encoding examples byte for byte, the Status List Token, limits."""

from __future__ import annotations

import json
import zlib
from typing import Any

import pytest

from proofs.keys import KeyAlgorithm, PrivateKey
from proofs.multibase import b64url_decode, b64url_encode
from proofs.statuslist import get_value, set_value
from proofs.token_status_list import (
    StatusListReader,
    TokenStatus,
    TokenStatusListError,
    decode_status_list,
    encode_status_list,
    from_bitstring,
    get_status,
    pack_statuses,
    referenced_status,
    status_list_token,
    verify_status_list_token,
)
from proofs.vc_jwt import sign_jws
from tests.paths import VECTORS as VECTOR_FILES

VECTORS = json.loads((VECTOR_FILES / "token_status_list.json").read_text(encoding="utf-8"))
EXAMPLES = {e["file"]: e for e in VECTORS["examples"]}
SHORT = [e for e in VECTORS["examples"] if "byte_array" in e]
KEY = PrivateKey.generate(KeyAlgorithm.P256)
URI = "https://example.com/statuslists/1"


@pytest.mark.parametrize("example", SHORT, ids=lambda e: e["file"])
def test_short_examples_encode_byte_for_byte(example: dict[str, Any]) -> None:
    packed = bytes(example["byte_array"])
    assert encode_status_list(packed, example["bits"]) == {"bits": example["bits"], "lst": example["lst"]}
    # The same list given as one status per index.
    assert encode_status_list(example["statuses"], example["bits"])["lst"] == example["lst"]
    assert pack_statuses(example["statuses"], example["bits"]) == packed


def test_short_examples_decode_to_the_drafts_statuses() -> None:
    one = decode_status_list(EXAMPLES["status_list_encoding_json.md"])
    assert one.nonzero() == [(i, 1) for i in (0, 3, 4, 5, 7, 8, 9, 13, 15)]
    assert one.statuses() == [1, 0, 0, 1, 1, 1, 0, 1, 1, 1, 0, 0, 0, 1, 0, 1]
    two = decode_status_list(EXAMPLES["status_list_encoding2_json.md"])
    assert two.statuses() == [1, 2, 0, 3, 0, 1, 0, 1, 1, 2, 3, 3]


@pytest.mark.parametrize("example", VECTORS["examples"], ids=lambda e: e["file"])
def test_every_example_round_trips_byte_for_byte(example: dict[str, Any]) -> None:
    reader = decode_status_list(example)
    assert len(reader) == example["entries"]
    assert encode_status_list(reader.data, example["bits"])["lst"] == example["lst"]


@pytest.mark.parametrize(
    "name",
    [
        "status_list_encoding1_long_json.md",
        "status_list_encoding2_long_json.md",
        "status_list_encoding4_json.md",
    ],
)
def test_long_examples_hold_exactly_the_listed_statuses(name: str) -> None:
    example = EXAMPLES[name]
    reader = decode_status_list(example)
    assert [list(pair) for pair in reader.nonzero()] == example["nonzero"]
    assert len(reader) == 2**20
    for index, value in example["nonzero"]:
        assert get_status(example, index) == value
    # Rebuilding the list from its statuses reproduces the published encoding.
    statuses = [0] * len(reader)
    for index, value in example["nonzero"]:
        statuses[index] = value
    assert encode_status_list(statuses, example["bits"])["lst"] == example["lst"]


def test_eight_bit_example() -> None:
    example = EXAMPLES["status_list_encoding8_json.md"]
    reader = decode_status_list(example)
    assert len(reader.nonzero()) == example["nonzero_count"]
    for index, value in example["nonzero_sample"]:
        assert reader[index] == value


def test_lsb_first_packing() -> None:
    assert pack_statuses([1, 0, 0, 0, 0, 0, 0, 0], 1) == b"\x01"
    assert pack_statuses([TokenStatus.INVALID, TokenStatus.SUSPENDED], 2) == bytes([0b1001])
    assert pack_statuses([0xA, 0x3], 4) == b"\x3a"
    assert pack_statuses([7, 200], 8) == bytes([7, 200])


def test_index_out_of_range_is_rejected() -> None:
    example = EXAMPLES["status_list_encoding_json.md"]
    with pytest.raises(TokenStatusListError) as exc:
        get_status(example, 16)
    assert exc.value.code == "INDEX_OUT_OF_RANGE"
    with pytest.raises(TokenStatusListError):
        get_status(example, -1)


@pytest.mark.parametrize(
    "obj",
    [
        {"bits": 3, "lst": "eNrbuRgAAhcBXQ"},
        {"bits": True, "lst": "eNrbuRgAAhcBXQ"},
        {"bits": 1},
        {"bits": 1, "lst": "not base64 !"},
        {"bits": 1, "lst": b64url_encode(b"plainly not zlib")},
        {"bits": 1, "lst": b64url_encode(zlib.compress(b"\x00" * 100)[:-4])},
    ],
)
def test_malformed_lists_are_rejected(obj: dict[str, Any]) -> None:
    with pytest.raises(TokenStatusListError):
        decode_status_list(obj)


def test_decompression_is_capped() -> None:
    bomb = {"bits": 1, "lst": b64url_encode(zlib.compress(b"\x00" * 1_000_000, 9))}
    assert len(decode_status_list(bomb)) == 8_000_000
    with pytest.raises(TokenStatusListError) as exc:
        decode_status_list(bomb, max_bytes=100_000)
    assert exc.value.code == "STATUS_LIST_TOO_LARGE"


def test_status_values_must_fit_the_bit_width() -> None:
    with pytest.raises(TokenStatusListError):
        encode_status_list([0, 2], 1)


def test_bitstring_index_maps_to_the_same_token_status_index() -> None:
    """The allocator's index is used in both lists: BSL (MSB-first) → TSL (LSB-first)."""
    bits = bytes(16)
    for index in (0, 3, 9, 127):
        bits = set_value(bits, index, 1)
    reader = StatusListReader(1, from_bitstring(bits))
    assert [i for i in range(len(reader)) if reader[i]] == [0, 3, 9, 127]
    assert all(reader[i] == get_value(bits, i) for i in range(128))


def test_referenced_status_claim() -> None:
    assert referenced_status(94567, URI) == {"status_list": {"idx": 94567, "uri": URI}}


# -- Status List Token ----------------------------------------------------------------------------


def _token(**overrides: Any) -> str:
    args: dict[str, Any] = {
        "sub_uri": URI,
        "iss": "https://example.com",
        "lst": {"bits": 1, "lst": "eNrbuRgAAhcBXQ"},
        "iat": 1686920170,
        "exp": 2291720170,
        "ttl": 43200,
        "key": KEY,
        "kid_or_x5c_header": {"kid": "12"},
    }
    args.update(overrides)
    return status_list_token(**args)


def test_status_list_token_signing_input_matches_the_draft_example() -> None:
    reference = VECTORS["status_list_jwt_raw"]
    token = _token()
    assert token.rsplit(".", 1)[0] == reference.rsplit(".", 1)[0]
    expected = VECTORS["status_list_jwt"]
    header, payload, _ = token.split(".")
    assert json.loads(b64url_decode(header)) == expected["header"]
    assert json.loads(b64url_decode(payload)) == expected["payload"]


def test_status_list_token_verifies_and_reads() -> None:
    reader = verify_status_list_token(_token(), KEY.public_key(), expected_uri=URI, now=1686920171)
    assert reader[0] == TokenStatus.INVALID
    assert reader[1] == TokenStatus.VALID


def test_status_list_token_with_x5c_header() -> None:
    token = _token(kid_or_x5c_header={"x5c": ["MIIB"]}, iss=None, exp=None, ttl=None)
    header = json.loads(b64url_decode(token.split(".")[0]))
    assert header == {"alg": "ES256", "typ": "statuslist+jwt", "x5c": ["MIIB"]}
    assert set(json.loads(b64url_decode(token.split(".")[1]))) == {"iat", "status_list", "sub"}


@pytest.mark.parametrize(
    ("token_overrides", "verify_overrides", "code"),
    [
        ({}, {"expected_uri": "https://example.com/statuslists/2"}, "SUB_MISMATCH"),
        ({}, {"now": 2291720170}, "STATUS_LIST_EXPIRED"),
        ({"key": PrivateKey.generate(KeyAlgorithm.P256)}, {}, "SIGNATURE_INVALID"),
    ],
)
def test_status_list_token_rejections(
    token_overrides: dict[str, Any], verify_overrides: dict[str, Any], code: str
) -> None:
    args: dict[str, Any] = {"expected_uri": URI, "now": 1686920171}
    args.update(verify_overrides)
    with pytest.raises(TokenStatusListError) as exc:
        verify_status_list_token(_token(**token_overrides), KEY.public_key(), **args)
    assert exc.value.code == code


@pytest.mark.parametrize(
    ("iat", "exp", "code"),
    [
        (1686920170.5, None, None),  # RFC 7519 §2: a NumericDate may be non-integer
        (1686920170, 2291720170.25, None),
        (1686920170.5, 1686920171.5, None),  # exp half a second after now: not yet passed
        (None, None, "MALFORMED_STATUS_LIST_TOKEN"),
        (True, None, "MALFORMED_STATUS_LIST_TOKEN"),  # a JSON boolean is no number
        ("1686920170", None, "MALFORMED_STATUS_LIST_TOKEN"),
        (1686920170, 1686920170.5, "STATUS_LIST_EXPIRED"),
        (1686920170, True, "STATUS_LIST_EXPIRED"),  # an exp that is not a NumericDate: no list to trust
    ],
)
def test_status_list_token_times_are_numeric_dates(iat: Any, exp: Any, code: str | None) -> None:
    payload = {"sub": URI, "iat": iat, "exp": exp, "status_list": {"bits": 1, "lst": "eNrbuRgAAhcBXQ"}}
    token = sign_jws(
        {"alg": "ES256", "typ": "statuslist+jwt", "kid": "12"},
        {k: v for k, v in payload.items() if v is not None},
        key=KEY,
    )
    if code is None:
        assert verify_status_list_token(token, KEY.public_key(), expected_uri=URI, now=1686920171)[0] == 1
        return
    with pytest.raises(TokenStatusListError) as exc:
        verify_status_list_token(token, KEY.public_key(), expected_uri=URI, now=1686920171)
    assert exc.value.code == code


def test_status_list_token_needs_its_typ() -> None:
    token = sign_jws({"alg": "ES256", "typ": "JWT"}, {"sub": URI, "iat": 1}, key=KEY)
    with pytest.raises(TokenStatusListError) as exc:
        verify_status_list_token(token, KEY.public_key(), expected_uri=URI, now=2)
    assert exc.value.code == "UNSUPPORTED_TYP"


def test_kid_or_x5c_header_is_required() -> None:
    with pytest.raises(ValueError):
        _token(kid_or_x5c_header={})
    with pytest.raises(ValueError):
        _token(kid_or_x5c_header={"typ": "JWT"})
