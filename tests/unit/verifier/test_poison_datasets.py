"""Issue 13 (cost of refusal): a credential whose blank nodes are alike in a way only a document made to be
costly needs (RDFC-1.0 §6, "poison" datasets) is refused by its proof check with its own problem type, as
Digital Bazaar's verifiers refuse it (rdf-canonize's default work factor); one whose alike blank nodes
canonicalize within the bound verifies."""

from __future__ import annotations

import datetime as dt
import hashlib
import math
from collections.abc import Callable
from typing import Any

import pytest

from proofs.data_integrity import add_proof
from proofs.jsonld import DocumentLoader, bundled_loader, expand_safe
from proofs.keys import KeyAlgorithm, PrivateKey
from proofs.multibase import multibase_encode
from proofs.rdf import quads_of_expanded
from proofs.rdfc import MAX_CANONICAL_CHARS, Canonicalizer, TooComplex, TooLarge, canonicalize
from schemas.problems import problem_type
from verifier import DidResolver, Verifier

CREATED = dt.datetime(2026, 3, 20, 9, 0, tzinfo=dt.UTC)
NOW = dt.datetime(2026, 4, 1, 12, 0, tzinfo=dt.UTC)
KEY = PrivateKey.from_raw_secret(KeyAlgorithm.ED25519, bytes([7]) * 32)
CONTEXTS = ["https://www.w3.org/ns/credentials/v2", "https://www.w3.org/ns/credentials/examples/v2"]


@pytest.fixture(scope="module")
def loader() -> DocumentLoader:
    return bundled_loader()


def _credential(subject: dict[str, Any]) -> dict[str, Any]:
    return {
        "@context": CONTEXTS,
        "id": "urn:uuid:7d0c6f1e-3b8a-4c52-9e41-5a2f7b9c0d13",
        "type": ["VerifiableCredential"],
        "issuer": KEY.public_key().did_key(),
        "validFrom": "2026-03-20T09:00:00Z",
        "credentialSubject": subject,
    }


def _two_cycles() -> dict[str, Any]:
    """Two disjoint cycles of three blank nodes: every node has the same first-degree hash."""
    ids = [f"_:c{i}" for i in range(6)]
    nodes = [{"id": ids[i], "knows": {"id": ids[(i // 3) * 3 + (i + 1) % 3]}} for i in range(6)]
    return {"id": "did:example:learner", "circle": nodes}


def _long_id_many_statements() -> dict[str, Any]:
    """A subject whose id is a 90,000-character URL, named by 100 statements: 90 KB of JSON whose canonical
    N-Quads would write the id 100 times (9 MB), which costs hundreds of milliseconds to write and hash."""
    return {"id": "https://example.org/" + "a" * 90_000, "circle": [f"t{i}" for i in range(100)]}


def _sign_unbounded(loader: DocumentLoader, unsigned: dict[str, Any]) -> dict[str, Any]:
    """An eddsa-rdfc-2022 proof (VC-DI-EdDSA §3.2: the hashes of the canonical proof options and document)
    made without the work bound, as a forger with a canonicalizer of their own would."""
    options = {
        "type": "DataIntegrityProof",
        "cryptosuite": "eddsa-rdfc-2022",
        "created": CREATED.strftime("%Y-%m-%dT%H:%M:%SZ"),
        "verificationMethod": KEY.public_key().did_key_vm(),
        "proofPurpose": "assertionMethod",
    }
    config = canonicalize({"@context": unsigned["@context"], **options}, loader=loader)
    document = canonicalize(unsigned, loader=loader, max_work_factor=math.inf, max_chars=2**62)
    data = hashlib.sha256(config.encode()).digest() + hashlib.sha256(document.encode()).digest()
    return {**unsigned, "proof": {**options, "proofValue": multibase_encode(KEY.sign(data), base="z")}}


@pytest.mark.parametrize(
    ("subject", "refusal", "kind"),
    [
        (_two_cycles, TooComplex, "canonicalization-too-complex"),
        (_long_id_many_statements, TooLarge, "canonical-form-too-large"),
    ],
    ids=["alike-blank-nodes", "canonical-form-too-large"],
)
def test_a_dataset_too_costly_to_canonicalize_fails_its_proof_check_with_its_own_type(
    loader: DocumentLoader, subject: Callable[[], dict[str, Any]], refusal: type[TooComplex], kind: str
) -> None:
    unsigned = _credential(subject())
    vm = KEY.public_key().did_key_vm()
    with pytest.raises(refusal) as caught:  # not signed here either
        add_proof(unsigned, key=KEY, verification_method=vm, created=CREATED, loader=loader)
    assert caught.value.code == kind
    signed = _sign_unbounded(loader, unsigned)
    result = Verifier(loader=loader, resolver=DidResolver(), fetch_status_list=None).verify(signed, now=NOW)
    proof = result.check("proof")
    assert proof is not None and proof.outcome == "failed"
    assert proof.type == problem_type(kind)
    assert not result.verified


def test_alike_blank_nodes_within_the_bound_verify(loader: DocumentLoader) -> None:
    # Identical leaves (two addresses of one learner, the same skill twice): alike, but each hashed once.
    subject = {
        "id": "did:example:learner",
        "circle": [{"name": "x"}, {"name": "x"}, {"name": "x", "knows": {"name": "x"}}],
    }
    vm = KEY.public_key().did_key_vm()
    signed = add_proof(_credential(subject), key=KEY, verification_method=vm, created=CREATED, loader=loader)
    result = Verifier(loader=loader, resolver=DidResolver(), fetch_status_list=None).verify(signed, now=NOW)
    proof = result.check("proof")
    assert proof is not None and proof.outcome == "passed", result.checks
    assert (
        _sign_unbounded(loader, _credential(subject))["proof"]["proofValue"] == signed["proof"]["proofValue"]
    )


def test_the_canonical_size_bound_counts_every_statement_s_terms(loader: DocumentLoader) -> None:
    assert issubclass(TooLarge, TooComplex)  # what every caller already refuses as too costly
    quads = quads_of_expanded(expand_safe(_credential(_long_id_many_statements()), loader=loader))
    size = sum(len(term) for quad in quads for term in quad)
    assert MAX_CANONICAL_CHARS < size
    assert Canonicalizer(quads, max_chars=size).run() == canonicalize(
        _credential(_long_id_many_statements()), loader=loader, max_chars=size
    )
    with pytest.raises(TooLarge):
        Canonicalizer(quads, max_chars=size - 1)
