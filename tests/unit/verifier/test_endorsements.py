"""Embedded EndorsementCredentials (OB 3.0 §9.1, last step; §9.2): each verified as a credential of its
own, with the same verifier, and listed as ``endorsement-N``; one that does not verify fails the credential
that carries it, though that credential's own proof covers it."""

from __future__ import annotations

import copy
import json
from typing import Any

import pytest

from proofs.jsonld import DocumentLoader, bundled_loader
from proofs.keys import PrivateKey
from schemas.problems import problem_type
from tests.paths import ROOT
from tests.unit.verifier.builders import NOW, OB_CONTEXT, VC_V2, key, open_badge, passed_checks, signed
from verifier import DidResolver, VerificationResult, Verifier
from verifier.checks.endorsements import MAX_ENDORSEMENTS, check_endorsements, embedded_endorsements
from verifier.pathways import Entry, Group, Pathway, Submission, evaluate

ISSUER = key(51)
DID = ISSUER.public_key().did_key()
ENDORSER = key(52)
ACHIEVEMENT = "https://example.edu/achievements/teamwork"
OTHER_ACHIEVEMENT = "https://example.edu/achievements/leadership"


@pytest.fixture(scope="module")
def loader() -> DocumentLoader:
    return bundled_loader()


def _endorsement(
    loader: DocumentLoader,
    *,
    signer: PrivateKey = ENDORSER,
    method: str | None = None,
    subject: str = ACHIEVEMENT,
    n: int = 1,
    **fields: Any,
) -> dict[str, Any]:
    endorser = signer.public_key().did_key()
    unsigned: dict[str, Any] = {
        "@context": [VC_V2, OB_CONTEXT],
        "id": f"urn:uuid:22222222-2222-4222-8222-00000000000{n}",
        "type": ["VerifiableCredential", "EndorsementCredential"],
        "name": "Endorsement by Quality Body",
        "issuer": {"id": endorser, "type": ["Profile"], "name": "Quality Body"},
        "validFrom": "2026-01-01T00:00:00Z",
        "credentialSubject": {
            "id": subject,
            "type": ["EndorsementSubject"],
            "endorsementComment": "Meets our standard.",
        },
    }
    unsigned.update(fields)
    return signed(unsigned, signer, method or signer.public_key().did_key_vm(), loader)


def _badge(loader: DocumentLoader, endorsements: list[Any], **fields: Any) -> dict[str, Any]:
    """A badge by ISSUER whose achievement carries ``endorsements``, signed after they were put in."""
    unsigned = open_badge(DID, **fields)
    unsigned["credentialSubject"]["achievement"]["endorsement"] = endorsements
    return signed(unsigned, ISSUER, ISSUER.public_key().did_key_vm(), loader)


def _verify(loader: DocumentLoader, credential: dict[str, Any]) -> VerificationResult:
    return Verifier(loader=loader, resolver=DidResolver(), fetch_status_list=None).verify(credential, now=NOW)


def _outcomes(result: VerificationResult) -> dict[str, str]:
    return {c.id: c.outcome for c in result.checks}


def test_a_valid_endorsement_passes(loader: DocumentLoader) -> None:
    result = _verify(loader, _badge(loader, [_endorsement(loader)]))
    assert result.verified, result.as_json()
    assert _outcomes(result) == {**passed_checks(status="skipped"), "endorsement-1": "passed"}
    check = result.check("endorsement-1")
    assert check is not None and check.details["verified"] is True
    assert check.details["path"] == "credentialSubject.achievement.endorsement[0]"
    assert check.details["id"] == "urn:uuid:22222222-2222-4222-8222-000000000001"
    # Verified as a standalone credential: its own checks, every one of them (no OB schema applies to it).
    inner = {c["id"]: c["outcome"] for c in check.details["checks"]}
    assert inner == passed_checks(status="skipped", schema="skipped")


def test_a_tampered_endorsement_fails_the_credential(loader: DocumentLoader) -> None:
    """The outer proof signs the tampered bytes (the badge is not forged), yet the endorser never said
    this: the credential is not verified, and the reason is the endorsement's own proof."""
    endorsement = _endorsement(loader)
    endorsement["credentialSubject"]["endorsementComment"] = "TAMPERED"  # after the endorser signed it
    result = _verify(loader, _badge(loader, [endorsement]))
    assert not result.verified
    outcomes = _outcomes(result)
    assert outcomes["proof"] == "passed" and outcomes["issuer"] == "passed"
    failed = {c.id: c.type for c in result.checks if c.outcome == "failed"}
    assert failed == {"endorsement-1": problem_type("endorsement-invalid")}
    check = result.check("endorsement-1")
    assert check is not None and check.details["verified"] is False
    inner = {c["id"]: c.get("type") for c in check.details["checks"] if c["outcome"] == "failed"}
    assert inner == {"proof": problem_type("invalid-proof")}


def test_an_endorsement_by_an_unresolvable_key(loader: DocumentLoader) -> None:
    """Signed by a did:web key that this verifier cannot resolve (no did:web fetcher): not verified."""
    endorsement = _endorsement(
        loader,
        method="did:web:endorser.example#key-1",
        issuer={"id": "did:web:endorser.example", "type": ["Profile"], "name": "Quality Body"},
    )
    result = _verify(loader, _badge(loader, [endorsement]))
    assert not result.verified
    check = result.check("endorsement-1")
    assert check is not None and check.type == problem_type("endorsement-invalid")
    inner = {c["id"]: c.get("type") for c in check.details["checks"] if c["outcome"] == "failed"}
    assert inner == {"proof": problem_type("key-not-found")}


def test_what_is_not_an_endorsement_fails(loader: DocumentLoader) -> None:
    """A validly signed credential that is not an EndorsementCredential is not an endorsement."""
    badge = signed(
        open_badge(ENDORSER.public_key().did_key()), ENDORSER, ENDORSER.public_key().did_key_vm(), loader
    )
    result = _verify(loader, _badge(loader, [badge, "not a credential"]))
    assert not result.verified
    first, second = result.check("endorsement-1"), result.check("endorsement-2")
    assert first is not None and first.type == problem_type("not-an-endorsement")
    assert second is not None and second.type == problem_type("unreadable-credential")


def test_endorsements_on_the_issuer_and_the_credential(loader: DocumentLoader) -> None:
    """Wherever OB 3.0 puts them (the credential, the issuer's Profile, the achievement), in document order;
    the failing one is named by its path."""
    tampered = _endorsement(loader, n=2)
    tampered["name"] = "Changed"
    unsigned = open_badge(DID)
    unsigned["issuer"]["endorsement"] = [_endorsement(loader, subject=DID, n=1)]
    unsigned["endorsement"] = [tampered]
    result = _verify(loader, signed(unsigned, ISSUER, ISSUER.public_key().did_key_vm(), loader))
    paths = {c.id: (c.outcome, c.details["path"]) for c in result.checks if c.id.startswith("endorsement-")}
    assert paths == {
        "endorsement-1": ("passed", "issuer.endorsement[0]"),
        "endorsement-2": ("failed", "endorsement[0]"),
    }
    assert not result.verified


def test_too_many_endorsements_are_refused_unverified(loader: DocumentLoader) -> None:
    one = _endorsement(loader)
    result = _verify(loader, _badge(loader, [copy.deepcopy(one) for _ in range(MAX_ENDORSEMENTS + 1)]))
    assert not result.verified
    check = result.check("endorsements")
    assert check is not None and check.type == problem_type("too-many-endorsements")
    assert check.details["count"] == MAX_ENDORSEMENTS + 1
    assert not [c for c in result.checks if c.id.startswith("endorsement-")]


def test_no_endorsement_is_opened_when_the_credential_proof_fails(loader: DocumentLoader) -> None:
    badge = _badge(loader, [_endorsement(loader)])
    badge["name"] = "Changed after signing"
    result = _verify(loader, badge)
    outcomes = _outcomes(result)
    assert outcomes["proof"] == "failed" and outcomes["endorsements"] == "skipped"
    assert "endorsement-1" not in outcomes


def test_an_endorsements_own_endorsements_are_not_verified(loader: DocumentLoader) -> None:
    """OB 3.0 §9.2 has no endorsement step: the recursion stops at one level."""
    inner = _endorsement(loader, n=2, subject=ENDORSER.public_key().did_key())
    inner["name"] = "Changed"  # would fail, were it verified
    endorser = {
        "id": ENDORSER.public_key().did_key(),
        "type": ["Profile"],
        "name": "Quality Body",
        "endorsement": [inner],
    }
    result = _verify(loader, _badge(loader, [_endorsement(loader, issuer=endorser)]))
    assert result.verified, result.as_json()
    check = result.check("endorsement-1")
    assert check is not None and not any(c["id"].startswith("endorsement") for c in check.details["checks"])


def test_where_endorsements_are_looked_for() -> None:
    credential = {
        "endorsementJwt": ["a.b.c"],
        "issuer": {"id": "did:example:i", "endorsement": {"type": "EndorsementCredential"}},
        "credentialSubject": [
            {"achievement": {"creator": {"endorsement": [{"a": 1}, {"b": 2}]}}},
            {"verifiableCredential": [{"endorsement": [{"not": "looked at"}]}]},
        ],
        "proof": {"endorsement": [{"not": "looked at"}]},
    }
    assert [path for path, _ in embedded_endorsements(credential)] == [
        "endorsementJwt[0]",
        "issuer.endorsement[0]",
        "credentialSubject[0].achievement.creator.endorsement[0]",
        "credentialSubject[0].achievement.creator.endorsement[1]",
    ]
    assert check_endorsements({"type": ["VerifiableCredential"]}, verify=_never, sealed=True) == []


def _never(item: str | Any) -> VerificationResult:
    raise AssertionError("nothing should be verified")


def test_an_endorsement_counts_toward_no_pathway(loader: DocumentLoader) -> None:
    """The endorsement endorses another achievement of the pathway: only the badge's own counts."""
    badge = _badge(loader, [_endorsement(loader, subject=OTHER_ACHIEVEMENT)])
    result = _verify(loader, badge)
    assert result.verified, result.as_json()
    pathway = Pathway(
        credits_required=0,
        groups=(Group("core", (Entry(ACHIEVEMENT), Entry(OTHER_ACHIEVEMENT)), min_count=1),),
        recognised_issuers=frozenset({DID, ENDORSER.public_key().did_key()}),
    )
    progress = evaluate(pathway, [Submission(badge["id"], result)], now=NOW)
    assert [c.achievement for c in progress.counted] == [ACHIEVEMENT] and not progress.not_counted


def test_a_micro_credential_of_ours_carries_an_ob_endorsement(loader: DocumentLoader) -> None:
    """Our descriptor context (``https://w3id.org/shomei/mc/v1/context.jsonld``) defined an ``xsd`` prefix:
    the OB 3.0.3 context, applied again by an embedded endorsement, types ``awardedDate`` as
    ``xsd:dateTime``, which that prefix turned into another IRI, a redefinition of a protected term
    (JSON-LD 1.1 §4.1.11): no micro-credential of ours could carry an OB endorsement. The context now
    writes the XML Schema IRIs whole (the same RDF: signatures made before still verify)."""
    doc: dict[str, Any] = json.loads((ROOT / "bench" / "data" / "reference-mc.json").read_text("utf-8"))
    doc.pop("proof", None)
    doc.pop("credentialStatus", None)  # no list to fetch here
    doc["issuer"]["id"] = DID
    subject = doc["credentialSubject"]["achievement"]["id"]
    doc["credentialSubject"]["achievement"]["endorsement"] = [_endorsement(loader, subject=subject)]
    result = _verify(loader, signed(doc, ISSUER, ISSUER.public_key().did_key_vm(), loader))
    assert result.verified, result.as_json()
    assert _outcomes(result)["endorsement-1"] == "passed"
