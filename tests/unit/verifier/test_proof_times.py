"""Found by fuzzing (issue 13): a proof's own times were never read. VC Data Integrity §2.1: ``created``
and ``expires`` are, when present, XML Schema dateTimeStamps (a date-time with its time zone), and a
proof past its ``expires`` is no longer valid. Each proof here is signed as it stands, so the signature
itself verifies: only the times decide."""

from __future__ import annotations

from typing import Any

import pytest

from proofs.data_integrity import hash_data
from proofs.jsonld import DocumentLoader, bundled_loader
from proofs.multibase import multibase_encode
from schemas.problems import problem_type
from tests.unit.verifier.builders import NOW, key, open_badge
from verifier import DidResolver, VerificationResult, Verifier

KEY = key(41)
DID = KEY.public_key().did_key()


@pytest.fixture(scope="module")
def loader() -> DocumentLoader:
    return bundled_loader()


def _signed(loader: DocumentLoader, **options: Any) -> dict[str, Any]:
    """A credential with an eddsa-rdfc-2022 proof whose options (``created``, ``expires``) are signed."""
    document = open_badge(DID)
    proof = {
        "type": "DataIntegrityProof",
        "cryptosuite": "eddsa-rdfc-2022",
        "verificationMethod": KEY.public_key().did_key_vm(),
        "proofPurpose": "assertionMethod",
        **options,
    }
    config = {"@context": document["@context"], **proof}
    signature = KEY.sign(hash_data(document, config, algorithm=KEY.algorithm, loader=loader))
    return {**document, "proof": {**proof, "proofValue": multibase_encode(signature, base="z")}}


def _verify(loader: DocumentLoader, credential: dict[str, Any]) -> VerificationResult:
    return Verifier(loader=loader, resolver=DidResolver(), fetch_status_list=None).verify(credential, now=NOW)


def _proof(result: VerificationResult) -> tuple[str, str | None]:
    check = result.check("proof")
    assert check is not None
    return check.outcome, check.type


def test_a_proof_past_its_expiry_is_refused(loader: DocumentLoader) -> None:
    expired = _verify(loader, _signed(loader, created="2026-01-01T00:00:00Z", expires="2026-02-01T00:00:00Z"))
    assert not expired.verified and _proof(expired) == ("failed", problem_type("proof-expired"))
    # The same with its expiry still ahead verifies: only the time decides.
    current = _verify(loader, _signed(loader, created="2026-01-01T00:00:00Z", expires="2027-01-01T00:00:00Z"))
    assert current.verified and _proof(current) == ("passed", None)


@pytest.mark.parametrize(
    ("member", "value"),
    [
        ("created", "not a date"),
        ("created", "2026-01-01T00:00:00"),  # no time zone: a dateTime, not a dateTimeStamp
        ("created", "2026-01-01"),
        ("expires", "soon"),
    ],
)
def test_a_proof_time_that_is_not_a_date_time_stamp_is_refused(
    member: str, value: str, loader: DocumentLoader
) -> None:
    options = {"created": "2026-01-01T00:00:00Z", member: value}
    result = _verify(loader, _signed(loader, **options))
    assert not result.verified and _proof(result) == ("failed", problem_type("malformed-proof"))


def test_a_proof_that_expires_at_the_end_of_a_day_expires_then(loader: DocumentLoader) -> None:
    """Found by an outside fuzzing round: XML Schema 1.1 writes the end of a day as ``24:00:00`` (the next
    day's first instant), which DI §2.1's dateTimeStamp allows; such an ``expires`` passed the format check
    but was read as no time at all, so a proof two months past it verified."""
    expired = _signed(loader, created="2026-01-01T00:00:00Z", expires="2026-01-31T24:00:00Z")
    result = _verify(loader, expired)
    assert not result.verified and _proof(result) == ("failed", problem_type("proof-expired"))
    current = _signed(loader, created="2026-01-01T24:00:00Z", expires="2027-01-31T24:00:00Z")
    assert _proof(_verify(loader, current)) == ("passed", None)


@pytest.mark.parametrize(
    "value",
    [
        "2026-13-01T00:00:00Z",  # no month 13
        "2026-02-30T00:00:00Z",  # no 30 February
        "2025-02-29T00:00:00Z",  # 2025 is no leap year
        "2026-01-01T99:99:99Z",
        "2026-01-01T24:00:01Z",  # only 24:00:00 ends a day
        "2026-01-01T00:00:00+99:00",  # offsets are within 14 hours
    ],
)
def test_an_expiry_that_names_no_instant_is_malformed(value: str, loader: DocumentLoader) -> None:
    """Found by an outside fuzzing round: the format check took any two digits for a month, a day or an
    hour, and the expiry that could then not be read was taken for none: the proof verified forever."""
    result = _verify(loader, _signed(loader, created="2026-01-01T00:00:00Z", expires=value))
    assert not result.verified and _proof(result) == ("failed", problem_type("malformed-proof"))
