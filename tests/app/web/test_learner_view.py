"""Issue 18, the learner's and the employer's view: English and Japanese pages (?lang=, Accept-Language),
names and dates in the reader's way, the credential card, descriptor profiles a credential does not
claim shown neutrally, a page for a mistyped credential URL, the baked PNG being the badge art, the PDF
certificate and the LinkedIn link."""

from __future__ import annotations

import json
import re
import struct
import uuid
from typing import Any
from urllib.parse import parse_qs, quote, urlsplit

from app.testing import BASE_URL, SyncClient
from media import baking
from schemas.problems import problem_type
from tests.app.helpers import create_template, issue
from tests.conftest import bearer, make_tenant

HTML = {"Accept": "text/html,application/xhtml+xml;q=0.9,*/*;q=0.8"}


def _issued(client: SyncClient) -> dict[str, Any]:
    slug, token = make_tenant(client, name="東京工業大学")
    return issue(client, slug, token, create_template(client, slug, token), formats=["ldp_vc"])


def _html_lang(page: str) -> str:
    match = re.search(r'<html lang="([a-z]+)">', page)
    assert match, page[:300]
    return match.group(1)


def test_credential_page_in_japanese_and_english(client: SyncClient) -> None:
    out = _issued(client)
    path = str(out["id"]).removeprefix(BASE_URL)
    english = client.get(path, headers=HTML).text
    assert _html_lang(english) == "en" and "Aiko Tanaka" in english and "Recipient" in english
    japanese = client.get(path, headers={**HTML, "Accept-Language": "ja-JP,ja;q=0.9,en;q=0.5"}).text
    assert _html_lang(japanese) == "ja"
    assert "Tanaka Aiko" in japanese  # family name first
    assert "受領者" in japanese and "発行日" in japanese and "有効" in japanese
    assert re.search(r"\d{4}年\d{1,2}月\d{1,2}日", japanese)
    # ?lang= wins over Accept-Language
    again = client.get(f"{path}?lang=en", headers={**HTML, "Accept-Language": "ja"}).text
    assert _html_lang(again) == "en" and re.search(r"\d{1,2} [A-Z][a-z]+ \d{4}", again)
    # an unknown language falls back to English
    assert _html_lang(client.get(f"{path}?lang=xx", headers={**HTML, "Accept-Language": "fr"}).text) == "en"


def test_card_comes_before_the_checks_and_names_the_issuer(client: SyncClient) -> None:
    out = _issued(client)
    page = client.post("/verify", data={"credential": json.dumps(out["credentials"]["ldp_vc"])}).text
    card, checks = page.find('class="card"'), page.find('class="checks"')
    assert 0 < card < checks
    assert "東京工業大学" in page and "Unknown issuer" in page and "Aiko Tanaka" in page
    japanese = client.post(
        "/verify?lang=ja", data={"credential": json.dumps(out["credentials"]["ldp_vc"])}
    ).text
    assert _html_lang(japanese) == "ja" and "未確認の発行者" in japanese and "確認した項目" in japanese


def test_unclaimed_profiles_are_neutral_and_a_claimed_failure_names_what_is_missing(
    client: SyncClient,
) -> None:
    out = _issued(client)
    report = client.post(
        "/v1/verify?profiles=ob3-minimal,eu-microcredential,jp-mc-framework",
        json={"credential": out["credentials"]["ldp_vc"]},
    ).json()
    assert report["profiles"]["ob3-minimal"]["claimed"] is True
    unclaimed = [name for name, p in report["profiles"].items() if not p["claimed"]]
    page = client.get(str(out["id"]).removeprefix(BASE_URL), headers=HTML).text
    profiles = page[page.find("Micro-credential descriptors") :]
    assert unclaimed and 'class="outcome failed"' not in profiles  # never red: they do not decide validity
    assert profiles.count('class="outcome neutral"') == len(unclaimed)

    # A credential claiming the EU profile (its micro-credential marker) without its descriptors.
    vc = dict(out["credentials"]["ldp_vc"])
    subject = dict(vc["credentialSubject"])
    subject["achievement"] = {**subject["achievement"], "achievementType": "MicroCredential"}
    vc["credentialSubject"] = subject
    stripped = {**subject["achievement"]}
    stripped.pop("mcDescriptor", None)
    subject["achievement"] = stripped
    page = client.post("/verify", data={"credential": json.dumps(vc)}).text
    found = re.search(r"<li>((?:(?!</li>).)*EU micro-credential(?:(?!</li>).)*)</li>", page, re.S)
    assert found
    eu = found.group(1)
    assert 'class="outcome warning"' in eu and "missing or wrong" in eu and "$." in eu


def test_mistyped_or_unknown_credential_url(client: SyncClient) -> None:
    for path in (
        "/credentials/not-a-uuid",
        f"/credentials/{uuid.uuid4()}",
        f"/credentials/{uuid.uuid4()}/badge.png",
    ):
        page = client.get(path, headers={**HTML, "Accept-Language": "ja"})
        assert page.status_code == 404 and page.headers["content-type"].startswith("text/html"), path
        assert _html_lang(page.text) == "ja" and 'href="/verify?lang=ja"' in page.text
        problem = client.get(path)
        assert problem.headers["content-type"] == "application/problem+json", path
    assert client.get(f"/credentials/{uuid.uuid4()}").json()["type"] == problem_type("credential-not-found")
    assert client.get("/credentials/not-a-uuid").json()["type"] == problem_type("validation-error")


def _png_size(png: bytes) -> tuple[int, int]:
    assert png.startswith(b"\x89PNG\r\n\x1a\n") and png[12:16] == b"IHDR"
    width, height = struct.unpack(">II", png[16:24])
    return width, height


def test_the_baked_png_is_the_badge_art_with_the_credential_inside(client: SyncClient) -> None:
    out = _issued(client)
    path = str(out["id"]).removeprefix(BASE_URL)
    for lang in ("en", "ja"):
        png = client.get(f"{path}/badge.png?lang={lang}").content
        assert _png_size(png) == (512, 512)  # the 512×512 seal, not a QR code's odd module grid
        assert json.loads(baking.unbake_png(png) or "{}")["id"] == out["id"]
        r = client.post("/v1/verify", files={"file": ("badge.png", png, "image/png")})
        assert r.status_code == 200 and r.json()["verified"], r.text


def test_certificate_pdf_and_linkedin(client: SyncClient) -> None:
    out = _issued(client)
    path = str(out["id"]).removeprefix(BASE_URL)
    for lang in ("en", "ja"):
        r = client.get(f"{path}/certificate.pdf?lang={lang}")
        assert r.status_code == 200 and r.headers["content-type"] == "application/pdf"
        pdf = r.content
        assert pdf.startswith(b"%PDF-") and f"/Lang ({lang})".encode() in pdf
        assert str(out["id"]).encode() in pdf  # the verification URL, as a link
        assert b"/FontFile2" in pdf  # an embedded TrueType font (IPAex Gothic for Japanese)
    page = client.get(path, headers=HTML).text
    link = re.search(r'href="(https://www\.linkedin\.com/profile/add\?[^"]+)"', page)
    assert link
    params = {k: v[0] for k, v in parse_qs(urlsplit(link.group(1).replace("&amp;", "&")).query).items()}
    assert params["startTask"] == "CERTIFICATION_NAME" and params["organizationName"] == "東京工業大学"
    assert params["certUrl"] == out["id"] and params["certId"] == out["id"]
    assert params["name"] == "Micro-Certification in Aircraft General Knowledge"
    assert params["issueYear"].isdigit() and 1 <= int(params["issueMonth"]) <= 12


def test_claim_and_consent_pages_in_japanese(client: SyncClient) -> None:
    slug, token = make_tenant(client)
    out = issue(client, slug, token, create_template(client, slug, token), formats=["ldp_vc"])
    offer = client.post(
        f"/v1/issuers/{slug}/credentials/{out['credential_id']}/offers",
        json={"formats": ["ldp_vc"], "tx_code": True},
        headers=bearer(token),
    ).json()
    claim = client.get(urlsplit(offer["claim_page_url"]).path, headers={"Accept-Language": "ja"}).text
    assert _html_lang(claim) == "ja" and "ウォレット" in claim and "openid-credential-offer://" in claim

    document = client.get(urlsplit(offer["credential_offer_uri"]).path).json()
    issuer_path = urlsplit(document["credential_issuer"]).path
    pushed = client.post(
        f"{issuer_path}/oid4vci/par",
        data={
            "response_type": "code",
            "client_id": "ja-wallet",
            "redirect_uri": "https://wallet.example/cb",
            "code_challenge": "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM",
            "code_challenge_method": "S256",
            "issuer_state": document["grants"]["authorization_code"]["issuer_state"],
            "scope": "ob3_ldp_vc",
        },
    )
    assert pushed.status_code == 201, pushed.text
    query = f"client_id=ja-wallet&request_uri={quote(pushed.json()['request_uri'], safe='')}"
    page = client.get(f"{issuer_path}/oid4vci/authorize?{query}", headers={"Accept-Language": "ja"}).text
    assert (
        _html_lang(page) == "ja" and "ウォレットに追加" in page and "教育機関から届いた 6 桁のコード" in page
    )
    switch = re.search(r'<nav[^>]*><a href="\?([^"]+)"', page)
    assert switch and parse_qs(switch.group(1).replace("&amp;", "&"))["lang"] == ["en"]
    assert parse_qs(switch.group(1).replace("&amp;", "&"))["request_uri"] == [pushed.json()["request_uri"]]
    english = client.get(
        f"{issuer_path}/oid4vci/authorize?{query}&lang=en", headers={"Accept-Language": "ja"}
    )
    assert (
        english.status_code == 200 and _html_lang(english.text) == "en" and "Add to my wallet" in english.text
    )


def test_a_revoked_credential_in_japanese(client: SyncClient) -> None:
    slug, token = make_tenant(client)
    out = issue(client, slug, token, create_template(client, slug, token), formats=["ldp_vc"])
    r = client.post(
        f"/v1/issuers/{slug}/credentials/{out['credential_id']}/status",
        json={"action": "revoke", "reason": "superseded"},
        headers=bearer(token),
    )
    assert r.status_code == 200, r.text
    page = client.get(f"{str(out['id']).removeprefix(BASE_URL)}?lang=ja", headers=HTML).text
    verdict = re.search(
        r'id="verdict"[^>]*>\s*<h2>([^<]+)</h2>\s*<p data-summary="revoked">(.*?)</p>', page, re.S
    )
    assert verdict and verdict.group(1) == "取り消し済み"
    assert "発行者がこの証明書を取り消しました。" in verdict.group(2)
    assert '<span lang="en">' in verdict.group(2) and "replaced by a newer credential" in verdict.group(2)
    assert 'class="status-revoked"' in page
