"""Issue 18 acceptance in headless Chromium (scripts allowed for axe-core): the credential page, /verify with a result and the claim page,
in English and Japanese, at 1280 and 390 px wide: a screenshot of each (full page, under
``var/e2e-screenshots/`` or ``$SHOMEI_E2E_SCREENSHOTS``), the page's language, nothing wider than the
viewport, and axe-core (Deque's engine, pinned in tests/data/axe-core, installed by ``make tools``)
reporting no violation of any rule it runs by default (WCAG 2.x A/AA and best practices).
"""

from __future__ import annotations

import base64
import json
import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.app.helpers import create_template, issue
from tests.conftest import ADMIN, IN_CI, bearer, make_tenant
from tests.e2e.test_browser import _navigates, _paste, api, chromium, server  # noqa: F401 (fixtures)
from tests.paths import ROOT

pytestmark = [pytest.mark.e2e, pytest.mark.xdist_group("browser")]

AXE = (
    Path(os.environ.get("SHOMEI_TEST_AXE_DIR", str(ROOT / ".tools" / "axe-core")))
    / "node_modules"
    / "axe-core"
)
SHOTS = Path(os.environ.get("SHOMEI_E2E_SCREENSHOTS", str(ROOT / "var" / "e2e-screenshots")))
WIDTHS = (1280, 390)
LANGS = ("en", "ja")


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    """Headless Chromium with scripts allowed: axe-core is a script (and waits on timers, which a page
    without JavaScript never runs). Our pages have no script of their own, so they render the same."""
    with chromium(javascript=True) as driver:
        yield driver


@pytest.fixture(scope="module")
def axe_source() -> str:
    script = AXE / "axe.min.js"
    if not script.is_file():
        reason = f"{script} is missing (run `make tools`)"
        if IN_CI:
            pytest.fail(f"{reason}: required in CI")
        pytest.skip(reason)
    return script.read_text(encoding="utf-8")


@pytest.fixture(scope="module")
def issued(api: httpx.Client) -> dict[str, Any]:  # noqa: F811 (the fixture)
    """A credential of an issuer with a Japanese name, and a wallet offer of it."""
    slug, token = make_tenant(api, name="東京工業大学 Tokyo Institute of Technology")  # type: ignore[arg-type]
    template = create_template(api, slug, token)  # type: ignore[arg-type]
    out = issue(api, slug, token, template, formats=["ldp_vc"])  # type: ignore[arg-type]
    offer = api.post(
        f"/v1/issuers/{slug}/credentials/{out['credential_id']}/offers",
        json={"formats": ["ldp_vc"], "tx_code": True},
        headers=bearer(token),
    )
    assert offer.status_code == 201, offer.text
    return {**out, "claim": offer.json()["claim_page_url"]}


def _viewport(driver: Any, width: int) -> None:
    driver.execute_cdp_cmd(
        "Emulation.setDeviceMetricsOverride",
        {"width": width, "height": 900, "deviceScaleFactor": 1, "mobile": width < 600},
    )


def _screenshot(driver: Any, name: str) -> Path:
    """A full-page PNG of the current page."""
    shot = driver.execute_cdp_cmd("Page.captureScreenshot", {"format": "png", "captureBeyondViewport": True})
    SHOTS.mkdir(parents=True, exist_ok=True)
    path = SHOTS / f"{name}.png"
    path.write_bytes(base64.b64decode(shot["data"]))
    return path


def _axe_violations(driver: Any, source: str) -> list[dict[str, Any]]:
    driver.execute_script(source)
    driver.set_script_timeout(60)
    found = driver.execute_async_script(
        "const done = arguments[arguments.length - 1];"
        "axe.run(document, {resultTypes: ['violations']})"
        ".then(r => done(r.violations.map(v => ({id: v.id, impact: v.impact, help: v.help,"
        " nodes: v.nodes.map(n => n.target.join(' ') + ': ' + n.failureSummary)}))))"
        ".catch(e => done([{id: 'axe-error', help: String(e), nodes: []}]));"
    )
    return list(found)


def _check_page(driver: Any, axe_source: str, name: str, lang: str, width: int) -> None:
    assert driver.find_element("tag name", "html").get_attribute("lang") == lang
    scroll_width = driver.execute_script("return document.documentElement.scrollWidth")
    assert scroll_width <= width, f"{name}: {scroll_width}px wide in a {width}px viewport"
    shot = _screenshot(driver, name)
    assert shot.read_bytes().startswith(b"\x89PNG")
    violations = _axe_violations(driver, axe_source)
    assert violations == [], (
        f"{name}: axe-core violations:\n{json.dumps(violations, indent=1, ensure_ascii=False)}"
    )


def _open(driver: Any, url: str) -> None:
    with _navigates(driver):
        driver.get(url)


@pytest.mark.parametrize("width", WIDTHS)
@pytest.mark.parametrize("lang", LANGS)
def test_pages_in_each_language_and_width(
    browser: Any,
    server: str,  # noqa: F811 (the fixture)
    issued: dict[str, Any],
    axe_source: str,
    lang: str,
    width: int,
) -> None:
    from selenium.webdriver.common.by import By

    _viewport(browser, width)
    _open(browser, f"{issued['id']}?lang={lang}")
    assert browser.find_element(By.CSS_SELECTOR, ".card h1").text.strip()
    assert browser.find_element(By.ID, "verdict").find_element(By.TAG_NAME, "h2").text == (
        "Valid" if lang == "en" else "有効"
    )
    _check_page(browser, axe_source, f"credential-{lang}-{width}", lang, width)

    _open(browser, f"{server}/verify?lang={lang}")
    _paste(browser, browser.find_element(By.ID, "credential"), json.dumps(issued["credentials"]["ldp_vc"]))
    with _navigates(browser):
        browser.find_element(By.CSS_SELECTOR, "form button[type=submit]").click()
    assert browser.find_elements(By.CSS_SELECTOR, ".card")
    assert browser.find_elements(By.CSS_SELECTOR, ".card + #verdict, .card ~ #verdict")  # the card first
    _check_page(browser, axe_source, f"verify-result-{lang}-{width}", lang, width)

    _open(browser, f"{issued['claim']}?lang={lang}")
    assert "openid-credential-offer://" in browser.page_source
    _check_page(browser, axe_source, f"claim-{lang}-{width}", lang, width)


def test_not_found_page_in_a_browser(browser: Any, server: str, axe_source: str) -> None:  # noqa: F811 (server)
    _viewport(browser, 390)
    _open(browser, f"{server}/credentials/00000000-0000-4000-8000-00000000000x?lang=ja")
    assert "証明書が見つかりません" in browser.page_source
    _check_page(browser, axe_source, "not-found-ja-390", "ja", 390)


def test_axe_finds_a_violation_when_there_is_one(browser: Any, axe_source: str) -> None:
    """The check can fail: an image without a text alternative is reported."""
    browser.get("data:text/html,<html lang=en><title>t</title><main><img src=x.png></main></html>")
    assert "image-alt" in [v["id"] for v in _axe_violations(browser, axe_source)]


@pytest.fixture(scope="module")
def scenario(api: httpx.Client) -> Any:  # noqa: F811 (the fixture)
    """The worked example of issue 17: three issuers' published courses and a 124-credit pathway."""
    from examples.stackable_pathway import build

    return build(api, ADMIN)  # type: ignore[arg-type]


@pytest.mark.parametrize("width", WIDTHS)
@pytest.mark.parametrize("lang", LANGS)
def test_catalogue_and_pathway_pages_in_each_language_and_width(
    browser: Any,
    server: str,  # noqa: F811 (the fixture)
    scenario: Any,
    axe_source: str,
    lang: str,
    width: int,
) -> None:
    from selenium.webdriver.common.by import By

    _viewport(browser, width)
    _open(browser, f"{server}/catalogue?lang={lang}")
    assert browser.find_element(By.TAG_NAME, "h1").text == (
        "Micro-credential catalogue" if lang == "en" else "マイクロクレデンシャル一覧"
    )
    assert browser.find_elements(By.CSS_SELECTOR, "article.entry")
    _check_page(browser, axe_source, f"catalogue-{lang}-{width}", lang, width)

    _open(browser, f"{server}/issuers/{scenario.home.slug}/catalogue?lang={lang}")
    assert browser.find_elements(By.CSS_SELECTOR, "article.entry")
    _check_page(browser, axe_source, f"issuer-catalogue-{lang}-{width}", lang, width)

    _open(browser, f"{server}/pathways/{scenario.pathway['id']}?lang={lang}")
    _paste(browser, browser.find_element(By.ID, "credentials"), json.dumps(scenario.credentials))
    with _navigates(browser):
        browser.find_element(By.CSS_SELECTOR, "form button[type=submit]").click()
    heading = browser.find_element(By.CSS_SELECTOR, "#verdict h2").text
    assert heading == ("Complete: 124 of 124 credits" if lang == "en" else "修了: 124 単位中 124 単位")
    assert browser.find_elements(By.CSS_SELECTOR, "#not-counted li")
    _check_page(browser, axe_source, f"pathway-progress-{lang}-{width}", lang, width)
