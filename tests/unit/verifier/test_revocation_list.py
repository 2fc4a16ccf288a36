"""The 1EdTech Revocation List Status Method (OB 3.0, CLR 2.0): the list at the entry's URL names revoked
credentials by id. A credential it lists as revoked is refused (``credential-revoked``, with the reason
the list gives); one it does not list passes; a list that cannot be had or read, or a credential without
an id, fails the check (``status-unavailable``): the status could not be established. Before, every such
credential failed with ``status-method-unsupported``, revoked or not."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Mapping
from typing import Any

import pytest

from proofs.data_integrity import add_proof
from proofs.jsonld import DocumentLoader, bundled_loader
from proofs.keys import KeyAlgorithm, PrivateKey
from schemas.problems import problem_type
from tests.paths import ROOT
from verifier import Check, DidResolver, KeyResolutionError, VerificationResult, Verifier

REFERENCE = ROOT / "bench" / "data" / "reference-mc.json"
CREATED = dt.datetime(2026, 3, 20, 9, 0, tzinfo=dt.UTC)
NOW = dt.datetime(2026, 4, 1, 12, 0, tzinfo=dt.UTC)
ISSUER = PrivateKey.from_raw_secret(KeyAlgorithm.ED25519, bytes([5]) * 32)
LIST = "https://issuer.example/api/revocations/da1e96e9"
CREDENTIAL_ID = "https://issuer.example/credential/54418d3f"


@pytest.fixture(scope="module")
def loader() -> DocumentLoader:
    return bundled_loader()


def _credential(loader: DocumentLoader, *, with_id: bool = True, **status: Any) -> dict[str, Any]:
    doc: dict[str, Any] = json.loads(REFERENCE.read_text(encoding="utf-8"))
    doc.pop("proof", None)
    doc["issuer"]["id"] = ISSUER.public_key().did_key()
    if with_id:
        doc["id"] = CREDENTIAL_ID
    else:
        doc.pop("id", None)
    doc["credentialStatus"] = {"id": LIST, "type": "1EdTechRevocationList", **status}
    vm = ISSUER.public_key().did_key_vm()
    signed: dict[str, Any] = add_proof(
        doc, key=ISSUER, verification_method=vm, created=CREATED, loader=loader
    )
    return signed


class _Documents:
    def __init__(self, documents: Mapping[str, Mapping[str, Any]]) -> None:
        self.documents = documents

    def __call__(self, url: str) -> Mapping[str, Any]:
        if url not in self.documents:
            raise KeyResolutionError("DOCUMENT_UNAVAILABLE", f"nothing at {url}")
        return self.documents[url]


def _verify(loader: DocumentLoader, vc: dict[str, Any], documents: Mapping[str, Any]) -> VerificationResult:
    verifier = Verifier(
        loader=loader, resolver=DidResolver(), fetch_status_list=None, fetch_json=_Documents(documents)
    )
    return verifier.verify(vc, now=NOW)


def _status(result: VerificationResult) -> Check:
    [check] = [c for c in result.checks if c.id == "status"]
    return check


@pytest.mark.parametrize(
    "document",
    [
        {"revokedCredential": []},
        {"id": LIST},  # no revokedCredential at all
        {"revokedCredential": [{"id": "urn:uuid:someone-else"}]},
        {"revokedCredential": [{"id": CREDENTIAL_ID, "revoked": False}]},
    ],
    ids=["empty", "absent", "others", "revoked-false"],
)
def test_a_credential_the_list_does_not_revoke_passes(
    loader: DocumentLoader, document: dict[str, Any]
) -> None:
    result = _verify(loader, _credential(loader), {LIST: document})
    assert result.verified, result.as_json()
    assert _status(result).outcome == "passed"


@pytest.mark.parametrize(
    "document",
    [
        {"revokedCredential": [{"id": CREDENTIAL_ID, "revocationReason": "Issued in error"}]},
        {"revokedCredential": {"id": CREDENTIAL_ID, "revoked": True, "revocationReason": "Issued in error"}},
        # Named twice: any entry that revokes it decides (the list is not ordered for the holder to choose).
        {
            "revokedCredential": [
                {"id": CREDENTIAL_ID, "revoked": False},
                {"id": CREDENTIAL_ID, "revocationReason": "Issued in error"},
            ]
        },
    ],
    ids=["listed", "single-object", "twice"],
)
def test_a_credential_the_list_revokes_is_refused(loader: DocumentLoader, document: dict[str, Any]) -> None:
    result = _verify(loader, _credential(loader), {LIST: document})
    assert not result.verified
    status = _status(result)
    assert status.type == problem_type("credential-revoked")
    assert status.details.get("reason") == "Issued in error"


@pytest.mark.parametrize(
    ("documents", "with_id", "code"),
    [
        ({}, True, "STATUS_RETRIEVAL_ERROR"),  # the list cannot be fetched
        ({LIST: {"revokedCredential": "all"}}, True, "MALFORMED_VALUE_ERROR"),
        (
            {LIST: {"revokedCredential": [{"id": CREDENTIAL_ID, "revoked": "yes"}]}},
            True,
            "MALFORMED_VALUE_ERROR",
        ),
        ({LIST: {"revokedCredential": []}}, False, "MALFORMED_VALUE_ERROR"),  # no credential id to look up
    ],
    ids=["unreachable", "not-a-list", "revoked-not-boolean", "no-credential-id"],
)
def test_a_status_that_cannot_be_established_fails(
    loader: DocumentLoader, documents: dict[str, Any], with_id: bool, code: str
) -> None:
    result = _verify(loader, _credential(loader, with_id=with_id), documents)
    assert not result.verified
    status = _status(result)
    assert status.type == problem_type("status-unavailable")
    assert status.details.get("code") == code


def test_no_url_is_fetched_without_a_fetcher(loader: DocumentLoader) -> None:
    verifier = Verifier(loader=loader, resolver=DidResolver(), fetch_status_list=None)
    result = verifier.verify(_credential(loader), now=NOW)
    assert _status(result).type == problem_type("status-unavailable")
