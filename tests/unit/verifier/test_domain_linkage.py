"""DIF Well Known DID Configuration v1.0, JWT proof format: the specification's own example verifies, ours
round-trips, and every rule of §"DID Configuration Resource Verification" is enforced."""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

import pytest

from issuer.domain_linkage import did_configuration, domain_linkage_jwt
from proofs.keys import KeyAlgorithm, PrivateKey
from proofs.multibase import b64url_decode, b64url_encode
from tests.paths import DATA
from verifier.domain_linkage import LinkageError, origin_of, verify_linkage
from verifier.keys import DidResolver

NOW = dt.datetime(2026, 12, 7, 12, tzinfo=dt.UTC)
ORIGIN = "https://uu.example"


def _key() -> tuple[PrivateKey, str, str]:
    key = PrivateKey.generate(KeyAlgorithm.ED25519)
    did = key.public_key().did_key()
    return key, did, key.public_key().did_key_vm()


def test_the_specifications_example_verifies() -> None:
    """The DIF specification's example resource (did:key, EdDSA, origin written without its scheme),
    signed by another implementation, verifies within its dates and not after them."""
    config = json.loads((DATA / "dif-did-configuration.json").read_text())
    did = "did:key:z6MkoTHsgNNrby8JzCNQ1iRLyW5QQ6R8Xuu6AA8igGrMVPUM"
    at = dt.datetime(2024, 1, 1, tzinfo=dt.UTC)
    verify_linkage(did, "https://identity.foundation", config, resolver=DidResolver(), now=at)
    with pytest.raises(LinkageError) as late:
        verify_linkage(did, "https://identity.foundation", config, resolver=DidResolver(), now=NOW)
    assert "not valid at this time" in str(late.value)
    with pytest.raises(LinkageError):
        verify_linkage(did, "https://evil.example", config, resolver=DidResolver(), now=at)


def test_ours_round_trip_with_every_key_type() -> None:
    for algorithm in (KeyAlgorithm.ED25519, KeyAlgorithm.P256):
        key = PrivateKey.generate(algorithm)
        did, kid = key.public_key().did_key(), key.public_key().did_key_vm()
        config = did_configuration([domain_linkage_jwt(did, ORIGIN, key=key, kid=kid, now=NOW)])
        verify_linkage(did, ORIGIN, config, resolver=DidResolver(), now=NOW)
        verify_linkage(did, ORIGIN, config, resolver=DidResolver(), now=NOW + dt.timedelta(days=364))


def _tampered(token: str, **changes: Any) -> str:
    header, payload, signature = token.split(".")
    claims = json.loads(b64url_decode(payload))
    for name, value in changes.items():
        if name == "origin":
            claims["vc"]["credentialSubject"]["origin"] = value
        else:
            claims[name] = value
    return f"{header}.{b64url_encode(json.dumps(claims).encode())}.{signature}"


@pytest.mark.parametrize(
    ("make", "code"),
    [
        (lambda t, did: {"linked_dids": [_tampered(t, origin="https://uu.example.evil")]}, "INVALID_LINKAGE"),
        (lambda t, did: {"linked_dids": [_tampered(t, exp=1)]}, "INVALID_LINKAGE"),
        (lambda t, did: {"linked_dids": [t[:-4] + "AAAA"]}, "INVALID_LINKAGE"),
        (lambda t, did: {"linked_dids": [_tampered(t, sub="did:key:z6Mkother")]}, "INVALID_LINKAGE"),
        (lambda t, did: {"linked_dids": []}, "NOT_LINKED"),
        (lambda t, did: {"linked_dids": [{"proof": {}}]}, "INVALID_LINKAGE"),
        (lambda t, did: {"linked": [t]}, "MALFORMED_CONFIGURATION"),
        (lambda t, did: [t], "MALFORMED_CONFIGURATION"),
    ],
    ids=[
        "other-origin",
        "expired",
        "bad-signature",
        "other-subject",
        "empty",
        "ld-form",
        "no-list",
        "not-object",
    ],
)
def test_what_does_not_link(make: Any, code: str) -> None:
    key, did, kid = _key()
    token = domain_linkage_jwt(did, ORIGIN, key=key, kid=kid, now=NOW)
    with pytest.raises(LinkageError) as caught:
        verify_linkage(did, ORIGIN, make(token, did), resolver=DidResolver(), now=NOW)
    assert caught.value.code == code


def test_another_dids_credential_does_not_link_this_one() -> None:
    key, did, kid = _key()
    _other_key, other, _ = _key()
    config = did_configuration([domain_linkage_jwt(did, ORIGIN, key=key, kid=kid, now=NOW)])
    with pytest.raises(LinkageError) as caught:
        verify_linkage(other, ORIGIN, config, resolver=DidResolver(), now=NOW)
    assert caught.value.code == "NOT_LINKED"
    # signed by another key than the DID's own, under the DID's name
    forged = domain_linkage_jwt(
        other, ORIGIN, key=key, kid=f"{other}#{other.removeprefix('did:key:')}", now=NOW
    )
    with pytest.raises(LinkageError):
        verify_linkage(other, ORIGIN, did_configuration([forged]), resolver=DidResolver(), now=NOW)


def test_origins() -> None:
    assert origin_of("https://www.uu.nl/en/about") == "https://www.uu.nl"
    assert origin_of("identity.foundation") == "https://identity.foundation"
    assert origin_of("https://uu.example:8443/") == "https://uu.example:8443"
    assert origin_of("https://uu.example:443/") == "https://uu.example"
    assert origin_of("http://uu.example") is None
    # A host IDNA 2008 refuses but browsers reach (UTS #46 as the URL Standard applies it): its ASCII form.
    assert origin_of("https://i\u2764.ws") == "https://xn--i-7iq.ws"
    assert origin_of("https://[::1") is None


def test_an_origins_host_is_in_its_ascii_form() -> None:
    """Found by an outside fuzzing round of issuer trust: a Unicode host was kept as it is, so a verified
    domain of the Cyrillic аррle.com was shown as "аррle.com", indistinguishable from apple.com. RFC 6454
    §4: the host of an origin is converted with IDNA ToASCII."""
    assert origin_of("https://\u0430\u0440\u0440le.com/about") == "https://xn--le-6kc8da.com"
    assert origin_of("https://B\u00dcCHER.example:8443/") == "https://xn--bcher-kva.example:8443"
    assert origin_of("https://\uff45\uff58\uff41\uff4d\uff50\uff4c\uff45.com") == "https://example.com"
    # A fraction slash is no "/": the host is one label, shown as its ASCII form, never as ox.ac.uk.
    assert origin_of("https://ox.ac.uk\u2044evil.com") == "https://ox.ac.xn--ukevil-qq0c.com"
    assert origin_of("https://\ufffd.com") is None  # no ASCII form at all: not an origin
    for url in ("https://b\u00fccher.example", "https://xn--bcher-kva.example", "https://аррle.com"):
        origin = origin_of(url)
        assert origin is not None and origin.isascii()


@pytest.mark.parametrize(
    ("profile", "linked"),
    [
        ("https://b\u00fccher.example", "https://xn--bcher-kva.example"),
        ("https://xn--bcher-kva.example", "https://b\u00fccher.example"),
    ],
)
def test_the_unicode_and_punycode_forms_of_an_origin_are_one_origin(profile: str, linked: str) -> None:
    """Found by an outside fuzzing round of issuer trust: a profile URL and a Domain Linkage Credential
    naming one IDN origin in its two forms were refused ORIGIN_MISMATCH (RFC 6454 §4, IDNA ToASCII)."""
    key, did, kid = _key()
    origin = origin_of(profile)
    assert origin is not None
    config = did_configuration([domain_linkage_jwt(did, linked, key=key, kid=kid, now=NOW)])
    verify_linkage(did, origin, config, resolver=DidResolver(), now=NOW)
