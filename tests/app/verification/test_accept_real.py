"""Issue 13 part 2 through ``POST /v1/verify``: keys published at https URLs fetched through the guarded
client (cached; our own URLs never fetched), and OB 3.0 credentials of the VCDM 1.1 era as JSON-LD, as a
VC-JWT and baked into PNG and SVG badges."""

from __future__ import annotations

import json
import struct
import zlib
from typing import Any

import httpx
import pytest

from app.state import app_state
from app.testing import BASE_URL, SyncClient
from app.verification.cache import TtlCache
from media.baking import bake_png, bake_svg
from proofs.vc_jwt import sign_jws
from tests.app.helpers import mocked_http
from tests.unit.verifier.builders import VC_V1, controller_document, key, open_badge, signed

ISSUER = "https://issuer.example/issuers/565049"
SIGNER = key(51)
DID = SIGNER.public_key().did_key()
VM = SIGNER.public_key().did_key_vm()


def _verify(client: SyncClient, credential: Any) -> dict[str, Any]:
    r = client.post("/v1/verify", json={"credential": credential})
    assert r.status_code == 200, r.text
    return dict(r.json())


def _outcomes(result: dict[str, Any]) -> dict[str, str]:
    return {c["id"]: c["outcome"] for c in result["checks"]}


class _Published:
    """The web as the guarded client sees it in these tests: the documents at some URLs, and every
    request made."""

    def __init__(self, documents: dict[str, Any]) -> None:
        self.documents = documents
        self.requests: list[str] = []

    def __call__(self, request: httpx.Request) -> httpx.Response:
        url = str(request.url)
        self.requests.append(url)
        if url in self.documents:
            return httpx.Response(200, json=self.documents[url])
        return httpx.Response(404)


@pytest.fixture
def fresh_caches(client: SyncClient) -> None:
    """Each test starts with empty document caches (other tests publish other keys at the same URLs)."""
    state = app_state(client.app)
    state.did_cache = TtlCache(state.did_cache.ttl)


def test_a_key_at_an_https_url_is_fetched_once(client: SyncClient, fresh_caches: None) -> None:
    loader = app_state(client.app).loader
    members = {"type": "Multikey", "publicKeyMultibase": SIGNER.public_key().multikey()}
    web = _Published({ISSUER: controller_document(ISSUER, {"key-1": members})})
    credential = signed(open_badge(ISSUER), SIGNER, f"{ISSUER}#key-1", loader)
    with mocked_http(client, web):
        first = _verify(client, credential)
        second = _verify(client, credential)
    assert first["verified"] and second["verified"], first
    assert _outcomes(first)["proof"] == "passed" and _outcomes(first)["issuer"] == "passed"
    assert web.requests == [ISSUER]  # the second verification read the cache


def test_a_key_published_by_someone_else_does_not_speak_for_the_issuer(
    client: SyncClient, fresh_caches: None
) -> None:
    loader = app_state(client.app).loader
    other = "https://other.example/keys"
    members = {"type": "Multikey", "publicKeyMultibase": SIGNER.public_key().multikey()}
    web = _Published({other: controller_document(other, {"key-1": members})})
    with mocked_http(client, web):
        result = _verify(client, signed(open_badge(ISSUER), SIGNER, f"{other}#key-1", loader))
    assert not result["verified"]
    failed = {c["id"]: c["type"].rsplit("/", 1)[-1] for c in result["checks"] if c["outcome"] == "failed"}
    assert failed == {"issuer": "issuer-mismatch"}


def test_a_key_document_naming_a_member_twice_is_no_key(client: SyncClient, fresh_caches: None) -> None:
    """JSON readers disagree on which of two same-named members counts (proofs.strict_json): a key
    document with another key first and the signer's last is refused, not read the last one's way."""
    loader = app_state(client.app).loader
    genuine = SIGNER.public_key().multikey()
    document = json.dumps(
        controller_document(ISSUER, {"key-1": {"type": "Multikey", "publicKeyMultibase": genuine}})
    )
    other = key(52).public_key().multikey()
    twice = document.replace('"publicKeyMultibase"', f'"publicKeyMultibase": "{other}", "publicKeyMultibase"')
    assert twice.count("publicKeyMultibase") == 2

    def web(request: httpx.Request) -> httpx.Response:
        return httpx.Response(200, content=twice.encode(), headers={"content-type": "application/json"})

    with mocked_http(client, web):
        result = _verify(client, signed(open_badge(ISSUER), SIGNER, f"{ISSUER}#key-1", loader))
    assert not result["verified"] and _outcomes(result)["proof"] == "failed"


def test_an_unreachable_key_fails_the_proof(client: SyncClient, fresh_caches: None) -> None:
    loader = app_state(client.app).loader
    web = _Published({})
    with mocked_http(client, web):
        result = _verify(client, signed(open_badge(ISSUER), SIGNER, f"{ISSUER}#key-1", loader))
    assert not result["verified"] and _outcomes(result)["proof"] == "failed"
    assert web.requests == [ISSUER]


def test_our_own_urls_are_read_never_fetched(client: SyncClient, fresh_caches: None) -> None:
    loader = app_state(client.app).loader
    own = f"{BASE_URL}/issuers/nobody"
    web = _Published({})
    with mocked_http(client, web):
        for method in (f"{own}#key-1", f"{BASE_URL}/issuers/nobody/did.json#key-1"):
            result = _verify(client, signed(open_badge(own), SIGNER, method, loader))
            assert not result["verified"] and _outcomes(result)["proof"] == "failed"
    assert web.requests == []


def _vcdm11_credential(client: SyncClient) -> dict[str, Any]:
    return signed(open_badge(DID, data_model="1.1"), SIGNER, VM, app_state(client.app).loader)


def test_vcdm11_json_ld(client: SyncClient) -> None:
    result = _verify(client, _vcdm11_credential(client))
    assert result["verified"], result
    assert _outcomes(result)["data-model"] == "warning" and _outcomes(result)["schema"] == "passed"


def test_vcdm11_vc_jwt(client: SyncClient) -> None:
    credential = open_badge(DID, data_model="1.1")
    credential["@context"] = [VC_V1, credential["@context"][1]]
    payload = {
        "vc": credential,
        "iss": DID,
        "jti": credential["id"],
        "sub": credential["credentialSubject"]["id"],
        "nbf": 1767225600,  # 2026-01-01T00:00:00Z, the issuanceDate
    }
    token = sign_jws({"alg": "EdDSA", "kid": VM, "typ": "JWT"}, payload, key=SIGNER)
    result = _verify(client, token)
    assert result["verified"], result
    assert result["format"] == "vc-jwt (VCDM 1.1)" and _outcomes(result)["data-model"] == "warning"


def _png() -> bytes:
    """A 1x1 grey PNG."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    header = struct.pack(">IIBBBBB", 1, 1, 8, 0, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(b"\x00\x80"))
        + chunk(b"IEND", b"")
    )


def test_vcdm11_baked_badges(client: SyncClient) -> None:
    text = json.dumps(_vcdm11_credential(client))
    svg = '<svg xmlns="http://www.w3.org/2000/svg" width="1" height="1"></svg>'
    for name, image in (("badge.png", bake_png(_png(), text)), ("badge.svg", bake_svg(svg, text).encode())):
        r = client.post("/v1/verify", files={"file": (name, image)})
        assert r.status_code == 200, r.text
        result = r.json()
        assert result["verified"], (name, result)
        assert _outcomes(result)["data-model"] == "warning"
