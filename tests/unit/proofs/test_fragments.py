"""Memoized fragments (a template's achievement, ``proofs.jsonld.fragments``) change nothing: the canonical
N-Quads and the proofs are byte for byte those of the path without the memo and of plain pyld, on the first
document (a miss), on the next ones (hits), and where the memo must step aside (a node of the achievement
also described elsewhere, the achievement twice, blank nodes, an undefined term)."""

from __future__ import annotations

import copy
import datetime as dt
import json
import random
from typing import Any

import pytest

from proofs.data_integrity import add_proof, verify_proof
from proofs.jsonld import DocumentLoader, UndefinedTerm, bundled_loader, expand_safe
from proofs.jsonld.fragments import MAX_FRAGMENT_TEXT
from proofs.keys import KeyAlgorithm, PrivateKey
from proofs.rdf import dataset_of_expanded
from proofs.rdfc import canonicalize
from tests.paths import ROOT
from tests.unit.proofs.test_canon_cache import reference

FRAGMENTS = ("achievement",)
CREATED = dt.datetime(2026, 3, 20, 9, 0, tzinfo=dt.UTC)
REFERENCE_MC = json.loads((ROOT / "bench" / "data" / "reference-mc.json").read_text(encoding="utf-8"))


@pytest.fixture
def loader() -> DocumentLoader:
    """A fresh loader per test: its fragment memo starts empty."""
    return bundled_loader()


def credential(n: int, *, issuer_id: str = "did:web:shomei.test:issuers:uni") -> dict[str, Any]:
    """A credential of the reference template for learner ``n``: the issuer is another node than the
    achievement's creator, so the memoized achievement is used as it is."""
    doc: dict[str, Any] = copy.deepcopy(REFERENCE_MC)
    doc["id"] = f"https://shomei.test/credentials/{n}"
    doc["issuer"] = {**doc["issuer"], "id": issuer_id}
    subject = doc["credentialSubject"]
    subject["id"] = f"did:example:learner{n}"
    subject["givenName"] = f"Learner {n}"
    doc["validFrom"] = f"2026-03-{1 + n % 28:02d}T09:00:00Z"
    return doc


def memo_size(loader: DocumentLoader) -> int:
    return len(loader.context_cache.fragments)


def memoized_quads_used(doc: dict[str, Any], loader: DocumentLoader) -> int:
    """How many memoized fragments gave their quads to the document's dataset (0: all made anew)."""
    found: list[Any] = []
    expanded = expand_safe(doc, loader=loader, fragments=FRAGMENTS, found=found)
    return len(dataset_of_expanded(expanded, found)[1])


def test_hits_give_the_canonical_form_of_plain_pyld(loader: DocumentLoader) -> None:
    for n in range(4):
        doc = credential(n)
        before = copy.deepcopy(doc)
        expected = reference(doc, loader)
        assert canonicalize(doc, loader=loader, fragments=FRAGMENTS) == expected
        assert canonicalize(doc, loader=loader) == expected
        assert doc == before
        assert memoized_quads_used(doc, loader) == 1
    assert memo_size(loader) == 1  # one achievement, kept once, used by all four


def test_cached_proof_is_exactly_the_uncached_proof(loader: DocumentLoader) -> None:
    plain_loader = bundled_loader()  # never sees a fragment
    for algorithm, secret in ((KeyAlgorithm.ED25519, bytes(32)), (KeyAlgorithm.P256, bytes(31) + b"\x01")):
        key = PrivateKey.from_raw_secret(algorithm, secret)
        vm = key.public_key().did_key_vm()
        for n in range(3):
            doc = credential(n)
            cached = add_proof(
                doc, key=key, verification_method=vm, created=CREATED, loader=loader, fragments=FRAGMENTS
            )
            uncached = add_proof(doc, key=key, verification_method=vm, created=CREATED, loader=plain_loader)
            if algorithm is KeyAlgorithm.ED25519:  # deterministic: the same signature, byte for byte
                assert cached == uncached
            # Either way the proof verifies without any memo.
            verify_proof(cached, proof=cached["proof"], public_key=key.public_key(), loader=plain_loader)
    assert memo_size(loader) == 1
    assert memo_size(plain_loader) == 0


def test_achievement_node_described_elsewhere_falls_back(loader: DocumentLoader) -> None:
    # The reference credential's issuer is also the achievement's creator, with more properties: the node
    # map merges the two descriptions, so the memoized quads alone would be wrong.
    doc = copy.deepcopy(REFERENCE_MC)
    assert doc["issuer"]["id"] == doc["credentialSubject"]["achievement"]["creator"]["id"]
    expected = reference(doc, loader)
    for _ in range(2):
        assert canonicalize(doc, loader=loader, fragments=FRAGMENTS) == expected
    assert memoized_quads_used(doc, loader) == 0
    # Once merged, the fragment's documents are mapped whole straight away (still exact), its expansion
    # still memoized.
    other = credential(7)
    assert canonicalize(other, loader=loader, fragments=FRAGMENTS) == reference(other, loader)
    assert memoized_quads_used(other, loader) == 0
    assert memo_size(loader) == 1


def test_the_same_achievement_twice_in_one_document(loader: DocumentLoader) -> None:
    doc = credential(1)
    subject = doc["credentialSubject"]
    twin = {**copy.deepcopy(subject), "id": "did:example:twin"}
    doc["credentialSubject"] = [subject, twin]
    expected = reference(doc, loader)
    for _ in range(2):
        assert canonicalize(doc, loader=loader, fragments=FRAGMENTS) == expected
    assert memoized_quads_used(doc, loader) == 0  # the two would merge: made anew


def test_achievements_with_blank_nodes_and_without_id(loader: DocumentLoader) -> None:
    doc = credential(2)
    achievement = doc["credentialSubject"]["achievement"]
    achievement["criteria"].pop("id", None)  # a blank node inside the memoized fragment
    for alignment in achievement["alignment"]:
        alignment.pop("id", None)
    expected = reference(doc, loader)
    for _ in range(2):
        assert canonicalize(doc, loader=loader, fragments=FRAGMENTS) == expected
    assert memoized_quads_used(doc, loader) == 1
    assert memo_size(loader) == 1
    anonymous = credential(3)
    del anonymous["credentialSubject"]["achievement"]["id"]  # a blank node root: never memoized
    assert canonicalize(anonymous, loader=loader, fragments=FRAGMENTS) == reference(anonymous, loader)
    assert memo_size(loader) == 1


@pytest.mark.parametrize("seed", range(6))
def test_random_subjects_around_one_achievement(seed: int, loader: DocumentLoader) -> None:
    rng = random.Random(seed)
    for n in range(3):
        doc = credential(
            rng.randrange(1000), issuer_id=rng.choice(["did:web:a.example", "did:web:b.example"])
        )
        subject = doc["credentialSubject"]
        for identifier in subject["identifier"]:
            identifier["identityHash"] = f"learner-{rng.randrange(10**6)}"
        if rng.random() < 0.5:
            subject["result"] = [{"type": ["Result"], "value": rng.choice("ABC")}] * rng.randrange(1, 3)
        if rng.random() < 0.3:
            del subject["id"]  # the subject becomes a blank node
        assert canonicalize(doc, loader=loader, fragments=FRAGMENTS) == reference(doc, loader), n


@pytest.mark.parametrize(
    ("where", "value"),
    [("achievement-term", "notDefinedAnywhere"), ("achievement-id", "relative/criteria")],
)
def test_refusals_are_never_memoized(where: str, value: str, loader: DocumentLoader) -> None:
    doc = credential(4)
    achievement = doc["credentialSubject"]["achievement"]
    if where == "achievement-term":
        achievement[value] = "x"
    else:
        achievement["criteria"]["id"] = value
    for _ in range(2):  # refused the second time too: a refused fragment is not trusted later
        with pytest.raises(UndefinedTerm):
            canonicalize(doc, loader=loader, fragments=FRAGMENTS)
    valid = credential(5)
    assert canonicalize(valid, loader=loader, fragments=FRAGMENTS) == reference(valid, loader)


def test_large_achievements_are_not_kept(loader: DocumentLoader) -> None:
    doc = credential(6)
    doc["credentialSubject"]["achievement"]["description"] = "x" * (MAX_FRAGMENT_TEXT + 1)
    assert canonicalize(doc, loader=loader, fragments=FRAGMENTS) == reference(doc, loader)
    assert memo_size(loader) == 0
