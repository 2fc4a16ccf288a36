"""Credentials made for the verifier's tests of issue 13 part 2 (accept what is real): a small Open Badge in
either data model (VCDM 2.0, or the VCDM 1.1 that most OB 3.0 credentials in the wild follow), signed
with the project's own proofs, and the key documents an issuer publishes at an https URL."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from typing import Any, Literal

from proofs.data_integrity import add_proof
from proofs.jsonld import DocumentLoader
from proofs.keys import KeyAlgorithm, PrivateKey
from verifier import KeyResolutionError

__all__ = [
    "CREATED",
    "NOW",
    "OB_CONTEXT",
    "VC_V1",
    "VC_V2",
    "KeyDocuments",
    "controller_document",
    "key",
    "open_badge",
    "passed_checks",
    "signed",
]

VC_V1 = "https://www.w3.org/2018/credentials/v1"
VC_V2 = "https://www.w3.org/ns/credentials/v2"
OB_CONTEXT = "https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.3.json"
_DI_V2 = "https://w3id.org/security/data-integrity/v2"
CREATED = dt.datetime(2026, 3, 20, 9, 0, tzinfo=dt.UTC)
NOW = dt.datetime(2026, 4, 1, 12, 0, tzinfo=dt.UTC)


CHECKS = ("format", "contexts", "schema", "proof", "issuer", "validity", "status")


def passed_checks(**outcomes: str) -> dict[str, str]:
    """The outcome of each check of a JSON-LD credential's verification (``CHECKS``): ``passed``, unless
    ``outcomes`` names another (``status="skipped"``)."""
    return {**dict.fromkeys(CHECKS, "passed"), **outcomes}


def key(seed: int, algorithm: KeyAlgorithm = KeyAlgorithm.ED25519) -> PrivateKey:
    """A fixed test key."""
    return PrivateKey.from_raw_secret(algorithm, bytes([seed]) * 32)


def open_badge(
    issuer: str,
    *,
    data_model: Literal["1.1", "2.0"] = "2.0",
    name: str = "Teamwork",
    credential_id: str = "urn:uuid:2f6a4d0e-6f1b-4b63-9d1e-0c1b5a7e9a01",
    **fields: Any,
) -> dict[str, Any]:
    """An unsigned OpenBadgeCredential by ``issuer``; in VCDM 1.1 with ``issuanceDate`` (and the Data
    Integrity context its proof needs), in VCDM 2.0 with ``validFrom``."""
    v1 = data_model == "1.1"
    credential: dict[str, Any] = {
        "@context": [VC_V1, OB_CONTEXT, _DI_V2] if v1 else [VC_V2, OB_CONTEXT],
        "id": credential_id,
        "type": ["VerifiableCredential", "OpenBadgeCredential"],
        "issuer": {"id": issuer, "type": ["Profile"], "name": "Example University"},
        ("issuanceDate" if v1 else "validFrom"): "2026-01-01T00:00:00Z",
        "name": name,
        "credentialSubject": {
            "id": "did:example:learner",
            "type": ["AchievementSubject"],
            "achievement": {
                "id": "https://example.edu/achievements/teamwork",
                "type": ["Achievement"],
                "name": name,
                "description": "Works well in a team.",
                "criteria": {"narrative": "Completed the team project."},
            },
        },
    }
    credential.update(fields)
    return credential


def signed(
    credential: Mapping[str, Any], signer: PrivateKey, method: str, loader: DocumentLoader
) -> dict[str, Any]:
    """``credential`` with an eddsa-rdfc-2022 (Ed25519) or ecdsa-rdfc-2019 proof by ``method``."""
    return add_proof(credential, key=signer, verification_method=method, created=CREATED, loader=loader)


def controller_document(
    url: str, methods: Mapping[str, Mapping[str, Any]], *, listed: list[str] | None = None
) -> dict[str, Any]:
    """The controller document at ``url``: each ``methods`` entry (fragment -> key members) a verification
    method it controls, listed under assertionMethod (all, or those in ``listed``)."""
    ids = [f"{url}#{fragment}" for fragment in methods]
    return {
        "@context": ["https://www.w3.org/ns/cid/v1"],
        "id": url,
        "verificationMethod": [
            {"id": f"{url}#{fragment}", "controller": url, **members} for fragment, members in methods.items()
        ],
        "assertionMethod": ids if listed is None else [f"{url}#{fragment}" for fragment in listed],
    }


class KeyDocuments:
    """The documents published at https URLs, as a verifier's ``fetch_key_document`` sees them; counts
    the fetches."""

    def __init__(self, documents: Mapping[str, Mapping[str, Any]]) -> None:
        self.documents = dict(documents)
        self.fetched: list[str] = []

    def __call__(self, url: str) -> Mapping[str, Any]:
        self.fetched.append(url)
        document = self.documents.get(url)
        if document is None:
            raise KeyResolutionError("KEY_DOCUMENT_UNAVAILABLE", f"nothing is published at {url}")
        return document
