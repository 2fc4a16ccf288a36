"""Status lists and credentials with status entries, made in process for the status check's tests (the
outside fuzzing round of the status check): lists of any purpose, bits or encodedList, signed by the
issuer's did:key, optionally with a proof that expires (VC DI §2.1)."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Mapping
from typing import Any

from issuer.status.list_credential import bitstring_status_list_credential
from proofs.data_integrity import add_proof, hash_data
from proofs.jsonld import DocumentLoader
from proofs.keys import KeyAlgorithm, PrivateKey
from proofs.multibase import multibase_encode
from proofs.statuslist import MIN_ENTRIES, set_value
from tests.paths import ROOT
from verifier import Check, DidResolver, VerificationResult, VerifiedStatusLists, Verifier

__all__ = [
    "CREATED",
    "ISSUER",
    "LISTS",
    "NOW",
    "credential",
    "entry",
    "status_checks",
    "status_list",
    "verify",
]

REFERENCE = ROOT / "bench" / "data" / "reference-mc.json"
CREATED = dt.datetime(2026, 3, 20, 9, 0, tzinfo=dt.UTC)
NOW = dt.datetime(2026, 4, 1, 12, 0, tzinfo=dt.UTC)
ISSUER = PrivateKey.from_raw_secret(KeyAlgorithm.ED25519, bytes([1]) * 32)
LISTS = "https://status.example/lists/1/"


def status_list(
    loader: DocumentLoader,
    purpose: str = "revocation",
    *,
    url: str | None = None,
    set_index: int | None = None,
    value: int = 1,
    size: int = 1,
    encoded: str | None = None,
    expires: str | None = None,
    signer: PrivateKey = ISSUER,
    ttl: int | None = None,
    **extra: Any,
) -> str:
    """A Bitstring Status List credential by ``signer`` (ISSUER), signed by it (eddsa-rdfc-2022; with ``expires``, a
    proof that expires then): MIN_ENTRIES entries of ``size`` bits, entry ``set_index`` set to ``value``,
    or the given ``encodedList``; ``extra`` members are added to the credential."""
    bits = bytes(MIN_ENTRIES * size // 8)
    if set_index is not None:
        bits = set_value(bits, set_index, value, size)
    doc = bitstring_status_list_credential(
        url=url or LISTS + purpose,
        issuer=signer.public_key().did_key(),
        purpose=purpose,
        bits=bits,
        valid_from=CREATED,
        ttl_ms=ttl,
    )
    if encoded is not None:
        doc["credentialSubject"]["encodedList"] = encoded
    doc.update(extra)
    vm = signer.public_key().did_key_vm()
    if expires is None:
        return json.dumps(add_proof(doc, key=signer, verification_method=vm, created=CREATED, loader=loader))
    options = {
        "type": "DataIntegrityProof",
        "cryptosuite": "eddsa-rdfc-2022",
        "created": "2026-03-20T09:00:00Z",
        "expires": expires,
        "verificationMethod": vm,
        "proofPurpose": "assertionMethod",
    }
    signature = signer.sign(
        hash_data(doc, {"@context": doc["@context"], **options}, algorithm=signer.algorithm, loader=loader)
    )
    return json.dumps({**doc, "proof": {**options, "proofValue": multibase_encode(signature, base="z")}})


def entry(
    purpose: str = "revocation", index: int = 77, url: str | None = None, **extra: Any
) -> dict[str, Any]:
    """A BitstringStatusListEntry into the list of ``purpose`` (or at ``url``)."""
    target = url or LISTS + purpose
    return {
        "id": f"{target}#{index}",
        "type": "BitstringStatusListEntry",
        "statusPurpose": purpose,
        "statusListIndex": str(index),
        "statusListCredential": target,
        **extra,
    }


def credential(loader: DocumentLoader, *entries: Mapping[str, Any]) -> dict[str, Any]:
    """The reference micro-credential issued and signed by ISSUER with these status entries."""
    doc: dict[str, Any] = json.loads(REFERENCE.read_text(encoding="utf-8"))
    doc.pop("proof", None)
    doc["issuer"]["id"] = ISSUER.public_key().did_key()
    doc["credentialStatus"] = entries[0] if len(entries) == 1 else list(entries)
    vm = ISSUER.public_key().did_key_vm()
    signed: dict[str, Any] = add_proof(
        doc, key=ISSUER, verification_method=vm, created=CREATED, loader=loader
    )
    return signed


def verify(
    loader: DocumentLoader,
    vc: Any,
    lists: Mapping[str, str],
    *,
    now: dt.datetime = NOW,
    memo: VerifiedStatusLists | None = None,
) -> VerificationResult:
    """``vc`` verified at ``now``, its status lists read from ``lists`` (a missing one cannot be fetched)."""
    verifier = Verifier(
        loader=loader,
        resolver=DidResolver(),
        fetch_status_list=lambda url: lists[url],
        verified_lists=memo if memo is not None else VerifiedStatusLists(),
    )
    return verifier.verify(vc, now=now)


def status_checks(result: VerificationResult) -> list[Check]:
    return [c for c in result.checks if c.id == "status"]
