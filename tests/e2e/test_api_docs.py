"""``/docs`` and ``/redoc`` render in headless Chromium with every other host unreachable (the resolver maps
all names but the loopback address to nothing), JavaScript on: the pages need nothing from a CDN."""

from __future__ import annotations

import os
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import IN_CI
from tests.live import live_server

pytestmark = [pytest.mark.e2e, pytest.mark.xdist_group("browser")]

CHROMIUM = Path(os.environ.get("SHOMEI_TEST_CHROMIUM", "/usr/bin/chromium"))
CHROMEDRIVER = Path(os.environ.get("SHOMEI_TEST_CHROMEDRIVER", "/usr/bin/chromedriver"))


@pytest.fixture(scope="module")
def offline_browser() -> Iterator[Any]:
    for path in (CHROMIUM, CHROMEDRIVER):
        if not os.access(path, os.X_OK):
            if IN_CI:
                pytest.fail(f"{path} is missing: required in CI (run `make browser`)")
            pytest.skip(f"{path} is missing (run `make browser`)")
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    options = webdriver.ChromeOptions()
    options.binary_location = str(CHROMIUM)
    for arg in (
        "--headless=new",
        "--no-sandbox",
        "--disable-dev-shm-usage",
        "--window-size=1280,1024",
        "--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE 127.0.0.1",
    ):
        options.add_argument(arg)
    options.set_capability("goog:loggingPrefs", {"browser": "ALL"})
    driver = webdriver.Chrome(options=options, service=Service(str(CHROMEDRIVER)))
    try:
        driver.set_page_load_timeout(60)
        yield driver
    finally:
        driver.quit()


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    with live_server(tmp_path_factory.mktemp("docs-server"), public_https=False) as base:
        yield base


def _wait_for(driver: Any, selector: str, seconds: float = 60) -> int:
    from selenium.webdriver.common.by import By

    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        found = driver.find_elements(By.CSS_SELECTOR, selector)
        if found:
            return len(found)
        time.sleep(0.5)
    return 0


def _external_requests(driver: Any, base: str) -> list[str]:
    """URLs the page loaded (the Resource Timing entries) that are not the server's own."""
    urls: list[str] = driver.execute_script(
        "return performance.getEntriesByType('resource').map(e => e.name)"
    )
    return [u for u in urls if not u.startswith(base) and not u.startswith("data:")]


def test_swagger_ui_renders_every_operation_offline(offline_browser: Any, server: str) -> None:
    offline_browser.get(server + "/docs")
    assert _wait_for(offline_browser, ".opblock") > 50  # one block per operation of the API
    assert _external_requests(offline_browser, server) == []


def test_redoc_renders_offline(offline_browser: Any, server: str) -> None:
    offline_browser.get(server + "/redoc")
    assert _wait_for(offline_browser, "[data-section-id^='operation/']") > 50
    assert _external_requests(offline_browser, server) == []
