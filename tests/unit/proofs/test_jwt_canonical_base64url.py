"""A compact JWS is read only in its one written form (RFC 7515 §2: base64url without padding, line
breaks or other characters; RFC 4648 §3.5: zero pad bits). Found by an outside round on the parsing
layers: ``token + "="``, a signature whose last character differed only in its pad bits, or a line break
inside a part decoded to the same bytes and verified, so one signed token had many texts."""

from __future__ import annotations

import base64

import pytest

from proofs.keys import KeyAlgorithm, PrivateKey
from proofs.multibase import b64url_encode
from proofs.vc_jwt import JwtError, parse_jwt, sign_jws, verify_jws

KEY = PrivateKey.from_raw_secret(KeyAlgorithm.P256, bytes([7]) * 32)
TOKEN = sign_jws({"alg": "ES256", "typ": "JWT"}, {"iss": "https://example.edu", "n": 1}, key=KEY)
_ALPHABET = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"


def _same_bytes_other_last_char(part: str) -> str:
    """The part with its last character changed in its pad bits only (an ES256 signature, 64 bytes, is 86
    characters: the last one carries 2 bits of data and 4 pad bits)."""
    index = _ALPHABET.index(part[-1])
    return part[:-1] + _ALPHABET[index ^ 1]


def test_the_token_as_signed_is_read_and_verified() -> None:
    verify_jws(parse_jwt(TOKEN), KEY.public_key())


@pytest.mark.parametrize(
    "variant",
    [
        TOKEN + "=",
        TOKEN + "==",
        TOKEN[:-1] + "\n" + TOKEN[-1],
        ".".join(TOKEN.split(".")[:2]) + "." + _same_bytes_other_last_char(TOKEN.split(".")[2]),
        TOKEN.split(".")[0] + "=." + ".".join(TOKEN.split(".")[1:]),
    ],
    ids=["padding", "double-padding", "line-break", "pad-bits", "header-padding"],
)
def test_another_text_of_the_same_token_is_refused(variant: str) -> None:
    assert variant != TOKEN
    with pytest.raises(JwtError) as excinfo:
        parse_jwt(variant)
    assert excinfo.value.code == "MALFORMED_JWT"


def test_the_pad_bits_variant_decodes_to_the_same_signature() -> None:
    # What made the variants dangerous: the lenient decoder reads them as the signed bytes.
    signature = TOKEN.split(".")[2]
    other = _same_bytes_other_last_char(signature)
    assert base64.urlsafe_b64decode(other + "==") == base64.urlsafe_b64decode(signature + "==")
    assert b64url_encode(base64.urlsafe_b64decode(other + "==")) == signature
