"""Issue 13: base58 decoding costs grow with the square of the input, so it refuses text longer than any
key or signature before decoding it (what an unauthenticated POST /v1/verify could otherwise spend)."""

from __future__ import annotations

import pytest

from proofs.keys import InvalidKey, KeyAlgorithm, PrivateKey, PublicKey
from proofs.multibase import MAX_BASE58_LENGTH, MultibaseError, b58decode, b58encode, multibase_decode


def test_the_length_guard_refuses_before_decoding() -> None:
    longest = "2" * MAX_BASE58_LENGTH
    assert len(b58decode(longest)) > 0
    with pytest.raises(MultibaseError) as err:
        b58decode(longest + "2")
    assert str(MAX_BASE58_LENGTH) in str(err.value)
    # An invalid character after the limit is never reached: the length is refused first.
    with pytest.raises(MultibaseError, match="longer than"):
        b58decode("2" * (MAX_BASE58_LENGTH + 1) + "0")
    with pytest.raises(MultibaseError, match="longer than"):
        multibase_decode("z" + "2" * 300_000)
    assert b58decode("2" * 20, max_length=20) == b58decode("2" * 20)
    with pytest.raises(MultibaseError):
        b58decode("2" * 21, max_length=20)


def test_genuine_keys_and_signatures_fit_with_room() -> None:
    for alg in (KeyAlgorithm.ED25519, KeyAlgorithm.P256, KeyAlgorithm.P384):
        key = PrivateKey.generate(alg)
        multikey = key.public_key().multikey()
        assert len(multikey) < 200
        assert PublicKey.from_multikey(multikey) == key.public_key()
        assert len(b58encode(key.sign(b"data"))) <= 132
    with pytest.raises(InvalidKey):
        PublicKey.from_did_key("did:key:z" + "6Mk" * 100_000)
