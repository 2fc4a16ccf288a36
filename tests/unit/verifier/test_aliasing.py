"""Issue 13, found by fuzzing: a genuine credential's RDF, and so its proof, is the same whatever name a
member is written by, while every check after the proof reads the JSON by its property names. A revoked or
expired credential whose ``credentialStatus`` or ``validUntil`` was renamed to its IRI, a compact IRI, a
term of an added inline context, or moved under an ``@nest`` member verified. A member must be written by
the term the published contexts give its property (VCDM 2.0 §1.3: a conforming document is in compacted
form); ``@nest``, ``@included`` and ``@reverse``, which attach properties to another node than the object
they are written in, are refused too: the contexts check fails with ``aliased-term``."""

from __future__ import annotations

import copy
from collections.abc import Callable
from typing import Any

import pytest

from proofs.jsonld import AliasedTerm, DocumentLoader, bundled_loader, expand_safe
from schemas.problems import problem_type
from tests.unit.verifier.builders import NOW, VC_V2, key, open_badge, signed
from verifier import DidResolver, VerificationResult, Verifier
from verifier.presentation import verify_presentation

CRED = "https://www.w3.org/2018/credentials#"
XSD_DATETIME = "http://www.w3.org/2001/XMLSchema#dateTime"
KEY = key(3)
DID = KEY.public_key().did_key()
VM = KEY.public_key().did_key_vm()


@pytest.fixture(scope="module")
def loader() -> DocumentLoader:
    return bundled_loader()


@pytest.fixture(scope="module")
def expired(loader: DocumentLoader) -> dict[str, Any]:
    """A genuine credential that expired before NOW."""
    return signed(open_badge(DID, validUntil="2026-02-01T00:00:00Z"), KEY, VM, loader)


def _verify(loader: DocumentLoader, credential: dict[str, Any]) -> VerificationResult:
    return Verifier(loader=loader, resolver=DidResolver(), fetch_status_list=None).verify(credential, now=NOW)


def _failed(result: VerificationResult) -> dict[str, str | None]:
    return {c.id: c.type for c in result.checks if c.outcome == "failed"}


def _iri_key(vc: dict[str, Any]) -> None:
    vc[CRED + "validUntil"] = {"@value": vc.pop("validUntil"), "@type": XSD_DATETIME}


def _compact_iri(vc: dict[str, Any]) -> None:
    vc["@context"] = [*vc["@context"], {"cred": CRED}]
    vc["cred:validUntil"] = {"@value": vc.pop("validUntil"), "@type": XSD_DATETIME}


def _inline_alias(vc: dict[str, Any]) -> None:
    vc["@context"] = [*vc["@context"], {"until": {"@id": CRED + "validUntil", "@type": XSD_DATETIME}}]
    vc["until"] = vc.pop("validUntil")


def _nested(vc: dict[str, Any]) -> None:
    vc["@context"] = [*vc["@context"], {"extra": "@nest"}]
    vc["extra"] = {"validUntil": vc.pop("validUntil")}


RENAMINGS: dict[str, Callable[[dict[str, Any]], None]] = {
    "its IRI": _iri_key,
    "a compact IRI": _compact_iri,
    "a term of an added inline context": _inline_alias,
    "under an @nest member": _nested,
}


def test_the_expired_credential_is_refused_as_it_is(loader: DocumentLoader, expired: dict[str, Any]) -> None:
    assert _failed(_verify(loader, expired)) == {"validity": problem_type("expired")}


@pytest.mark.parametrize("how", RENAMINGS)
def test_a_renamed_member_is_refused_not_overlooked(
    how: str, loader: DocumentLoader, expired: dict[str, Any]
) -> None:
    """validUntil renamed keeps the proof valid (the same RDF): it verified, its end date unseen."""
    forged = copy.deepcopy(expired)
    RENAMINGS[how](forged)
    result = _verify(loader, forged)
    assert not result.verified
    assert _failed(result) == {"contexts": problem_type("aliased-term")}


def test_a_status_entry_written_by_its_iri_is_refused(loader: DocumentLoader) -> None:
    """credentialStatus written as its IRI: the status check found no entry and said "skipped"."""
    entry = {
        "id": "https://status.example/1#5",
        "type": "BitstringStatusListEntry",
        "statusPurpose": "revocation",
        "statusListIndex": "5",
        "statusListCredential": "https://status.example/1",
    }
    genuine = signed(open_badge(DID, credentialStatus=entry), KEY, VM, loader)
    forged = copy.deepcopy(genuine)
    forged[CRED + "credentialStatus"] = forged.pop("credentialStatus")
    assert _failed(_verify(loader, forged)) == {"contexts": problem_type("aliased-term")}
    # Inside the entry, statusSize renamed would make the check read the wrong bits.
    inner = copy.deepcopy(genuine)
    inner["credentialStatus"]["https://www.w3.org/ns/credentials/status#statusPurpose"] = inner[
        "credentialStatus"
    ].pop("statusPurpose")
    result = _verify(loader, inner)
    assert not result.verified and _failed(result)["contexts"] == problem_type("aliased-term")


def test_reverse_and_included_are_refused(loader: DocumentLoader) -> None:
    for document in (
        {
            "@context": [VC_V2],
            "type": ["VerifiableCredential"],
            "@reverse": {CRED + "issuer": {"id": "urn:x"}},
        },
        {"@context": [VC_V2], "type": ["VerifiableCredential"], "@included": [{"id": "urn:x", "name": "x"}]},
    ):
        with pytest.raises(AliasedTerm):
            expand_safe(document, loader=loader)


def test_the_published_names_of_the_standard_properties(loader: DocumentLoader) -> None:
    terms = loader.context_cache.standard_terms
    assert terms[CRED + "credentialStatus"] == {"credentialStatus"}
    assert terms[CRED + "validUntil"] == {"validUntil"}
    assert terms["https://w3id.org/security#expiration"] == {"expires"}  # not its local name
    assert terms["https://www.w3.org/ns/credentials/status#statusSize"] == {"statusSize"}
    assert "name" in terms["https://schema.org/name"]


def test_a_presentation_whose_credentials_are_renamed_is_refused(loader: DocumentLoader) -> None:
    """``verifiableCredential`` written as its IRI: the presentation's proof covers the credential, but
    nothing reading it as JSON would find (and verify) it."""
    vc = signed(open_badge(DID), KEY, VM, loader)
    vp = {"@context": [VC_V2], "type": ["VerifiablePresentation"], CRED + "verifiableCredential": [vc]}
    result = verify_presentation(
        vp, loader=loader, resolver=DidResolver(), verify_credential=lambda item: pytest.fail("read")
    )
    assert not result.verified
    assert ("contexts", problem_type("aliased-term")) in {
        (c.id, c.type) for c in result.checks if c.outcome == "failed"
    }


def test_type_and_id_written_as_keywords_are_refused(loader: DocumentLoader) -> None:
    """Every VC context aliases ``@type`` and ``@id`` as ``type`` and ``id``; written as the keywords they
    merge with the aliases' values in the RDF, so a ``ClrCredential`` type moved to ``@type`` beside
    ``type`` kept the proof and hid the CLR (its bundled credentials went unchecked). A value object's own
    ``@type`` is not a node's type: it stays allowed."""
    genuine = signed(
        open_badge(DID, type=["VerifiableCredential", "OpenBadgeCredential", "AchievementCredential"]),
        KEY,
        VM,
        loader,
    )
    assert _verify(loader, genuine).verified
    moved = copy.deepcopy(genuine)
    moved["type"] = ["VerifiableCredential", "OpenBadgeCredential"]
    moved["@type"] = "AchievementCredential"
    assert _failed(_verify(loader, moved)) == {"contexts": problem_type("aliased-term")}
    subject_id = copy.deepcopy(genuine)
    subject_id["credentialSubject"]["@id"] = subject_id["credentialSubject"].pop("id")
    result = _verify(loader, subject_id)
    assert not result.verified and _failed(result)["contexts"] == problem_type("aliased-term")
    typed_value = copy.deepcopy(genuine)
    typed_value["validFrom"] = {"@value": typed_value["validFrom"], "@type": XSD_DATETIME}
    assert "aliased-term" not in str(_failed(_verify(loader, typed_value)))


CLR_CONTEXT = "https://purl.imsglobal.org/spec/clr/v2p0/context-2.0.1.json"
CLR_TYPE = "https://purl.imsglobal.org/spec/vc/clr/vocab.html#ClrCredential"


@pytest.mark.parametrize(
    "rename",
    [
        pytest.param(lambda vc: vc.__setitem__("type", ["VerifiableCredential", CLR_TYPE]), id="iri"),
        pytest.param(
            lambda vc: (
                vc["@context"].append({"clr": "https://purl.imsglobal.org/spec/vc/clr/vocab.html#"}),
                vc.__setitem__("type", ["VerifiableCredential", "clr:ClrCredential"]),
            ),
            id="compact-iri",
        ),
        pytest.param(
            lambda vc: (
                vc["@context"].append({"Transcript": CLR_TYPE}),
                vc.__setitem__("type", ["VerifiableCredential", "Transcript"]),
            ),
            id="inline-term",
        ),
    ],
)
def test_a_type_written_by_another_name_is_refused(
    loader: DocumentLoader, rename: Callable[[dict[str, Any]], Any]
) -> None:
    """Found by an outside round on what is shown against what was signed: a type written as its IRI (or
    a compact IRI, or a term of an inline context) has the same RDF, so the proof held, but the checks
    branch on a type by its term: a CLR whose ``ClrCredential`` was written as its IRI verified with an
    expired credential bundled, its ``nested-credential-N`` checks never made."""
    expired = signed(
        open_badge(
            DID, validUntil="2026-02-01T00:00:00Z", credential_id="urn:uuid:0e4d0e8a-1c1b-4f55-9d0c-1"
        ),
        KEY,
        VM,
        loader,
    )
    clr = {
        "@context": [VC_V2, CLR_CONTEXT, "https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.3.json"],
        "id": "urn:uuid:6f1c2e4a-9b7d-4c3e-8a2f-1d0e9c8b7a65",
        "type": ["VerifiableCredential", "ClrCredential"],
        "issuer": {"id": DID, "type": ["Profile"], "name": "Example University"},
        "name": "Transcript",
        "validFrom": "2026-01-01T00:00:00Z",
        "credentialSubject": {
            "id": "did:example:learner",
            "type": ["ClrSubject"],
            "verifiableCredential": [expired],
        },
    }
    genuine = signed(clr, KEY, VM, loader)
    assert "nested-credential-1" in _failed(_verify(loader, genuine))
    renamed = copy.deepcopy(genuine)
    rename(renamed)
    assert _failed(_verify(loader, renamed)) == {"contexts": problem_type("aliased-term")}
