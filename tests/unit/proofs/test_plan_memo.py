"""The per-loader memo of node objects' expansion plans (keyed by active context and member names) gives
what a fresh loader gives: the same expanded form, the same refusals, the same aliased member first; and
one document's values never stand in for another's with the same member names (nor a float for another equal
to it: the memo of values)."""

from __future__ import annotations

import copy
import json
from typing import Any

import pytest

from proofs.jsonld import AliasedTerm, DocumentLoader, JsonLdFailure, bundled_loader, expand_safe
from proofs.rdfc import canonicalize
from tests.paths import ROOT

REFERENCE = json.loads((ROOT / "bench" / "data" / "reference-mc.json").read_text(encoding="utf-8"))
REFERENCE.pop("proof", None)
SUBJECT_TYPE = "https://purl.imsglobal.org/spec/vc/ob/vocab.html#AchievementSubject"


def _outcome(document: dict[str, Any], loader: DocumentLoader) -> tuple[str, Any]:
    try:
        return "ok", json.dumps(expand_safe(copy.deepcopy(document), loader=loader), sort_keys=True)
    except AliasedTerm as exc:
        return "aliased", (exc.member, exc.iri)
    except JsonLdFailure as exc:
        return type(exc).__name__, exc.code


def _variant(change: dict[str, Any]) -> dict[str, Any]:
    document: dict[str, Any] = copy.deepcopy(REFERENCE)
    document["credentialSubject"] = {**document["credentialSubject"], **change}
    return document


# Each has the reference's member names in credentialSubject (or its value's kinds changed) and is expanded
# right after the reference with the same loader: its plan comes from the memo.
VARIANTS: dict[str, dict[str, Any]] = {
    "other-values": {"id": "did:example:other", "givenName": "Other", "creditsEarned": 4.5},
    "fewer-types": {"type": ["AchievementSubject"]},
    "id-not-a-string": {"id": 5},
    "id-a-list": {"id": ["did:example:a"]},
    "type-not-a-string": {"type": [7]},
    "type-by-iri": {"type": SUBJECT_TYPE},
}


@pytest.mark.parametrize("name", sorted(VARIANTS))
def test_a_memoized_plan_gives_what_a_fresh_loader_gives(name: str) -> None:
    warm = bundled_loader()
    document = _variant(VARIANTS[name])
    assert _outcome(REFERENCE, warm)[0] == "ok"
    expected = _outcome(document, bundled_loader())
    assert _outcome(document, warm) == expected
    assert _outcome(document, warm) == expected  # and again, now that this document's plan is memoized too
    assert _outcome(REFERENCE, warm) == _outcome(REFERENCE, bundled_loader())


def test_an_aliased_member_is_reported_on_every_expansion() -> None:
    loader = bundled_loader()
    subject = {k: v for k, v in REFERENCE["credentialSubject"].items() if k != "achievement"}
    subject["https://purl.imsglobal.org/spec/vc/ob/vocab.html#achievement"] = REFERENCE["credentialSubject"][
        "achievement"
    ]
    document = {**REFERENCE, "credentialSubject": subject}
    first = _outcome(document, loader)
    assert first[0] == "aliased"
    assert _outcome(document, loader) == first == _outcome(document, bundled_loader())


EX = "https://ex.example/"
_SCOPED_CONTEXT: dict[str, Any] = {
    "@version": 1.1,
    "id": "@id",
    "type": "@type",
    "name": f"{EX}name",
    "child": f"{EX}child",
    "Typed": {"@id": f"{EX}Typed", "@context": {"onlyHere": f"{EX}onlyHere", "@propagate": True}},
    "Local": {"@id": f"{EX}Local", "@context": {"localOnly": f"{EX}localOnly"}},
    "Plain": f"{EX}Plain",
}
# The same member names with other types, whose scoped contexts differ (the memo of type-scoped contexts
# is keyed by the types); several names for @type; one type twice.
TYPED: list[dict[str, Any]] = [
    {"type": "Typed", "onlyHere": "1", "child": {"onlyHere": "propagated"}},
    {"type": "Local", "onlyHere": "1", "child": {"onlyHere": "propagated"}},
    {"type": "Plain", "onlyHere": "1", "child": {"onlyHere": "propagated"}},
    {"type": ["Local", "Typed"], "onlyHere": "1", "child": {"onlyHere": "propagated"}},
    {"type": ["Typed", "Typed"], "onlyHere": "1", "child": {"onlyHere": "propagated"}},
    {"type": "Local", "localOnly": "1", "child": {"localOnly": "not propagated"}},
    {"type": "Typed", "localOnly": "1", "child": {"localOnly": "not propagated"}},
    {"type": "Local", "localOnly": "1", "child": {"name": "c"}},
    {"type": "Typed", "localOnly": "1", "child": {"name": "c"}},
    {"type": "Typed", "@type": "Local", "onlyHere": "1", "localOnly": "2"},
    {"type": 5, "name": "n"},
]


def test_type_scoped_contexts_follow_the_types_not_the_member_names() -> None:
    warm = DocumentLoader({})
    for body in TYPED + TYPED[::-1]:
        document = {"@context": _SCOPED_CONTEXT, "id": f"{EX}s", **body}
        assert _outcome(document, warm) == _outcome(document, DocumentLoader({}))


_DOUBLE = {"@vocab": EX, "d": {"@id": f"{EX}d", "@type": "http://www.w3.org/2001/XMLSchema#double"}}


@pytest.mark.parametrize(
    ("first", "then"), [(0.0, -0.0), (-0.0, 0.0)], ids=["zero-then-minus", "minus-then-zero"]
)
def test_a_memoized_value_never_stands_for_another_float_equal_to_it(first: float, then: float) -> None:
    """-0.0 == 0.0, but a term typed xsd:double writes them apart ("-0.0E0", "0.0E0")."""
    warm = bundled_loader()
    for value in (first, then):
        document = {"@context": _DOUBLE, "id": f"{EX}s", "d": value}
        expected = canonicalize(document, loader=bundled_loader())
        assert canonicalize(document, loader=warm) == expected
