"""Issue 17 in headless Chromium (JavaScript off): the catalogue searched and filtered with the keyboard,
an entry's pathway opened, and the learner's progress shown from pasted credentials."""

from __future__ import annotations

import json
from typing import Any

import httpx
import pytest

from examples.stackable_pathway import Scenario, build
from tests.conftest import ADMIN
from tests.e2e.test_browser import (
    _assert_accessible_names,
    _navigates,
    _paste,
    _submit_with_keyboard,
    _verdict,
    api,
    browser,
    server,
)

pytestmark = [pytest.mark.e2e, pytest.mark.xdist_group("browser")]
__all__ = ["api", "browser", "server"]  # the fixtures, shared with test_browser


@pytest.fixture(scope="module")
def scenario(api: httpx.Client) -> Scenario:
    return build(api, ADMIN)  # type: ignore[arg-type]


def _status(driver: Any) -> str:
    from selenium.webdriver.common.by import By

    return str(driver.find_element(By.CSS_SELECTOR, "[role=status]").text)


def test_search_filter_and_progress_with_the_keyboard(browser: Any, server: str, scenario: Scenario) -> None:
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support.ui import Select

    browser.get(f"{server}/catalogue")
    _assert_accessible_names(browser)
    assert _status(browser).startswith("27 courses found, page 1 of 2")  # 15 + 12 published, 20 a page
    with _navigates(browser):
        browser.find_element(By.CSS_SELECTOR, "a[rel=next]").click()
    assert len(browser.find_elements(By.CSS_SELECTOR, "article.entry")) == 7

    # Search: type into the search field, Tab to the button, Enter.
    browser.get(f"{server}/catalogue")
    field = browser.find_element(By.ID, "q")
    field.click()
    field.send_keys("HOME14")
    _submit_with_keyboard(browser)
    assert _status(browser).startswith("1 course found")
    assert browser.find_element(By.CSS_SELECTOR, "article.entry h3").text.startswith("HOME14 ")

    # Filter: the provider and a credit range, then search again from the keyboard.
    browser.get(f"{server}/catalogue")
    Select(browser.find_element(By.ID, "provider")).select_by_value(scenario.partner.slug)
    minimum = browser.find_element(By.ID, "credits_min")
    minimum.click()
    minimum.send_keys("5")
    _submit_with_keyboard(browser)
    assert _status(browser).startswith("12 courses found")
    providers = {
        a.text for a in browser.find_elements(By.CSS_SELECTOR, "article.entry dd a[href^='/issuers/']")
    }
    assert providers == {"Partner College"}

    # An entry's pathway: the learner pastes their credentials and sees their progress.
    with _navigates(browser):
        browser.find_element(By.CSS_SELECTOR, "article.entry a[href^='/pathways/']").click()
    _assert_accessible_names(browser)
    _paste(browser, browser.find_element(By.ID, "credentials"), json.dumps(scenario.credentials))
    _submit_with_keyboard(browser)
    heading, classes = _verdict(browser)
    assert heading == "Complete: 124 of 124 credits" and "valid" in classes.split()
    assert len(browser.find_elements(By.CSS_SELECTOR, "#not-counted li")) == 5
