"""What the verification endpoints read (found by an outside fuzzing round): a URL that serves a baked badge
image is unbaked as the same file uploaded is (its bytes were read as UTF-8 text and reported as a broken
SD-JWT or JWS); text that is not a compact SD-JWT is never reported as one (anything with a ``~`` and two
dots was); an EnvelopedVerifiableCredential whose ``id`` is not a ``data:`` URL is refused (VCDM 2.0
§4.13.1), on /v1/verify and on the /verify page alike."""

from __future__ import annotations

import json
import re
from typing import Any

import httpx
import pytest

from app.errors import problem_type
from app.testing import BASE_URL, SyncClient
from tests.app.helpers import create_template, issue, mocked_http
from tests.conftest import ADMIN, make_tenant

V2 = "https://www.w3.org/ns/credentials/v2"
ELSEWHERE = "https://badges.example.org"


@pytest.fixture(scope="module")
def issued(client: SyncClient) -> dict[str, Any]:
    slug, token = make_tenant(client)
    assert client.post(f"/v1/issuers/{slug}/keys", json={"type": "P-256"}, headers=ADMIN).status_code == 201
    out = issue(client, slug, token, create_template(client, slug, token), formats=["ldp_vc", "jwt_vc_json"])
    path = str(out["id"]).removeprefix(BASE_URL)
    return {
        "out": out,
        "png": client.get(f"{path}/badge.png").content,
        "svg": client.get(f"{path}/badge.svg").content,
    }


def _page_verdict(html: str) -> str:
    """The class of the /verify page's verdict: ``valid`` or ``invalid``."""
    match = re.search(r'class="verdict (\w+)"[^>]*id="verdict"', html)
    assert match, html[:2000]
    return match.group(1)


def _serve(files: dict[str, tuple[bytes, str]]) -> Any:
    def handler(request: httpx.Request) -> httpx.Response:
        found = files.get(request.url.path)
        if found is None:
            return httpx.Response(404)
        return httpx.Response(200, content=found[0], headers={"content-type": found[1]})

    return handler


def test_a_baked_badge_verifies_by_its_url(client: SyncClient, issued: dict[str, Any]) -> None:
    files = {
        "/badge.png": (issued["png"], "image/png"),
        "/badge.svg": (issued["svg"], "image/svg+xml"),
        "/download": (issued["png"], "application/octet-stream"),  # known by its magic bytes
    }
    with mocked_http(client, _serve(files)):
        for name in files:
            url = ELSEWHERE + name
            r = client.post("/v1/verify", json={"url": url})
            assert r.status_code == 200, (name, r.text)
            assert r.json()["verified"] is True and r.json()["format"] == "json-ld", (name, r.json())
            page = client.post("/verify", data={"url": url})
            assert page.status_code == 200 and _page_verdict(page.text) == "valid", name


def test_our_own_files_of_a_credential_are_read_not_fetched(
    client: SyncClient, issued: dict[str, Any]
) -> None:
    """Our own badge.png, badge.svg and download.json of a credential are read from the database, as its
    own URL is: fetching ourselves could fail where the public address is not reachable from inside."""
    fetched: list[str] = []

    def nothing(request: httpx.Request) -> httpx.Response:
        fetched.append(str(request.url))
        return httpx.Response(503)

    with mocked_http(client, nothing):
        for name in ("/badge.png", "/badge.svg", "/download.json"):
            r = client.post("/v1/verify", json={"url": str(issued["out"]["id"]) + name})
            assert r.status_code == 200 and r.json()["verified"] is True, (name, r.text)
    assert fetched == []


def test_a_url_to_an_image_without_a_credential_is_refused(
    client: SyncClient, issued: dict[str, Any]
) -> None:
    qr = client.get(str(issued["out"]["id"]).removeprefix(BASE_URL) + "/qr.png").content
    with mocked_http(client, _serve({"/qr.png": (qr, "image/png")})):
        r = client.post("/v1/verify", json={"url": ELSEWHERE + "/qr.png"})
    assert r.status_code == 400 and r.json()["type"] == problem_type("not-a-baked-badge")


GARBAGE: list[bytes] = [
    b"\x89PNX\r\n\x00\xff~ab.cd.ef",  # binary, with a tilde and two dots
    b"eyJh.eyJi.c2ln~not base64url!~",  # a JWS's dots, then text that no disclosure is
    "a.b.c~é~".encode(),
]


@pytest.mark.parametrize("garbage", GARBAGE)
def test_garbage_is_unreadable_not_an_sd_jwt(client: SyncClient, garbage: bytes) -> None:
    with mocked_http(client, _serve({"/x": (garbage, "application/octet-stream")})):
        r = client.post("/v1/verify", json={"url": ELSEWHERE + "/x"})
    assert r.status_code == 400 and r.json()["type"] == problem_type("unreadable-credential"), r.text
    text = garbage.decode("utf-8", errors="replace")
    r = client.post("/v1/verify", json={"credential": text})
    assert r.status_code == 400 and r.json()["type"] == problem_type("unreadable-credential"), r.text


def test_an_envelope_whose_id_is_no_data_url_is_refused(client: SyncClient, issued: dict[str, Any]) -> None:
    jwt = issued["out"]["credentials"]["jwt_vc_json"]
    genuine = {
        "@context": [V2],
        "type": "EnvelopedVerifiableCredential",
        "id": f"data:application/vc+jwt,{jwt}",
    }
    assert client.post("/v1/verify", json={"credential": genuine}).json()["verified"] is True
    for envelope_id in (f"https://evil.example/,{jwt}", jwt, f"urn:x:data:,{jwt}"):
        r = client.post("/v1/verify", json={"credential": {**genuine, "id": envelope_id}})
        assert r.status_code == 400, (envelope_id, r.text)
        assert r.json()["type"] == problem_type("invalid-enveloped-credential")
    without_context = {k: v for k, v in genuine.items() if k != "@context"}
    r = client.post("/v1/verify", json={"credential": without_context})
    assert r.status_code == 400 and r.json()["type"] == problem_type("invalid-enveloped-credential")
    forged = json.dumps({**genuine, "id": f"https://e.example/,{jwt}"})
    page = client.post("/verify", data={"credential": forged})
    assert page.status_code == 400 and _page_verdict(page.text) == "invalid"


def test_a_redirect_to_an_unparsable_url_is_a_fetch_problem(client: SyncClient) -> None:
    """A Location that cannot be parsed (an unclosed IPv6 literal) was a 500 on both endpoints."""

    def handler(req: httpx.Request) -> httpx.Response:
        return httpx.Response(302, headers={"location": "//[zz"})

    with mocked_http(client, handler):
        r = client.post("/v1/verify", json={"url": ELSEWHERE + "/credential"})
        page = client.post("/verify", data={"url": ELSEWHERE + "/credential"})
    assert r.status_code == 400 and r.json()["type"] == problem_type("fetch-failed")
    assert r.json()["code"] == "bad-redirect"
    assert page.status_code == 400
