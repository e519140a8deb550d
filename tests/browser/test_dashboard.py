"""The dashboard's main paths in Chromium: the events list, an event's claim matrix, a passage
read in its article, the exports, the compare page, and /docs without internet."""

from __future__ import annotations

import httpx
from selenium.webdriver.common.by import By
from selenium.webdriver.common.keys import Keys
from selenium.webdriver.remote.webdriver import WebDriver

from demo.articles import EVACUATION
from tests.api._support import article_url, event_articles
from tests.browser.conftest import Demo, screenshot, texts, until


def _events_listed(driver: WebDriver) -> list[str]:
    return texts(driver, "table.events td a")


def _open_evacuation_event(browser: WebDriver, demo: Demo) -> None:
    browser.get(f"{demo.api}/")
    until(browser, lambda d: any("Keled evacuates" in title for title in _events_listed(d)))
    browser.find_element(By.PARTIAL_LINK_TEXT, "Keled evacuates").click()
    until(browser, lambda d: d.find_elements(By.CSS_SELECTOR, "table.matrix td"))


def test_the_events_list_shows_every_demo_event_with_its_key_differences(
    browser: WebDriver, demo: Demo
) -> None:
    browser.get(f"{demo.api}/")
    until(browser, lambda d: len(_events_listed(d)) == 5)
    until(
        browser,
        lambda d: all(text.isdigit() for text in texts(d, ".differences")),
    )
    rows = browser.find_elements(By.CSS_SELECTOR, "table.events tbody tr")
    evacuation = next(row for row in rows if "Keled evacuates" in row.text)
    assert "Frontline Patriot" in evacuation.text
    assert int(evacuation.find_element(By.CSS_SELECTOR, ".differences").text) > 0
    screenshot(browser, "events")

    search = browser.find_element(By.ID, "q")
    search.send_keys("rail")
    until(browser, lambda d: len(_events_listed(d)) == 2)
    assert all("ail" in title for title in _events_listed(browser))


def test_an_event_opens_on_its_key_differences_and_claim_matrix(
    browser: WebDriver, demo: Demo
) -> None:
    _open_evacuation_event(browser, demo)
    differences = browser.find_elements(By.CSS_SELECTOR, ".key-differences li")
    assert differences
    assert any("“rescuers” in quotation marks" in item.text for item in differences)
    headers = [th.text for th in browser.find_elements(By.CSS_SELECTOR, "table.matrix thead th")]
    assert len(headers) == 1 + len(event_articles(EVACUATION))
    assert browser.find_elements(By.CSS_SELECTOR, "table.matrix td.omission")
    assert browser.find_elements(By.CSS_SELECTOR, "table.matrix td.divergent .tag")
    screenshot(browser, "event")


def test_a_claim_opens_its_passage_highlighted_in_the_article(
    browser: WebDriver, demo: Demo
) -> None:
    _open_evacuation_event(browser, demo)
    cell = browser.find_element(By.CSS_SELECTOR, "table.matrix a.cell")
    passage = cell.text
    cell.send_keys(Keys.ENTER)  # keyboard, as a desk editor would
    mark = until(browser, lambda d: d.find_elements(By.CSS_SELECTOR, "#reader mark#passage"))
    assert isinstance(mark, list)
    assert mark[0].text == passage
    screenshot(browser, "passage")


def test_outlet_filters_and_exports(browser: WebDriver, demo: Demo) -> None:
    _open_evacuation_event(browser, demo)
    browser.find_element(By.CSS_SELECTOR, "input[value='Frontline Patriot']").click()
    until(
        browser,
        lambda d: "Frontline Patriot" not in texts(d, "table.matrix thead th"),
    )
    for link in browser.find_elements(By.CSS_SELECTOR, "a[data-download]"):
        response = httpx.get(str(link.get_attribute("href")))
        assert response.status_code == 200
        assert response.content


def test_the_compare_page_answers_a_pasted_url_side_by_side(browser: WebDriver, demo: Demo) -> None:
    hostile = next(a for a in event_articles(EVACUATION) if a.outlet == "frontlinepatriot")
    browser.get(f"{demo.api}/ui/compare")
    field = browser.find_element(By.ID, "compare-url")
    field.send_keys(article_url(hostile, demo.outlets))
    field.send_keys(Keys.ENTER)
    until(browser, lambda d: d.find_elements(By.CSS_SELECTOR, "#answer table.side-by-side"))
    answer = browser.find_element(By.ID, "answer").text
    assert "Key differences" in answer
    assert "terrorists" in answer
    screenshot(browser, "compare")


def test_the_api_docs_load_from_the_package(browser: WebDriver, demo: Demo) -> None:
    browser.get(f"{demo.api}/docs")
    until(browser, lambda d: d.find_elements(By.CSS_SELECTOR, ".swagger-ui .opblock"))
    scripts = [s.get_attribute("src") or "" for s in browser.find_elements(By.TAG_NAME, "script")]
    assert all(src.startswith(demo.api) for src in scripts if src)
