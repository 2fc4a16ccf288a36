"""proofs.constant_time.same_text: hmac.compare_digest raises TypeError for a str that is not ASCII, which
made a state, a pre-authorized code or a key binding nonce written with a non-ASCII letter a 500."""

from __future__ import annotations

import hmac

import pytest

from proofs.constant_time import same_text


def test_non_ascii_text_is_compared_not_refused() -> None:
    with pytest.raises(TypeError):
        hmac.compare_digest("é", "e")  # what every caller did
    assert same_text("é", "é")
    assert not same_text("é", "e")
    assert not same_text("state\ud800", "state")  # a lone surrogate (JSON's \ud800) too
    assert same_text("abc", "abc") and not same_text("abc", "abd")
