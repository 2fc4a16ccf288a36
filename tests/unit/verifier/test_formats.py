"""verifier.formats: every kind of input detected (bytes, text, JSON objects), each read for the verifier,
garbage refused, and the credential taken out of an uploaded file."""

from __future__ import annotations

import base64
import json
from typing import Any
from urllib.parse import quote

import pytest

from media import baking
from media.badge_image import default_badge_svg
from media.qr import qr_png
from proofs.keys import KeyAlgorithm, PrivateKey
from proofs.multibase import b64url_encode
from proofs.vc_jwt import encode_ob_vc_jwt
from verifier import Kind, UnreadableCredential, credential_from_file, detect, read_credential
from verifier.formats import MAX_CREDENTIAL_BYTES, MAX_FILE_BYTES, envelope_problem

KEY = PrivateKey.from_raw_secret(KeyAlgorithm.ED25519, bytes([7]) * 32)
CREDENTIAL: dict[str, Any] = {
    "@context": ["https://www.w3.org/ns/credentials/v2"],
    "id": "urn:uuid:7d0c7a52-2a3e-4a0e-9a55-0c3f6f0f2a11",
    "type": ["VerifiableCredential", "OpenBadgeCredential"],
    "issuer": KEY.public_key().did_key(),
    "validFrom": "2026-01-01T00:00:00Z",
    "credentialSubject": {"id": "did:example:learner"},
}
PRESENTATION: dict[str, Any] = {
    "@context": ["https://www.w3.org/ns/credentials/v2"],
    "type": ["VerifiablePresentation"],
    "verifiableCredential": [CREDENTIAL],
}


def _jwt() -> str:
    return encode_ob_vc_jwt(CREDENTIAL, key=KEY, kid=KEY.public_key().did_key_vm())


def _part(value: dict[str, Any]) -> str:
    return b64url_encode(json.dumps(value).encode())


def _legacy_jwt() -> str:
    """A VCDM 1.1 VC-JWT (the credential in the ``vc`` claim); formats reads, never verifies."""
    header = _part({"alg": "EdDSA", "typ": "JWT"})
    return f"{header}.{_part({'iss': CREDENTIAL['issuer'], 'vc': CREDENTIAL})}.{b64url_encode(b'sig')}"


def _sd_jwt() -> str:
    """The shape of an SD-JWT VC: a JWS, its disclosures, each followed by ``~``."""
    header = _part({"alg": "ES256", "typ": "dc+sd-jwt"})
    disclosure = _part({"salt": "x"})
    return f"{header}.{_part({'vct': 'urn:example'})}.{b64url_encode(b'sig')}~{disclosure}~"


def _enveloped(content: str, media_type: str = "application/vc+jwt") -> dict[str, Any]:
    return {
        "@context": ["https://www.w3.org/ns/credentials/v2"],
        "type": "EnvelopedVerifiableCredential",
        "id": f"data:{media_type},{content}",
    }


# --- detect -----------------------------------------------------------------------------------------------


def test_each_kind_is_detected() -> None:
    text = json.dumps(CREDENTIAL)
    cases: list[tuple[bytes | str | dict[str, Any], Kind]] = [
        (CREDENTIAL, Kind.CREDENTIAL),
        (text, Kind.CREDENTIAL),
        (text.encode(), Kind.CREDENTIAL),
        (b"\xef\xbb\xbf  " + text.encode() + b"\n", Kind.CREDENTIAL),
        (PRESENTATION, Kind.PRESENTATION),
        (json.dumps(PRESENTATION).encode(), Kind.PRESENTATION),
        (_enveloped(_jwt()), Kind.ENVELOPED),
        (_jwt(), Kind.VC_JWT),
        (_jwt().encode(), Kind.VC_JWT),
        (_legacy_jwt(), Kind.VC_JWT),
        (_sd_jwt(), Kind.SD_JWT_VC),
        (_sd_jwt().encode(), Kind.SD_JWT_VC),
        (qr_png("https://example.org/c"), Kind.PNG),
        (baking.bake_png(qr_png("https://example.org/c"), text), Kind.PNG),
        (default_badge_svg("Badge", "Issuer").encode(), Kind.SVG),
        (baking.bake_svg(default_badge_svg("Badge", "Issuer"), _jwt()).encode(), Kind.SVG),
    ]
    for data, kind in cases:
        assert detect(data) is kind, (data, kind)


@pytest.mark.parametrize(
    "garbage",
    [
        b"",
        b"   ",
        b"hello world",
        b"\xff\xfe\x00garbage",
        b"[1, 2, 3]",
        b'"a string"',
        b"{not json",
        b'{"type": ["Thing"]}',
        b"<html><body>a~b.c.d</body></html>",
        b"<?xml version='1.0'?><note/>",
        b"aaa.bbb",
        b"aaa.bbb.ccc.ddd",
        # A tilde and a JWS's dots are not an SD-JWT: its parts are base64url (found by an outside fuzzing
        # round: a PNG's bytes read as text, and such text, were reported as a malformed dc+sd-jwt).
        b"\x89PNX\r\n\x00\xff~ab.cd.ef",
        b"eyJh.eyJi.c2ln~not base64url!~",
        "a.b.c~\u00e9~",
        "\ufffdPNG\r\n\x1a\n~ab.cd.ef",
        "not a credential",
        {"type": "Thing"},
        {},
    ],
)
def test_garbage_is_unknown(garbage: bytes | str | dict[str, Any]) -> None:
    assert detect(garbage) is Kind.UNKNOWN


# --- read_credential --------------------------------------------------------------------------------------


def test_reads_json_ld_as_object_and_as_text() -> None:
    for data in (CREDENTIAL, json.dumps(CREDENTIAL), "\n " + json.dumps(CREDENTIAL) + " \n"):
        read = read_credential(data)
        assert (read.kind, read.format, read.credential, read.jwt) == (
            Kind.CREDENTIAL,
            "json-ld",
            CREDENTIAL,
            None,
        )
    assert (
        read_credential(CREDENTIAL).credential is not CREDENTIAL
    )  # a copy: the caller's object stays as it is


def test_reads_vc_jwt_both_forms() -> None:
    read = read_credential(_jwt())
    assert (read.kind, read.format) == (Kind.VC_JWT, "vc-jwt")
    assert read.jwt is not None and read.credential is not None
    assert read.credential["credentialSubject"] == CREDENTIAL["credentialSubject"]
    legacy = read_credential(_legacy_jwt())
    assert (legacy.kind, legacy.format, legacy.credential) == (Kind.VC_JWT, "vc-jwt (VCDM 1.1)", CREDENTIAL)


def test_reads_sd_jwt_vc_only_when_the_checks_are_there() -> None:
    read = read_credential(" " + _sd_jwt() + "\n")
    assert (read.kind, read.format, read.text, read.credential) == (
        Kind.SD_JWT_VC,
        "dc+sd-jwt",
        _sd_jwt(),
        None,
    )
    with pytest.raises(UnreadableCredential, match="could not be read"):
        read_credential(_sd_jwt(), sd_jwt=False)


def test_reads_an_enveloped_credential_once() -> None:
    read = read_credential(_enveloped(_jwt()))
    assert (read.kind, read.format) == (Kind.VC_JWT, "vc-jwt")
    inner = read_credential(_enveloped(json.dumps(CREDENTIAL), "application/vc+ld+json"))
    assert (inner.kind, inner.credential) == (Kind.CREDENTIAL, CREDENTIAL)
    assert read_credential(json.dumps(_enveloped(_jwt()))).kind is Kind.VC_JWT  # as JSON text too
    assert read_credential(_enveloped(_sd_jwt(), "application/dc+sd-jwt")).kind is Kind.SD_JWT_VC
    twice = _enveloped(json.dumps(_enveloped(_jwt())), "application/json")
    with pytest.raises(UnreadableCredential, match="not a Verifiable Credential"):
        read_credential(twice)


@pytest.mark.parametrize(
    ("data", "message", "type_name"),
    [
        ("{not json", "the credential is neither JSON nor a compact JWS", "unreadable-credential"),
        ("not a credential", "the credential could not be read: ", "unreadable-credential"),
        ("", "the credential could not be read: ", "unreadable-credential"),
        ({"type": ["Thing"]}, "the document is not a Verifiable Credential", "unreadable-credential"),
        (PRESENTATION, "the document is not a Verifiable Credential", "unreadable-credential"),
        (json.dumps(PRESENTATION), "the document is not a Verifiable Credential", "unreadable-credential"),
        ("x" * (MAX_CREDENTIAL_BYTES + 1), "larger than 1 MiB", "credential-too-large"),
        ("eyJh.eyJi.c2ln~not base64url!~", "the credential could not be read: ", "unreadable-credential"),
        ("\ufffdPNG\r\n\x1a\n~ab.cd.ef", "the credential could not be read: ", "unreadable-credential"),
    ],
)
def test_unreadable_input_is_refused(data: str | dict[str, Any], message: str, type_name: str) -> None:
    with pytest.raises(UnreadableCredential) as refused:
        read_credential(data)
    assert message in str(refused.value)
    assert refused.value.type_name == type_name


def test_an_enveloped_credential_in_base64_or_percent_encoded() -> None:
    """RFC 2397 data: URLs (VCDM 2.0 §4.13): ``;base64`` content and percent-encoded JSON are read as
    what they encode (found by an outside fuzzing round: both were refused)."""
    jwt = _jwt()
    encoded = base64.b64encode(jwt.encode()).decode()
    assert read_credential(_enveloped(encoded, "application/vc+jwt;base64")).kind is Kind.VC_JWT
    escaped = quote(json.dumps(CREDENTIAL), safe="")
    read = read_credential(_enveloped(escaped, "application/vc+ld+json"))
    assert (read.kind, read.credential) == (Kind.CREDENTIAL, CREDENTIAL)
    with pytest.raises(UnreadableCredential) as refused:
        read_credential(_enveloped("!!!", "application/vc+jwt;base64"))
    assert refused.value.type_name == "unreadable-credential"


@pytest.mark.parametrize(
    "envelope",
    [
        _enveloped(_jwt()) | {"id": "https://evil.example/," + _jwt()},
        _enveloped(_jwt()) | {"id": _jwt()},
        _enveloped(_jwt()) | {"id": ["data:application/vc+jwt," + _jwt()]},
        {k: v for k, v in _enveloped(_jwt()).items() if k != "id"},
        {k: v for k, v in _enveloped(_jwt()).items() if k != "@context"},
    ],
    ids=["https-url", "bare-jwt", "a-list", "no-id", "no-context"],
)
def test_an_envelope_that_breaks_its_rules_is_refused(envelope: dict[str, Any]) -> None:
    """VCDM 2.0 §4.13.1: "The id value of the object MUST be a data: URL", and its @context defines
    EnvelopedVerifiableCredential (found by an outside fuzzing round: whatever followed an id's first comma
    was read). The same rule a presentation's items are held to."""
    for data in (envelope, json.dumps(envelope)):
        with pytest.raises(UnreadableCredential) as refused:
            read_credential(data)
        assert refused.value.type_name == "invalid-enveloped-credential"
    assert envelope_problem(envelope) is not None
    assert envelope_problem(_enveloped(_jwt())) is None
    # The scheme is case-insensitive (RFC 3986 §3.1).
    assert (
        read_credential(_enveloped(_jwt()) | {"id": "DATA:application/vc+jwt," + _jwt()}).kind is Kind.VC_JWT
    )


def test_an_uploaded_json_file_may_start_with_a_bom() -> None:
    """RFC 8259 §8.1 lets a parser ignore a byte order mark (found by an outside fuzzing round: such a
    file was refused as a malformed JWS)."""
    text = json.dumps(CREDENTIAL)
    assert credential_from_file(b"\xef\xbb\xbf" + text.encode()) == text
    assert read_credential(credential_from_file(b"\xef\xbb\xbf" + text.encode())).credential == CREDENTIAL


def test_a_list_is_not_a_credential() -> None:
    with pytest.raises(UnreadableCredential, match="must be a JSON object or a compact JWS"):
        read_credential([CREDENTIAL])  # type: ignore[arg-type]


# --- credential_from_file ---------------------------------------------------------------------------------


def test_credential_from_each_kind_of_file() -> None:
    text = json.dumps(CREDENTIAL)
    png = baking.bake_png(qr_png("https://example.org/c"), text)
    svg = baking.bake_svg(default_badge_svg("Badge", "Issuer"), _jwt())
    assert credential_from_file(png) == text
    assert credential_from_file(svg.encode()) == _jwt()
    assert credential_from_file(text.encode()) == text
    assert credential_from_file(_jwt().encode()) == _jwt()
    assert credential_from_file(_sd_jwt().encode()) == _sd_jwt()


@pytest.mark.parametrize(
    ("raw", "type_name"),
    [
        (qr_png("https://example.org/c"), "not-a-baked-badge"),
        (default_badge_svg("Badge", "Issuer").encode(), "not-a-baked-badge"),
        (qr_png("https://example.org/c")[:40], "invalid-badge-image"),
        (b"<svg xmlns='http://www.w3.org/2000/svg'><unclosed></svg>", "invalid-badge-image"),
        (b"hello world", "unreadable-credential"),
        (b"\x00" * (MAX_FILE_BYTES + 1), "credential-too-large"),
    ],
)
def test_files_without_a_credential_are_refused(raw: bytes, type_name: str) -> None:
    with pytest.raises(UnreadableCredential) as refused:
        credential_from_file(raw)
    assert refused.value.type_name == type_name
