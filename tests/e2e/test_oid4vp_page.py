"""End to end in headless Chromium: the employer's screen of an OpenID4VP request (cross-device). The page
shows the QR code, polls (JavaScript on, unlike the other browser tests) and, when the wallet answers,
shows the result: the disclosed claims, the issuer and every check. The wallet is the test's holder
(tests/app/oid4vp/holder.py), answering with an ldp_vp over HTTP."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from proofs.keys import KeyAlgorithm, PrivateKey
from tests.app.helpers import create_template, issue
from tests.app.oid4vp.holder import fetch_request, respond
from tests.app.presentations.test_verify_presentation import presentation, sign_presentation
from tests.conftest import ADMIN, IN_CI, bearer, make_tenant
from tests.live import live_server

pytestmark = [pytest.mark.e2e, pytest.mark.xdist_group("browser")]

CHROMIUM = Path(os.environ.get("SHOMEI_TEST_CHROMIUM", "/usr/bin/chromium"))
CHROMEDRIVER = Path(os.environ.get("SHOMEI_TEST_CHROMEDRIVER", "/usr/bin/chromedriver"))
ACHIEVEMENT = "Micro-Certification in Aircraft General Knowledge"


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    """Headless Chromium through chromedriver, JavaScript on (the page polls)."""
    for path in (CHROMIUM, CHROMEDRIVER):
        if not os.access(path, os.X_OK):
            if IN_CI:
                pytest.fail(f"{path} is missing: required in CI (run `make browser`)")
            pytest.skip(f"{path} is missing (run `make browser`)")
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    options = webdriver.ChromeOptions()
    options.binary_location = str(CHROMIUM)
    for arg in ("--headless=new", "--no-sandbox", "--disable-dev-shm-usage", "--window-size=1280,1024"):
        options.add_argument(arg)
    driver = webdriver.Chrome(options=options, service=Service(str(CHROMEDRIVER)))
    try:
        driver.set_page_load_timeout(30)
        yield driver
    finally:
        driver.quit()


def test_cross_device_page_updates_when_the_wallet_answers(browser: Any, tmp_path: Path) -> None:
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support.ui import WebDriverWait

    holder = PrivateKey.generate(KeyAlgorithm.ED25519)
    with live_server(tmp_path, public_https=False) as base, httpx.Client(base_url=base, timeout=30) as api:
        slug, token = make_tenant(api)  # type: ignore[arg-type]
        credential = issue(api, slug, token, create_template(api, slug, token))["credentials"]["ldp_vc"]  # type: ignore[arg-type]
        vslug, vtoken = make_tenant(api)  # type: ignore[arg-type]
        assert api.post(f"/v1/issuers/{vslug}/keys", json={"type": "P-256"}, headers=ADMIN).status_code == 201
        query = {
            "credentials": [
                {
                    "id": "badge",
                    "format": "ldp_vc",
                    "meta": {"type_values": [["OpenBadgeCredential"]]},
                    "claims": [{"path": ["credentialSubject", "achievement", "name"]}],
                    # Issued to an email address, the credential names no holder DID: binding is
                    # required unless the query says otherwise (OpenID4VP 1.0 §6.1).
                    "require_cryptographic_holder_binding": False,
                }
            ]
        }
        r = api.post(
            f"/v1/issuers/{vslug}/presentation-requests",
            json={"dcql_query": query, "purpose": "Hiring: aircraft knowledge"},
            headers=bearer(vtoken),
        )
        assert r.status_code == 201, r.text
        made = r.json()

        browser.get(made["page_url"])
        assert browser.find_element(By.ID, "waiting").get_attribute("data-status") == "pending"
        qr = browser.find_element(By.CSS_SELECTOR, "#waiting img")
        assert qr.get_attribute("alt") and browser.execute_script("return arguments[0].naturalWidth", qr) > 0
        assert "Hiring: aircraft knowledge" in browser.page_source

        # The wallet (on the learner's phone) answers; the employer's page updates by itself.
        request = fetch_request(api, made["deep_link"], api.get("/ca.pem").text)
        WebDriverWait(browser, 15).until(
            lambda b: "opened the request" in b.find_element(By.ID, "progress").text
        )
        vp = sign_presentation(
            presentation(credential, holder=holder.public_key().did_key()),
            holder,
            challenge=request.nonce,
            domain=request.client_id,
        )
        assert respond(api, request, {"badge": [vp]}).response.status_code == 200
        WebDriverWait(browser, 20).until(lambda b: b.find_elements(By.ID, "verdict"))
        verdict = browser.find_element(By.ID, "verdict")
        assert "valid" in (verdict.get_attribute("class") or "").split()
        assert verdict.find_element(By.TAG_NAME, "h2").text == "Valid"
        text = browser.find_element(By.TAG_NAME, "main").text
        assert ACHIEVEMENT in text and "issued by did:" in text
        checks = browser.find_elements(By.CSS_SELECTOR, "ul.checks li")
        assert len(checks) >= 8 and not [c.text for c in checks if "Failed" in c.text]
