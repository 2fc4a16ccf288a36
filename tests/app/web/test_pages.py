"""Issue 5: the public credential page, QR codes, downloads, baked badges and the employer's page."""

from __future__ import annotations

import json
import re

import httpx

from app.testing import BASE_URL, SyncClient
from app.web.i18n import Words
from media import baking
from media.qr import qr_png
from proofs.jsonld import bundled_loader
from tests.app.helpers import create_template, issue, mocked_http
from tests.conftest import bearer, make_tenant
from tests.unit.verifier.builders import key, open_badge, signed

HTML = {"Accept": "text/html,application/xhtml+xml;q=0.9,*/*;q=0.8"}


def _verdict(html: str) -> str:
    match = re.search(r'id="verdict"[^>]*>\s*<h2>([^<]+)</h2>', html)
    assert match, html[:2000]
    return match.group(1).strip()


def test_credential_page_follows_status(client: SyncClient) -> None:
    slug, token = make_tenant(client)
    out = issue(client, slug, token, create_template(client, slug, token), formats=["ldp_vc"])
    path = out["id"].removeprefix(BASE_URL)
    r = client.get(path, headers=HTML)
    assert r.status_code == 200 and r.headers["content-type"].startswith("text/html")
    assert _verdict(r.text) == "Valid"
    assert "Micro-Certification in Aircraft General Knowledge" in r.text
    assert "Aiko Tanaka" in r.text and "Learning outcomes" in r.text
    # Without an HTML preference the same URL is the credential.
    assert client.get(path).json()["id"] == out["id"]

    r = client.post(
        f"/v1/issuers/{slug}/credentials/{out['credential_id']}/status",
        json={"action": "revoke", "reason": "superseded"},
        headers=bearer(token),
    )
    assert r.status_code == 200
    page = client.get(path, headers=HTML).text
    assert _verdict(page) == "Revoked" and "replaced by a newer credential" in page


def test_qr_downloads_and_baked_badges_verify(client: SyncClient) -> None:
    slug, token = make_tenant(client)
    out = issue(client, slug, token, create_template(client, slug, token))
    path = out["id"].removeprefix(BASE_URL)
    svg = client.get(f"{path}/qr.svg")
    assert svg.headers["content-type"].startswith("image/svg+xml") and "<svg" in svg.text
    assert client.get(f"{path}/qr.png").content.startswith(b"\x89PNG\r\n\x1a\n")
    assert client.get(f"{path}/download.json").json()["id"] == out["id"]

    png = client.get(f"{path}/badge.png").content
    assert baking.unbake_png(png) is not None
    for name, data, mime in (
        ("badge.png", png, "image/png"),
        ("badge.svg", client.get(f"{path}/badge.svg").content, "image/svg+xml"),
    ):
        r = client.post("/v1/verify", files={"file": (name, data, mime)})
        assert r.status_code == 200 and r.json()["verified"], r.text
        page = client.post("/verify", files={"file": (name, data, mime)})
        assert page.status_code == 200 and _verdict(page.text) == "Valid"
    # A PNG without a credential is a clear error.
    r = client.post(
        "/v1/verify", files={"file": ("qr.png", client.get(f"{path}/qr.png").content, "image/png")}
    )
    assert r.status_code == 400 and r.json()["type"].endswith("/not-a-baked-badge")


def test_employer_page(client: SyncClient) -> None:
    slug, token = make_tenant(client)
    out = issue(client, slug, token, create_template(client, slug, token))
    form = client.get("/verify")
    assert form.status_code == 200
    for field in ('for="credential"', 'for="file"', 'for="url"'):
        assert field in form.text
    page = client.post("/verify", data={"credential": json.dumps(out["credentials"]["ldp_vc"])})
    assert _verdict(page.text) == "Valid"
    page = client.post("/verify", data={"url": out["id"]})
    assert _verdict(page.text) == "Valid"
    page = client.post("/verify", data={"credential": "garbage"})
    assert page.status_code == 400 and _verdict(page.text) == "Could not check this"


def test_badge_baked_into_the_achievement_image(client: SyncClient) -> None:
    logo_png = qr_png("https://img.example/logo", scale=3)
    logo_svg = (
        '<svg xmlns="http://www.w3.org/2000/svg" width="10" height="10"><title>University seal</title></svg>'
    )

    def handler(request: httpx.Request) -> httpx.Response:
        if request.url.path == "/badge.png":
            return httpx.Response(200, content=logo_png, headers={"content-type": "image/png"})
        if request.url.path == "/badge.svg":
            return httpx.Response(200, content=logo_svg.encode(), headers={"content-type": "image/svg+xml"})
        return httpx.Response(404)

    with mocked_http(client, handler):
        slug, token = make_tenant(client)
        for suffix in ("png", "svg"):
            template = create_template(client, slug, token, image=f"https://img.example/badge.{suffix}")
            out = issue(client, slug, token, template)
            baked = client.get(f"{out['id'].removeprefix(BASE_URL)}/badge.{suffix}").content
            if suffix == "png":
                assert baked[8:33] == logo_png[8:33]  # the logo's IHDR: its size and colour type
                assert json.loads(baking.unbake_png(baked) or "{}")["id"] == out["id"]
            else:
                assert "University seal" in baked.decode()
                assert json.loads(baking.unbake_svg(baked.decode()) or "{}")["id"] == out["id"]


def _summary_key(html: str) -> str:
    match = re.search(r'id="verdict"[^>]*>\s*<h2>[^<]*</h2>\s*<p data-summary="([^"]+)"', html)
    assert match, html[:2000]
    return match.group(1)


def test_the_verdict_says_whether_the_status_was_checked(client: SyncClient) -> None:
    """ "The issuer has not revoked it" only when the status check passed: a credential with no status
    list verifies with another sentence (summary.valid_no_status), in both languages."""
    slug, token = make_tenant(client)
    out = issue(client, slug, token, create_template(client, slug, token), formats=["ldp_vc"])
    with_status = json.dumps(out["credentials"]["ldp_vc"])
    signer = key(61)
    unsigned = open_badge(signer.public_key().did_key())
    assert "credentialStatus" not in unsigned
    without = json.dumps(signed(unsigned, signer, signer.public_key().did_key_vm(), bundled_loader()))
    for lang, valid in (("en", "Valid"), ("ja", "有効")):
        page = client.post(f"/verify?lang={lang}", data={"credential": with_status}).text
        assert _verdict(page) == valid and _summary_key(page) == "valid"
        page = client.post(f"/verify?lang={lang}", data={"credential": without}).text
        assert _verdict(page) == valid and _summary_key(page) == "valid_no_status"
        assert Words(lang)("summary.valid_no_status") in page
        assert Words(lang)("summary.valid") not in page


def test_a_tenants_svg_art_cannot_run_script_on_our_origin(client: SyncClient) -> None:
    """Found by an outside fuzzing round: badge.svg served a tenant's SVG art (with its script) on the
    service's origin, with no policy. Every answer now says nosniff; an SVG is sandboxed with nothing
    loaded from elsewhere; an HTML page is only framed by the service itself."""
    art = (
        '<svg xmlns="http://www.w3.org/2000/svg" width="10" height="10" onload="alert(1)">'
        "<script>alert(document.domain)</script></svg>"
    )

    def handler(request: httpx.Request) -> httpx.Response:
        return httpx.Response(200, content=art.encode(), headers={"content-type": "image/svg+xml"})

    with mocked_http(client, handler):
        slug, token = make_tenant(client)
        out = issue(
            client, slug, token, create_template(client, slug, token, image="https://img.example/a.svg")
        )
        r = client.get(f"{out['id'].removeprefix(BASE_URL)}/badge.svg")
    assert r.status_code == 200 and r.headers["content-type"].startswith("image/svg+xml")
    policy = r.headers["content-security-policy"]
    assert "sandbox" in policy and "default-src 'none'" in policy
    assert r.headers["x-content-type-options"] == "nosniff"
    page = client.get("/verify")
    assert page.headers["x-content-type-options"] == "nosniff"
    assert "frame-ancestors 'self'" in page.headers["content-security-policy"]
    assert page.headers["x-frame-options"] == "SAMEORIGIN"
    api = client.get("/health")
    assert api.headers["x-content-type-options"] == "nosniff" and "content-security-policy" not in api.headers
