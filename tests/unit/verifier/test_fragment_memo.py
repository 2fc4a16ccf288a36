"""Issue 15: the verifier memoizes an Open Badge's achievement (the same in every credential of a course) as the
issuer memoizes a template's; the memo changes no outcome, and it is bounded in entries and in size since
it holds what anyone sends."""

from __future__ import annotations

import copy
from typing import Any

from proofs.jsonld import bundled_loader
from proofs.jsonld.fragments import Fragment, FragmentStore
from schemas.problems import problem_type
from tests.unit.verifier.builders import NOW, key, open_badge, signed
from verifier import DidResolver, Verifier

ISSUER = key(31)


def _badge(subject: str, credential_id: str) -> dict[str, Any]:
    badge = open_badge(ISSUER.public_key().did_key(), credential_id=credential_id)
    badge["credentialSubject"]["id"] = subject
    return badge


def test_the_achievement_is_memoized_and_changes_no_outcome() -> None:
    loader = bundled_loader()
    verifier = Verifier(loader=loader, resolver=DidResolver(), fetch_status_list=None)
    vm = ISSUER.public_key().did_key_vm()
    first = signed(
        _badge("did:example:aiko", "urn:uuid:0b1c2d3e-0000-4000-8000-000000000001"), ISSUER, vm, loader
    )
    second = signed(
        _badge("did:example:ben", "urn:uuid:0b1c2d3e-0000-4000-8000-000000000002"), ISSUER, vm, loader
    )
    store = loader.context_cache.fragments
    before = len(store)
    assert verifier.verify(first, now=NOW).verified
    assert len(store) == before + 1  # the achievement, kept
    assert verifier.verify(second, now=NOW).verified
    assert len(store) == before + 1  # the same achievement: found, not kept again
    # With the memo warm, a change anywhere is still caught: in the subject (the memo is used) ...
    changed = copy.deepcopy(second)
    changed["credentialSubject"]["id"] = "did:example:someone-else"
    # ... and in the achievement itself (another fragment).
    renamed = copy.deepcopy(second)
    renamed["credentialSubject"]["achievement"]["name"] = "Leadership"
    for forged in (changed, renamed):
        result = verifier.verify(forged, now=NOW)
        proof = result.check("proof")
        assert proof is not None and proof.type == problem_type("invalid-proof"), result.checks
    # A verifier with a fresh loader (no memo) gives the same outcomes.
    fresh = Verifier(loader=bundled_loader(), resolver=DidResolver(), fetch_status_list=None)
    for credential in (first, second, changed, renamed):
        ours = verifier.verify(credential, now=NOW)
        theirs = fresh.verify(credential, now=NOW)
        assert [(c.id, c.outcome, c.type) for c in ours.checks] == [
            (c.id, c.outcome, c.type) for c in theirs.checks
        ]


def test_the_memo_is_bounded_in_size() -> None:
    store = FragmentStore(limit=100, max_bytes=1_000)
    for i in range(30):
        text = f'{{"id":"https://example.edu/a/{i}","name":"{"x" * 80}"}}'
        store.put((0, "achievement", "", text), Fragment(None, {"@id": f"https://example.edu/a/{i}"}))
        assert store.text_size <= 1_000
        assert len(store) <= 1_000 // len(text)
    assert len(store) >= 1  # the newest is kept
    # The same key again is not counted twice.
    size = store.text_size
    store.put((0, "achievement", "", text), Fragment(None, {}))
    assert store.text_size == size
