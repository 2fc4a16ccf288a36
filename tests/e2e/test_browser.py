"""End to end in headless Chromium: the real server in a subprocess, the pages driven with JavaScript off.

Needs the Debian ``chromium`` and ``chromium-driver`` packages (``make test`` installs them) and selenium
(a dev dependency). Without them the tests skip, and fail under CI=true.
"""

from __future__ import annotations

import json
import os
import re
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.app.helpers import create_template, issue
from tests.conftest import IN_CI, bearer, make_tenant
from tests.live import live_server

pytestmark = [pytest.mark.e2e, pytest.mark.xdist_group("browser")]

CHROMIUM = Path(os.environ.get("SHOMEI_TEST_CHROMIUM", "/usr/bin/chromium"))
CHROMEDRIVER = Path(os.environ.get("SHOMEI_TEST_CHROMEDRIVER", "/usr/bin/chromedriver"))
ACHIEVEMENT = "Micro-Certification in Aircraft General Knowledge"
HTML = {"Accept": "text/html"}


def _missing(reason: str) -> None:
    if IN_CI:
        pytest.fail(f"{reason}: required in CI (run `make browser`)")
    pytest.skip(f"{reason} (run `make browser`)")


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """The real server on a free port with a fresh SQLite database, plain-HTTP public URL; yields its URL."""
    with live_server(tmp_path_factory.mktemp("e2e-server"), public_https=False) as base:
        yield base


@pytest.fixture(scope="module")
def api(server: str) -> Iterator[httpx.Client]:
    # The helpers only call .get/.post, so an httpx.Client stands in for the ASGI SyncClient.
    with httpx.Client(base_url=server, timeout=30) as client:
        yield client


@contextmanager
def chromium(*, javascript: bool) -> Iterator[Any]:
    """Headless Chromium through chromedriver; ``javascript``: whether pages may run scripts."""
    for path in (CHROMIUM, CHROMEDRIVER):
        if not os.access(path, os.X_OK):
            _missing(f"{path} is missing (Debian packages chromium and chromium-driver)")
    try:
        from selenium import webdriver
        from selenium.webdriver.chrome.service import Service
    except ImportError:
        _missing("selenium is not installed (dev dependency)")
    options = webdriver.ChromeOptions()
    options.binary_location = str(CHROMIUM)
    for arg in ("--headless=new", "--no-sandbox", "--disable-dev-shm-usage", "--window-size=1280,1024"):
        options.add_argument(arg)
    if not javascript:
        options.add_experimental_option("prefs", {"profile.managed_default_content_settings.javascript": 2})
    driver = webdriver.Chrome(options=options, service=Service(str(CHROMEDRIVER)))
    try:
        driver.set_page_load_timeout(30)
        yield driver
    finally:
        driver.quit()


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    """Headless Chromium through chromedriver, with JavaScript disabled for every page."""
    with chromium(javascript=False) as driver:
        yield driver


def _issue(api: httpx.Client) -> tuple[str, str, dict[str, Any]]:
    slug, token = make_tenant(api)  # type: ignore[arg-type]
    template = create_template(api, slug, token)  # type: ignore[arg-type]
    return slug, token, issue(api, slug, token, template, formats=["ldp_vc"])  # type: ignore[arg-type]


def _verdict(driver: Any) -> tuple[str, str]:
    from selenium.webdriver.common.by import By

    sections = driver.find_elements(By.CSS_SELECTOR, "#verdict")
    assert sections, f"no verdict on {driver.current_url}:\n{driver.page_source[:3000]}"
    section = sections[0]
    return section.find_element(By.TAG_NAME, "h2").text.strip(), section.get_attribute("class") or ""


def _assert_accessible_names(driver: Any) -> None:
    """Every image and form control has a computed accessible name (img alt, label for=...); hidden
    inputs are not rendered and not in the accessibility tree."""
    from selenium.webdriver.common.by import By

    controls = "img, input:not([type=hidden]), textarea, select, button"
    for element in driver.find_elements(By.CSS_SELECTOR, controls):
        name = (element.accessible_name or "").strip()
        assert name, f"<{element.tag_name} id={element.get_attribute('id')!r}> has no accessible name"
        if element.tag_name == "img":
            assert (element.get_attribute("alt") or "").strip()


def _rgb(css: str) -> tuple[float, float, float]:
    match = re.match(r"rgba?\((\d+),\s*(\d+),\s*(\d+)", css)
    assert match, css
    r, g, b = (int(v) for v in match.groups())
    return r, g, b


def _contrast(fg: str, bg: str) -> float:
    """WCAG 2.x contrast ratio of two computed CSS colours."""

    def luminance(rgb: tuple[float, float, float]) -> float:
        c = [v / 255 for v in rgb]
        lin = [v / 12.92 if v <= 0.03928 else ((v + 0.055) / 1.055) ** 2.4 for v in c]
        return 0.2126 * lin[0] + 0.7152 * lin[1] + 0.0722 * lin[2]

    hi, lo = sorted((luminance(_rgb(fg)), luminance(_rgb(bg))), reverse=True)
    return (hi + 0.05) / (lo + 0.05)


def _assert_verdict_contrast(driver: Any) -> None:
    from selenium.webdriver.common.by import By

    section = driver.find_element(By.CSS_SELECTOR, "#verdict")
    heading = section.find_element(By.TAG_NAME, "h2")
    bg = section.value_of_css_property("background-color")
    for element in (heading, section.find_element(By.TAG_NAME, "p")):
        ratio = _contrast(element.value_of_css_property("color"), bg)
        assert ratio >= 4.5, f"contrast {ratio:.2f} < 4.5 for {element.tag_name}"


@contextmanager
def _navigates(driver: Any) -> Iterator[None]:
    """Wait until the action in the block has replaced the page (a form post started by a key press or
    a click does not block the driver) and the new page has loaded.

    The old document is marked before the action; the wait ends when the current document carries no
    mark and has loaded. Polling while Chromium swaps documents can fail in several ways ("Node with
    given id does not belong to the document", a stale reference, a script run cut short); those polls
    count as "not yet" rather than as errors."""
    from selenium.common.exceptions import WebDriverException
    from selenium.webdriver.support.wait import WebDriverWait

    driver.execute_script("document.documentElement.setAttribute('data-e2e-old-page', '1')")
    yield
    script = (
        "return document.readyState === 'complete' && document.documentElement !== null"
        " && !document.documentElement.hasAttribute('data-e2e-old-page')"
    )
    WebDriverWait(driver, 30, ignored_exceptions=(WebDriverException,)).until(
        lambda d: d.execute_script(script) is True
    )


def _paste(driver: Any, element: Any, text: str) -> None:
    """Put ``text`` into a field as a paste does (typing a whole credential key by key takes ~20 s):
    focus it with a click, then insert the text through DevTools ``Input.insertText``, no page script."""
    element.click()
    driver.execute_cdp_cmd("Input.insertText", {"text": text})
    assert element.get_attribute("value") == text


def _submit_with_keyboard(driver: Any) -> None:
    """Tab from the focused field to the Verify button and press Enter on it."""
    from selenium.webdriver.common.action_chains import ActionChains
    from selenium.webdriver.common.by import By
    from selenium.webdriver.common.keys import Keys

    button = driver.find_element(By.CSS_SELECTOR, "form button[type=submit]")
    for _ in range(10):
        if driver.switch_to.active_element == button:
            break
        ActionChains(driver).send_keys(Keys.TAB).perform()
    else:
        pytest.fail("the Verify button cannot be reached with Tab")
    with _navigates(driver):
        ActionChains(driver).send_keys(Keys.ENTER).perform()


def test_javascript_is_off(browser: Any) -> None:
    browser.get("data:text/html,<title>off</title><script>document.title='on'</script>")
    assert browser.title == "off"


def test_credential_page_valid_then_revoked(browser: Any, api: httpx.Client) -> None:
    slug, token, out = _issue(api)
    browser.get(out["id"])
    verdict, classes = _verdict(browser)
    assert verdict == "Valid" and "valid" in classes.split()
    assert ACHIEVEMENT in browser.find_element("tag name", "h1").text
    assert "Aiko Tanaka" in browser.page_source
    _assert_accessible_names(browser)
    _assert_verdict_contrast(browser)

    r = api.post(
        f"/v1/issuers/{slug}/credentials/{out['credential_id']}/status",
        json={"action": "revoke", "reason": "superseded"},
        headers=bearer(token),
    )
    assert r.status_code == 200, r.text
    with _navigates(browser):
        browser.refresh()
    verdict, classes = _verdict(browser)
    assert verdict == "Revoked" and "invalid" in classes.split()
    assert "replaced by a newer credential" in browser.page_source
    _assert_verdict_contrast(browser)


def test_employer_page_paste_upload_and_garbage(
    browser: Any, api: httpx.Client, server: str, tmp_path: Path
) -> None:
    from selenium.webdriver.common.by import By

    _slug, _token, out = _issue(api)
    png = api.get(f"{out['id']}/badge.png")
    assert png.status_code == 200 and png.content.startswith(b"\x89PNG\r\n\x1a\n")
    badge = tmp_path / "badge.png"
    badge.write_bytes(png.content)

    # Paste the JSON credential and submit with the keyboard.
    browser.get(f"{server}/verify")
    _assert_accessible_names(browser)
    _paste(browser, browser.find_element(By.ID, "credential"), json.dumps(out["credentials"]["ldp_vc"]))
    _submit_with_keyboard(browser)
    assert _verdict(browser) == ("Valid", "verdict valid")
    _assert_verdict_contrast(browser)

    # Upload the baked PNG badge.
    browser.find_element(By.ID, "file").send_keys(str(badge))
    with _navigates(browser):
        browser.find_element(By.CSS_SELECTOR, "form button[type=submit]").click()
    assert _verdict(browser)[0] == "Valid"
    assert browser.find_element(By.ID, "file").get_attribute("value") == ""  # a fresh form

    # Garbage is a clear, accessible error.
    browser.find_element(By.ID, "credential").send_keys("garbage")
    _submit_with_keyboard(browser)
    verdict, classes = _verdict(browser)
    assert verdict == "Could not check this" and "invalid" in classes.split()
    assert browser.find_element(By.CSS_SELECTOR, "#verdict").get_attribute("role") == "alert"
    _assert_verdict_contrast(browser)


def test_learner_claim_and_consent_pages(browser: Any, api: httpx.Client, server: str) -> None:
    """The learner's side of a wallet offer, with JavaScript off: the claim page (QR code, deep link,
    accessible names), then the authorization code flow's consent page: the wallet pushes its
    request, the learner types the 6-digit code with the keyboard and approves, and the browser
    goes back to the wallet's redirect_uri with a code that the wallet exchanges for a token."""
    import base64
    import hashlib
    import secrets
    from urllib.parse import parse_qs, urlsplit

    from selenium.webdriver.common.action_chains import ActionChains
    from selenium.webdriver.common.by import By
    from selenium.webdriver.common.keys import Keys

    slug, token, out = _issue(api)
    offer = api.post(
        f"/v1/issuers/{slug}/credentials/{out['credential_id']}/offers",
        json={"formats": ["ldp_vc"], "tx_code": True},
        headers=bearer(token),
    ).json()

    browser.get(offer["claim_page_url"])
    assert ACHIEVEMENT in browser.page_source and "openid-credential-offer://" in browser.page_source
    _assert_accessible_names(browser)

    document = api.get(urlsplit(offer["credential_offer_uri"]).path).json()
    issuer = document["credential_issuer"]
    verifier = secrets.token_urlsafe(48)
    challenge = base64.urlsafe_b64encode(hashlib.sha256(verifier.encode()).digest()).rstrip(b"=").decode()
    redirect_uri = f"{server}/healthz"  # a loopback page stands in for the wallet's callback
    pushed = api.post(
        f"{urlsplit(issuer).path}/oid4vci/par",
        data={
            "response_type": "code",
            "client_id": "e2e-wallet",
            "redirect_uri": redirect_uri,
            "code_challenge": challenge,
            "code_challenge_method": "S256",
            "issuer_state": document["grants"]["authorization_code"]["issuer_state"],
            "scope": "ob3_ldp_vc",
            "state": "e2e-state",
        },
    )
    assert pushed.status_code == 201, pushed.text
    browser.get(f"{issuer}/oid4vci/authorize?client_id=e2e-wallet&request_uri={pushed.json()['request_uri']}")
    assert ACHIEVEMENT in browser.page_source
    _assert_accessible_names(browser)
    field = browser.find_element(By.ID, "tx_code")
    assert field.accessible_name == "6-digit code from your institution"
    field.click()
    ActionChains(browser).send_keys(offer["tx_code"]).perform()
    approve = browser.find_element(By.CSS_SELECTOR, "button[value=approve]")
    for _ in range(5):
        if browser.switch_to.active_element == approve:
            break
        ActionChains(browser).send_keys(Keys.TAB).perform()
    else:
        pytest.fail("the approve button cannot be reached with Tab")
    with _navigates(browser):
        ActionChains(browser).send_keys(Keys.ENTER).perform()

    landed = urlsplit(browser.current_url)
    assert f"{landed.scheme}://{landed.netloc}{landed.path}" == redirect_uri
    params = {k: v[0] for k, v in parse_qs(landed.query).items()}
    assert params["state"] == "e2e-state" and params["iss"] == issuer
    r = api.post(
        f"{urlsplit(issuer).path}/oid4vci/token",
        data={
            "grant_type": "authorization_code",
            "code": params["code"],
            "redirect_uri": redirect_uri,
            "code_verifier": verifier,
            "client_id": "e2e-wallet",
        },
    )
    assert r.status_code == 200 and r.json()["access_token"], r.text
