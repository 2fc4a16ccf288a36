"""The ``recipient`` check against an IdentityObject (OB 3.0 IdentityObject and IdentityHash: the
algorithm, ``$``, and the hex digest of the identity and the salt; ``sha256`` and ``md5`` both allowed)."""

from __future__ import annotations

import hashlib

import pytest

from schemas.problems import problem_type
from verifier.checks.recipient import check_recipient
from verifier.result import Identity

EMAIL, SALT = "learner@example.org", "4b2a9c"


def _credential(identity_hash: str) -> dict[str, object]:
    ident = {
        "type": "IdentityObject",
        "identityType": "emailAddress",
        "hashed": True,
        "identityHash": identity_hash,
        "salt": SALT,
    }
    return {"credentialSubject": {"type": ["AchievementSubject"], "identifier": [ident]}}


@pytest.mark.parametrize(
    "identity_hash",
    [
        "sha256$" + hashlib.sha256((EMAIL + SALT).encode()).hexdigest(),
        "md5$" + hashlib.md5((EMAIL + SALT).encode(), usedforsecurity=False).hexdigest(),
    ],
)
def test_sha256_and_md5_identity_hashes_match(identity_hash: str) -> None:
    """md5 was never matched (found by an outside fuzzing round): a credential of its learner failed."""
    passed = check_recipient(_credential(identity_hash), Identity("Learner@Example.org", "emailAddress"))
    assert passed.outcome == "passed"
    other = check_recipient(_credential(identity_hash), Identity("other@example.org", "emailAddress"))
    assert (other.outcome, other.type) == ("failed", problem_type("recipient-mismatch"))


def test_an_unknown_algorithm_matches_nothing() -> None:
    digest = hashlib.sha1((EMAIL + SALT).encode(), usedforsecurity=False).hexdigest()
    check = check_recipient(_credential("sha1$" + digest), Identity(EMAIL, "emailAddress"))
    assert (check.outcome, check.type) == ("failed", problem_type("recipient-mismatch"))


@pytest.mark.parametrize("identifier", [1.5, 0, True, "learner@example.org", None])
def test_an_identifier_that_is_no_identity_object_matches_nothing(identifier: object) -> None:
    """Found by an outside fuzzing round of /v1/verify with an identity: a subject whose ``identifier`` was
    a number (anyone's input) raised TypeError, a 500. It holds no IdentityObject: not this learner."""
    credential = {"credentialSubject": {"type": ["AchievementSubject"], "identifier": identifier}}
    check = check_recipient(credential, Identity(EMAIL, "emailAddress"))
    assert (check.outcome, check.type) == ("failed", problem_type("recipient-mismatch"))


def test_one_identity_object_alone_is_read_as_a_list_of_one() -> None:
    """JSON-LD reads a single value where a set is expected as a set of one: an ``identifier`` that is one
    IdentityObject, not in a list, names the learner as the list would (it was iterated by its keys)."""
    ident = {"type": "IdentityObject", "identityType": "emailAddress", "hashed": False, "identityHash": EMAIL}
    credential = {"credentialSubject": {"type": ["AchievementSubject"], "identifier": ident}}
    assert check_recipient(credential, Identity(EMAIL, "emailAddress")).outcome == "passed"
    other = check_recipient(credential, Identity("other@example.org", "emailAddress"))
    assert (other.outcome, other.type) == ("failed", problem_type("recipient-mismatch"))
