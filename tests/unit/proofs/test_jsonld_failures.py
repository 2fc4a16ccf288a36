"""proofs.jsonld: malformed inline contexts and documents are JsonLdFailures (InvalidContext for a context
processing error, with the JSON-LD 1.1 API error code), never pyld's own exceptions; ``"@vocab": null``
where no vocabulary mapping is defined is the no-op JSON-LD says it is."""

from __future__ import annotations

from typing import Any

import pytest

from proofs.jsonld import InvalidContext, JsonLdFailure, UndefinedTerm, bundled_loader, expand_safe
from proofs.rdfc import canonicalize

LOADER = bundled_loader()
V2 = "https://www.w3.org/ns/credentials/v2"


def credential(**changes: Any) -> dict[str, Any]:
    base: dict[str, Any] = {
        "@context": [V2],
        "type": ["VerifiableCredential"],
        "issuer": "did:example:issuer",
        "credentialSubject": {"id": "did:example:subject"},
    }
    base.update(changes)
    return base


CONTEXT_ERRORS = [
    (
        "invalid IRI mapping",
        credential(
            **{"@context": [V2, {"Ex": "https ://not-a-url#Ex"}]}, type=["VerifiableCredential", "Ex"]
        ),
    ),
    (
        "protected term redefinition",
        credential(**{"@context": [V2, {"VerifiableCredential": "https://example.org/#Bad"}]}),
    ),
    (
        "protected term redefinition",
        credential(
            **{
                "@context": [
                    V2,
                    {"@protected": True, "Ex": "https://example.org/#Ex"},
                    {"Ex": "https://example.org/#Bad"},
                ]
            },
            type=["VerifiableCredential", "Ex"],
        ),
    ),
    ("invalid local context", credential(**{"@context": [V2, 123192875]})),
    ("invalid vocab mapping", credential(**{"@context": [V2, {"@vocab": 4}]})),
]


@pytest.mark.parametrize(
    ("code", "doc"), CONTEXT_ERRORS, ids=[f"{i}-{c[0]}" for i, c in enumerate(CONTEXT_ERRORS)]
)
def test_an_unprocessable_context_is_an_invalid_context(code: str, doc: dict[str, Any]) -> None:
    with pytest.raises(InvalidContext) as raised:
        expand_safe(doc, loader=LOADER)
    assert raised.value.code == code


@pytest.mark.parametrize(
    ("code", "doc"),
    [
        ("invalid @id value", credential(id=None)),
        (
            "invalid @id value",
            credential(
                credentialStatus={"id": ["did:example:s:1", "did:example:s:2"], "type": "Ex"},
                **{"@context": [V2, {"Ex": "https://example.org/#Ex"}]},
            ),
        ),
        ("invalid type value", credential(type=10)),
    ],
)
def test_a_malformed_document_is_a_json_ld_failure(code: str, doc: dict[str, Any]) -> None:
    with pytest.raises(JsonLdFailure) as raised:
        expand_safe(doc, loader=LOADER)
    assert not isinstance(raised.value, InvalidContext)
    assert raised.value.code == code


def test_removing_a_vocabulary_mapping_that_is_not_there_is_a_no_op() -> None:
    # pyld failed here with a KeyError; the undefined type is now reported as such.
    doc = credential(**{"@context": [V2, {"@vocab": None}]}, type=["VerifiableCredential", "Ex"])
    with pytest.raises(UndefinedTerm) as raised:
        expand_safe(doc, loader=LOADER)
    assert raised.value.term == "Ex"
    assert expand_safe(credential(**{"@context": [V2, {"@vocab": None}]}), loader=LOADER)


def test_a_vocabulary_mapping_set_then_removed_is_removed() -> None:
    vocab = {"@vocab": "https://example.org/vocab#"}
    assert expand_safe(
        credential(**{"@context": [V2, vocab]}, type=["VerifiableCredential", "Ex"]), loader=LOADER
    )
    doc = credential(**{"@context": [V2, vocab, {"@vocab": None}]}, type=["VerifiableCredential", "Ex"])
    with pytest.raises(UndefinedTerm):
        expand_safe(doc, loader=LOADER)


# JSON-LD 1.1 §9.5: a value object's @language has the lexical form of BCP47 (jsonld.js's safe mode refuses
# any other, so a credential signed with one would not verify there).
BAD_LANGUAGES = [
    ("a value object", credential(name={"@value": "Nom", "@language": "not a tag!"})),
    (
        "an issuer's name",
        credential(issuer={"id": "did:example:issuer", "name": {"@value": "x", "@language": "123456789"}}),
    ),
    ("a default language", credential(**{"@context": [V2, {"@language": "en_US"}]}, name="Name")),
    (
        "a language map",
        credential(
            **{"@context": [V2, {"label": {"@id": "https://example.org/#label", "@container": "@language"}}]},
            credentialSubject={"id": "did:example:subject", "label": {"en us": "x"}},
        ),
    ),
]


@pytest.mark.parametrize(("label", "doc"), BAD_LANGUAGES, ids=[c[0] for c in BAD_LANGUAGES])
def test_a_language_tag_that_is_not_bcp47_is_a_failure(label: str, doc: dict[str, Any]) -> None:
    with pytest.raises(JsonLdFailure) as caught:
        expand_safe(doc, loader=LOADER)
    assert caught.value.code == "invalid language-tagged string"


@pytest.mark.parametrize("tag", ["en", "EN-us", "zh-Hant-TW", "x-private", "de-CH-1996", "i-klingon"])
def test_well_formed_language_tags_expand(tag: str) -> None:
    expand_safe(credential(name={"@value": "N", "@language": tag}), loader=LOADER)


# pyld expands a value object or a list under a type map (``"@container": "@type"``) into value objects
# whose @type is an array (["@value"], ["@list"]); its toRdf refuses them ("invalid typed value"), and
# the RDF of proofs.rdf failed on them with a TypeError (an internal error of POST /v1/verify).
_TYPE_MAP = {"tm": {"@id": "https://example.org/#tm", "@container": "@type"}}
TYPE_MAP_VALUES = [
    ("a value object", {"@value": False}),
    ("a list", {"@list": [1, 2]}),
    ("a list of one", {"@list": [True]}),
]


@pytest.mark.parametrize(("label", "value"), TYPE_MAP_VALUES, ids=[c[0] for c in TYPE_MAP_VALUES])
def test_a_value_object_typed_by_an_array_is_a_failure(label: str, value: Any) -> None:
    doc = credential(
        **{"@context": [V2, _TYPE_MAP]}, credentialSubject={"id": "did:example:subject", "tm": value}
    )
    with pytest.raises(JsonLdFailure) as caught:
        canonicalize(doc, loader=LOADER)
    assert caught.value.code == "invalid typed value"


# An @id or @type that is not an absolute IRI for pyld's toRdf (a scheme that does not start with a letter,
# whitespace) is left out of the dataset with every triple that names it: a node with such an id, added to a
# signed credential, would be verified with the proof of the credential without it (unsigned JSON).
NOT_IRIS = ["1a:b", "did:example:a b", "-x:y", "did:example:a\tb"]


@pytest.mark.parametrize("iri", NOT_IRIS, ids=["digit-scheme", "space", "dash-scheme", "tab"])
def test_a_node_id_or_type_that_is_not_an_iri_is_undefined(iri: str) -> None:
    node = {"id": iri, "type": "IdentityObject"}
    with pytest.raises(UndefinedTerm):
        canonicalize(
            credential(credentialSubject={"id": "did:example:subject", "identifier": node}), loader=LOADER
        )
    with pytest.raises(UndefinedTerm):
        canonicalize(credential(type=["VerifiableCredential", iri]), loader=LOADER)
