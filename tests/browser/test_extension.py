"""The extension loaded unpacked in Chromium, on a demo outlet's article page: its panel shows
the coverage by outlet and the key differences, and the differences are highlighted on the
article's own words."""

from __future__ import annotations

from typing import Any

import httpx
import pytest
from pytest_httpserver import HTTPServer
from selenium.webdriver.common.by import By
from selenium.webdriver.remote.webdriver import WebDriver

from demo.articles import EVACUATION
from tests.api._support import article_url, event_articles
from tests.browser.conftest import EXTENSION_ORIGIN, Demo, screenshot, until


def _collapse(text: str) -> str:
    return " ".join(text.split())


def _open_panel_on(driver: WebDriver, demo: Demo, page_url: str) -> str:
    """Open the article in one tab and the extension's panel, pointed at it, in another (a
    side panel cannot be opened by a test; the panel page is the same)."""
    driver.get(page_url)
    article_tab = driver.current_window_handle
    driver.switch_to.new_window("tab")
    driver.get(f"{EXTENSION_ORIGIN}/options.html")
    driver.execute_async_script(
        "const done = arguments[arguments.length - 1];"
        "chrome.storage.local.set({apiBase: arguments[0], apiKey: ''}).then(done);",
        demo.api,
    )
    tab_id = driver.execute_async_script(
        "const done = arguments[arguments.length - 1];"
        "chrome.tabs.query({url: arguments[0]}).then(tabs => done(tabs[0].id));",
        page_url,
    )
    driver.get(f"{EXTENSION_ORIGIN}/panel.html?tab={tab_id}")
    return article_tab


def test_the_panel_shows_coverage_and_the_page_highlights_the_differences(
    browser_with_extension: WebDriver, demo: Demo
) -> None:
    driver = browser_with_extension
    hostile = next(a for a in event_articles(EVACUATION) if a.outlet == "frontlinepatriot")
    page_url = article_url(hostile, demo.outlets)
    article_tab = _open_panel_on(driver, demo, page_url)

    until(driver, lambda d: "highlighted" in d.find_element(By.ID, "status").text)
    outlets = driver.find_element(By.ID, "outlets").text
    for name in ("Meridian Wire", "The Daily Ledger", "The Harbour Gazette"):
        assert name in outlets
    assert driver.find_elements(By.CSS_SELECTOR, "#key-differences li")
    screenshot(driver, "extension-panel")

    answer: dict[str, Any] = httpx.post(
        f"{demo.api}/compare", json={"url": page_url, "html": httpx.get(page_url).text}
    ).json()
    expected = [
        _collapse(item["passage"]["text"]) for item in answer["key_differences"] if item["passage"]
    ]
    assert expected
    driver.switch_to.window(article_tab)
    marked = driver.execute_script(
        "return [...document.querySelectorAll('mark.parallax-highlight')]"
        ".map(mark => mark.textContent);"
    )
    # Each highlight covers exactly one key difference's words, inside the article's body.
    assert sorted(_collapse(text) for text in marked) == sorted(expected)
    inside = driver.execute_script(
        "return [...document.querySelectorAll('mark.parallax-highlight')]"
        ".every(mark => mark.closest('article'));"
    )
    assert inside
    screenshot(driver, "extension-page")


def test_the_panel_says_so_when_the_page_is_not_an_article(
    browser_with_extension: WebDriver, demo: Demo
) -> None:
    _open_panel_on(browser_with_extension, demo, f"{demo.outlets}/meridianwire/")
    status = until(
        browser_with_extension,
        lambda d: (text := d.find_element(By.ID, "status").text) != "Comparing…" and text,
    )
    assert "not look like a news article" in str(status)


def _panel_with(driver: WebDriver, demo: Demo, settings: dict[str, str]) -> None:
    """The panel opened on a demo article, reloaded once `settings` are stored."""
    hostile = next(a for a in event_articles(EVACUATION) if a.outlet == "frontlinepatriot")
    _open_panel_on(driver, demo, article_url(hostile, demo.outlets))
    driver.execute_async_script(
        "const done = arguments[arguments.length - 1];"
        "chrome.storage.local.set(arguments[0]).then(done);",
        settings,
    )
    driver.refresh()


def _panel_status_with(driver: WebDriver, demo: Demo, settings: dict[str, str]) -> str:
    """The panel's message on a demo article once `settings` are stored."""
    _panel_with(driver, demo, settings)
    until(driver, lambda d: d.find_element(By.ID, "status").get_attribute("class") == "problem")
    return driver.find_element(By.ID, "status").text


def test_the_panel_says_so_when_the_server_is_down(
    browser_with_extension: WebDriver, demo: Demo
) -> None:
    status = _panel_status_with(browser_with_extension, demo, {"apiBase": "http://127.0.0.1:9"})
    assert "does not answer" in status


def test_the_panel_asks_for_a_key_the_server_accepts(
    browser_with_extension: WebDriver, demo: Demo
) -> None:
    status = _panel_status_with(browser_with_extension, demo, {"apiKey": "not-a-key"})
    assert "needs an API key" in status


@pytest.mark.parametrize(
    ("status", "headers", "message"),
    [
        (429, {"Retry-After": "7"}, "busy with this key's requests; try again in 7 s."),
        (503, {"Retry-After": "2"}, "The Parallax server is busy; try again in a moment."),
    ],
)
def test_the_panel_says_so_when_the_server_is_over_its_limit_or_busy(
    browser_with_extension: WebDriver,
    demo: Demo,
    httpserver: HTTPServer,
    status: int,
    headers: dict[str, str],
    message: str,
) -> None:
    problem = {"type": "about:blank", "title": "Too many requests", "status": status}
    httpserver.expect_request("/compare", method="POST").respond_with_json(
        problem,
        status=status,
        headers={**headers, "Access-Control-Allow-Origin": "*"},
        content_type="application/problem+json",
    )
    api = httpserver.url_for("").rstrip("/")
    assert message in _panel_status_with(browser_with_extension, demo, {"apiBase": api})


def test_the_panel_says_the_accounts_agree_and_how_often_they_differ(
    browser_with_extension: WebDriver, demo: Demo, httpserver: HTTPServer
) -> None:
    counts = dict.fromkeys(
        ("numeric", "contradiction", "unique_claim", "omission", "framing", "attribution"), 0
    )
    agreeing = {
        "coverage": [
            {"outlet": "Meridian Wire", "url": f"{demo.outlets}/meridianwire/", "title": "T"}
        ],
        "key_differences": [],
        "summary": {"counts": {**counts, "omission": 2}, "shared": 0.62, "accounts_agree": True},
    }
    httpserver.expect_request("/compare", method="POST").respond_with_json(
        agreeing, headers={"Access-Control-Allow-Origin": "*"}
    )
    driver = browser_with_extension
    _panel_with(driver, demo, {"apiBase": httpserver.url_for("").rstrip("/")})
    until(driver, lambda d: "highlighted" in d.find_element(By.ID, "status").text)
    said = _collapse(driver.find_element(By.ID, "key-differences").text)
    assert said == (
        "The accounts agree: this page states 62% of what the other outlets report, and differs "
        "from them in 2 places."
    )
