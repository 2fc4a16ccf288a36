"""CLR 2.0 assembly (issuer.clr.build_clr): the record's shape, its associations, what it refuses; and the
unsigned record expands with the bundled CLR 2.0.1 context in safe mode (no undefined term)."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest

from issuer.clr import CLR_CONTEXT, build_clr
from proofs.jsonld import bundled_loader, expand_safe

NOW = dt.datetime(2026, 12, 1, tzinfo=dt.UTC)
ISSUER = {"id": "did:example:uni", "type": ["Profile"], "name": "University"}


def _vc(n: int, **subject: Any) -> dict[str, Any]:
    return {
        "@context": [
            "https://www.w3.org/ns/credentials/v2",
            "https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.3.json",
            "https://w3id.org/shomei/mc/v1/context.jsonld",
        ],
        "id": f"urn:uuid:00000000-0000-4000-8000-00000000000{n}",
        "type": ["VerifiableCredential", "OpenBadgeCredential"],
        "issuer": ISSUER,
        "validFrom": "2026-01-01T00:00:00Z",
        "credentialSubject": {
            "type": ["AchievementSubject"],
            "achievement": {
                "id": f"urn:course:{n}",
                "type": ["Achievement"],
                "name": f"Course {n}",
                "description": "d",
                "criteria": {"narrative": "n"},
                "mcDescriptor": {"type": "MicroCredentialDescriptor"},
            },
            **subject,
        },
    }


def test_the_record_and_its_associations() -> None:
    clr = build_clr(
        credential_id="urn:uuid:9d8c7b6a-0000-4000-8000-000000000000",
        issuer=ISSUER,
        name="BSc: learner record",
        programme_credential=_vc(0),
        constituents=[_vc(1), _vc(2), _vc(3)],
        valid_from=NOW,
        subject_id="did:example:learner",
    )
    assert clr["@context"][1] == CLR_CONTEXT and clr["type"] == ["VerifiableCredential", "ClrCredential"]
    subject = clr["credentialSubject"]
    assert subject["id"] == "did:example:learner"
    assert [a["id"] for a in subject["achievement"]] == [
        "urn:course:0",
        "urn:course:1",
        "urn:course:2",
        "urn:course:3",
    ]
    assert all("mcDescriptor" not in a for a in subject["achievement"])  # kept in the bundled credentials
    assert len(subject["verifiableCredential"]) == 4
    assert [(a["associationType"], a["sourceId"], a["targetId"]) for a in subject["association"]] == [
        ("isChildOf", "urn:course:1", "urn:course:0"),
        ("isChildOf", "urn:course:2", "urn:course:0"),
        ("isChildOf", "urn:course:3", "urn:course:0"),
        ("precedes", "urn:course:1", "urn:course:2"),
        ("precedes", "urn:course:2", "urn:course:3"),
    ]
    expand_safe(clr, loader=bundled_loader())  # every term defined


def test_what_it_refuses() -> None:
    common: dict[str, Any] = {
        "credential_id": "urn:uuid:1",
        "issuer": ISSUER,
        "name": "x",
        "programme_credential": _vc(0),
        "valid_from": NOW,
    }
    with pytest.raises(ValueError, match="at least one"):
        build_clr(**common, constituents=[], subject_id="did:example:l")
    with pytest.raises(ValueError, match="learner"):
        build_clr(**common, constituents=[_vc(1)])
    broken = _vc(1)
    del broken["credentialSubject"]["achievement"]["id"]
    with pytest.raises(ValueError, match="achievement"):
        build_clr(**common, constituents=[broken], subject_id="did:example:l")
