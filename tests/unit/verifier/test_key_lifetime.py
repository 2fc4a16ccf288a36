"""A verification method its controller marks ``revoked`` or ``expires`` (Controlled Identifiers 1.0 §2.2):
"systems depending on the value are expected to not verify any proofs associated with the verification
method at or after the time" given. A credential signed by such a key is not verified once that time has
come (``key-revoked``, ``key-expired``), before it still is; a value that is not a date-time counts as
already in force, so a key marked revoked in a form we cannot read is never used. The same holds for a key
in a did:web DID document, for a lone key document, for VC-JWT (no JWK Set stands in for the revoked
key) and for the status list's own proof."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest

from proofs.jsonld import DocumentLoader, bundled_loader
from proofs.vc_jwt import encode_ob_vc_jwt
from schemas.problems import problem_type
from tests.unit.verifier.builders import NOW, KeyDocuments, controller_document, key, open_badge, signed
from verifier import CallResolver, DidResolver, KeyResolutionError, VerificationResult, Verifier

ISSUER = "https://issuer.example/issuers/77"
WEB = "did:web:issuer.example:issuers:77"
SIGNER = key(31)
PAST = (NOW - dt.timedelta(days=1)).isoformat().replace("+00:00", "Z")
FUTURE = (NOW + dt.timedelta(days=1)).isoformat().replace("+00:00", "Z")


@pytest.fixture(scope="module")
def loader() -> DocumentLoader:
    return bundled_loader()


def _method(**lifetime: Any) -> dict[str, Any]:
    return {"type": "Multikey", "publicKeyMultibase": SIGNER.public_key().multikey(), **lifetime}


def _verify(
    loader: DocumentLoader, credential: dict[str, Any] | str, resolver: DidResolver
) -> VerificationResult:
    return Verifier(loader=loader, resolver=resolver, fetch_status_list=None).verify(credential, now=NOW)


def _failed(result: VerificationResult) -> dict[str, str | None]:
    return {c.id: c.type for c in result.checks if c.outcome == "failed"}


@pytest.mark.parametrize(
    ("lifetime", "problem"),
    [
        ({"revoked": PAST}, "key-revoked"),
        ({"revoked": NOW.isoformat()}, "key-revoked"),  # at the time itself
        ({"revoked": "yesterday"}, "key-revoked"),  # unreadable: in force
        ({"revoked": None}, "key-revoked"),
        ({"expires": PAST}, "key-expired"),
        ({"expires": 1700000000}, "key-expired"),
        ({"revoked": FUTURE, "expires": PAST}, "key-expired"),
    ],
    ids=["revoked", "revoked-now", "revoked-unreadable", "revoked-null", "expired", "expires-number", "both"],
)
def test_a_key_out_of_use_signs_nothing(
    loader: DocumentLoader, lifetime: dict[str, Any], problem: str
) -> None:
    documents = KeyDocuments({ISSUER: controller_document(ISSUER, {"key-1": _method(**lifetime)})})
    credential = signed(open_badge(ISSUER), SIGNER, f"{ISSUER}#key-1", loader)
    result = _verify(loader, credential, DidResolver(fetch_key_document=documents))
    assert not result.verified
    assert _failed(result) == {"proof": problem_type(problem)}


def test_a_key_revoked_or_expiring_later_still_signs(loader: DocumentLoader) -> None:
    documents = KeyDocuments(
        {ISSUER: controller_document(ISSUER, {"key-1": _method(revoked=FUTURE, expires=FUTURE)})}
    )
    credential = signed(open_badge(ISSUER), SIGNER, f"{ISSUER}#key-1", loader)
    result = _verify(loader, credential, DidResolver(fetch_key_document=documents))
    assert result.verified, result.as_json()
    # The same key, verified after its revocation time, is refused: the time is the verification's.
    later = Verifier(
        loader=loader, resolver=DidResolver(fetch_key_document=documents), fetch_status_list=None
    )
    result = later.verify(credential, now=NOW + dt.timedelta(days=2))
    assert _failed(result) == {"proof": problem_type("key-revoked")}


def test_a_revoked_key_in_a_did_web_document(loader: DocumentLoader) -> None:
    document = controller_document(WEB, {"key-1": _method(revoked=PAST)})
    resolver = DidResolver(fetch_did_web={WEB: document}.__getitem__)
    credential = signed(open_badge(WEB), SIGNER, f"{WEB}#key-1", loader)
    result = _verify(loader, credential, resolver)
    assert _failed(result) == {"proof": problem_type("key-revoked")}
    # The resolver gives the key with its times; the verification's view refuses it at its time.
    assert resolver.resolve(f"{WEB}#key-1").revoked is not None
    with pytest.raises(KeyResolutionError) as caught:
        CallResolver(resolver, now=NOW).resolve(f"{WEB}#key-1")
    assert caught.value.code == "KEY_REVOKED"
    assert (
        CallResolver(resolver, now=NOW - dt.timedelta(days=2)).resolve(f"{WEB}#key-1").key
        == resolver.resolve(f"{WEB}#key-1").key
    )


def test_a_revoked_lone_key_document(loader: DocumentLoader) -> None:
    key_url = "https://keys.example/ed25519/7"
    lone = {"id": key_url, "controller": ISSUER, **_method(revoked=PAST)}
    documents = KeyDocuments({key_url: lone, ISSUER: {"id": ISSUER, "assertionMethod": [key_url]}})
    credential = signed(open_badge(ISSUER), SIGNER, key_url, loader)
    result = _verify(loader, credential, DidResolver(fetch_key_document=documents))
    assert _failed(result) == {"proof": problem_type("key-revoked")}


def test_a_vc_jwt_by_a_revoked_key_is_not_rescued_by_the_jwk_set(loader: DocumentLoader) -> None:
    """A kid that is the https URL of a revoked key fails; the issuer's JWK Set (which has no revocation
    times) is not looked in instead."""
    documents = KeyDocuments({ISSUER: controller_document(ISSUER, {"key-1": _method(revoked=PAST)})})
    token = encode_ob_vc_jwt(open_badge(ISSUER), key=SIGNER, kid=f"{ISSUER}#key-1")
    result = _verify(loader, token, DidResolver(fetch_key_document=documents))
    assert _failed(result) == {"proof": problem_type("key-revoked")}
    web_token = encode_ob_vc_jwt(open_badge(WEB), key=SIGNER, kid=f"{WEB}#key-1")
    resolver = DidResolver(
        fetch_did_web={WEB: controller_document(WEB, {"key-1": _method(expires=PAST)})}.__getitem__
    )
    assert _failed(_verify(loader, web_token, resolver)) == {"proof": problem_type("key-expired")}
