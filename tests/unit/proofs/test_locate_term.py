"""Where an undefined term was written (proofs.jsonld.locate), and UndefinedTerm carrying it."""

from __future__ import annotations

import copy
from typing import Any

import pytest

from proofs.jsonld import DocumentLoader, UndefinedTerm, bundled_loader, expand_safe
from proofs.jsonld.locate import json_pointer, locate_term


@pytest.fixture(scope="module")
def loader() -> DocumentLoader:
    return bundled_loader()


def _credential() -> dict[str, Any]:
    return {
        "@context": [
            "https://www.w3.org/ns/credentials/v2",
            "https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.3.json",
        ],
        "id": "urn:uuid:1",
        "type": ["VerifiableCredential", "OpenBadgeCredential"],
        "issuer": {"id": "did:example:issuer", "type": ["Profile"], "name": "I"},
        "validFrom": "2026-01-01T00:00:00Z",
        "credentialSubject": {
            "type": ["AchievementSubject"],
            "achievement": {
                "id": "urn:uuid:2",
                "type": ["Achievement"],
                "name": "A",
                "description": "D",
                "criteria": {"narrative": "N"},
                "creator": {"id": "https://x.example", "type": ["Profile"], "name": "C"},
            },
        },
    }


def test_an_undefined_type_is_reported_where_written(loader: DocumentLoader) -> None:
    doc = _credential()
    doc["credentialSubject"]["achievement"]["creator"]["type"] = ["Profile", "Organization"]
    with pytest.raises(UndefinedTerm) as err:
        expand_safe(doc, loader=loader)
    assert err.value.term == "Organization"
    assert err.value.path == "$.credentialSubject.achievement.creator.type[1]"
    assert err.value.pointer == "/credentialSubject/achievement/creator/type/1"


def test_an_undefined_property_is_reported_where_written(loader: DocumentLoader) -> None:
    doc = _credential()
    doc["credentialSubject"]["achievement"]["criteria"]["favourite/colour~"] = "blue"
    with pytest.raises(UndefinedTerm) as err:
        expand_safe(doc, loader=loader)
    assert err.value.pointer == "/credentialSubject/achievement/criteria/favourite~1colour~0"


def test_the_candidate_as_deep_as_the_expanded_path_is_chosen() -> None:
    doc = {"a": {"type": "X"}, "b": {"c": {"type": "X"}}}
    assert locate_term(doc, "X", "type", "$[0].https://e/b[0].https://e/c[0].type") == (
        "$.b.c.type",
        "/b/c/type",
    )
    assert locate_term(doc, "X", "type", None) == ("$.a.type", "/a/type")
    assert locate_term(doc, "Y", "type", None) is None
    assert locate_term({"@context": {"t": "X"}, "id": "X"}, "X", "id") == ("$.id", "/id")


def test_json_pointer_escapes() -> None:
    assert json_pointer(("a/b", 0, "c~d")) == "/a~1b/0/c~0d"
    assert json_pointer(()) == ""


def test_a_term_that_cannot_be_found_keeps_the_expanded_path() -> None:
    error = UndefinedTerm("Nowhere", "$[0].https://e/x[0].type")
    located = error.located(copy.deepcopy({"x": {"type": "Elsewhere"}}))
    assert located is error and located.pointer is None
