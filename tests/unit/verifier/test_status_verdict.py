"""What the status check may claim from the entries it read (found by an outside fuzzing round): a
revocation or suspension that was read is definite even when another entry's list cannot be had; a
credential whose entries give no revocation or suspension purpose (only refresh, message or another) is
not reported as "not revoked" (the check is skipped, so the page says no revocation was checked); a set
refresh entry or one of a purpose the verifier does not interpret is a warning of its own."""

from __future__ import annotations

import pytest

from proofs.jsonld import DocumentLoader, bundled_loader
from schemas.problems import problem_type
from tests.unit.verifier.status_lists import LISTS, credential, entry, status_checks, status_list, verify
from verifier import VerificationResult


@pytest.fixture(scope="module")
def loader() -> DocumentLoader:
    return bundled_loader()


def _outcomes(result: VerificationResult) -> list[tuple[str, str | None]]:
    return [(c.outcome, c.type) for c in status_checks(result)]


def test_a_read_revocation_wins_over_a_list_that_cannot_be_had(loader: DocumentLoader) -> None:
    revoked = {LISTS + "revocation": status_list(loader, "revocation", set_index=77)}
    for order in ((entry("revocation"), entry("suspension")), (entry("suspension"), entry("revocation"))):
        result = verify(loader, credential(loader, *order), revoked)  # the suspension list is not there
        assert not result.verified
        assert _outcomes(result) == [("failed", problem_type("credential-revoked"))]


def test_a_list_that_cannot_be_had_fails_when_nothing_definite_was_read(loader: DocumentLoader) -> None:
    lists = {LISTS + "revocation": status_list(loader, "revocation")}  # not set
    result = verify(loader, credential(loader, entry("revocation"), entry("suspension")), lists)
    assert not result.verified
    assert _outcomes(result) == [("failed", problem_type("status-unavailable"))]


@pytest.mark.parametrize(
    ("purpose", "set_index", "warning"),
    [
        ("refresh", None, None),
        ("refresh", 77, "status-refresh"),
        ("audit", 77, "status-purpose-unknown"),
    ],
    ids=["refresh-clear", "refresh-set", "unknown-purpose-set"],
)
def test_entries_without_revocation_or_suspension_claim_neither(
    loader: DocumentLoader, purpose: str, set_index: int | None, warning: str | None
) -> None:
    lists = {LISTS + purpose: status_list(loader, purpose, set_index=set_index)}
    result = verify(loader, credential(loader, entry(purpose)), lists)
    assert result.verified, result.as_json()
    expected = [("warning", problem_type(warning))] if warning else []
    assert _outcomes(result) == [*expected, ("skipped", None)]


def test_a_revocation_entry_alone_passes(loader: DocumentLoader) -> None:
    lists = {LISTS + "revocation": status_list(loader, "revocation")}
    result = verify(loader, credential(loader, entry("revocation")), lists)
    assert result.verified
    assert _outcomes(result) == [("passed", None)]
