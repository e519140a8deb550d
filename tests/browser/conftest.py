"""Real Chromium (Debian's `chromium` and `chromium-driver`, driven by Selenium) against
`parallax serve --demo` in its own process. Without the browser the tests skip, except under CI,
where they fail."""

from __future__ import annotations

import os
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest
from selenium import webdriver
from selenium.webdriver.chrome.service import Service
from selenium.webdriver.remote.webdriver import WebDriver
from selenium.webdriver.support.wait import WebDriverWait

from tests.api._support import _free_port, no_shipped_outlets, served
from tests.conftest import running_in_ci

pytestmark = pytest.mark.slow

CHROMIUM = Path("/usr/bin/chromium")
CHROMEDRIVER = Path("/usr/bin/chromedriver")
EXTENSION = Path(__file__).parents[2] / "extension"
# The extension's id, fixed by the public key in its manifest.
EXTENSION_ID = "aoafkjihdilpbiomkhnlmhopfninfhol"
EXTENSION_ORIGIN = f"chrome-extension://{EXTENSION_ID}"
# Waits are for the page to reach a state, never a bound on how fast it gets there.
PATIENCE = 120


@dataclass(frozen=True)
class Demo:
    api: str
    outlets: str


def _require_browser() -> None:
    missing = [str(path) for path in (CHROMIUM, CHROMEDRIVER) if not path.exists()]
    if missing:
        reason = f"no browser to test in: {', '.join(missing)} missing (apt-get install chromium)"
        if running_in_ci():
            pytest.fail(f"CI is set and {reason}", pytrace=False)
        pytest.skip(reason)


@pytest.fixture(scope="package")
def demo(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Demo]:
    """`parallax serve --demo` with its feeds ingested; the extension's origin allowed by CORS."""
    _require_browser()
    root = tmp_path_factory.mktemp("demo")
    outlets_port = _free_port()
    env = {
        "PARALLAX_DATA_DIR": str(root / "data"),
        "PARALLAX_OUTLETS_FILE": str(no_shipped_outlets(root / "outlets.toml")),
        "PARALLAX_COVERAGE_REFRESH": "false",
        "PARALLAX_TORCH_THREADS": "1",
        "PARALLAX_CORS_ALLOW_ORIGINS": EXTENSION_ORIGIN,
    }
    argv = ["-m", "cli", "serve", "--demo", "--demo-port", str(outlets_port)]
    with served(argv, env, root / "server.log") as base_url:
        while httpx.get(f"{base_url}/jobs/1").json()["status"] != "finished":
            time.sleep(0.5)
        yield Demo(api=base_url, outlets=f"http://127.0.0.1:{outlets_port}")


def _chromium(*arguments: str) -> WebDriver:
    options = webdriver.ChromeOptions()
    options.binary_location = str(CHROMIUM)
    for argument in (
        "--headless=new",
        "--no-sandbox",
        "--disable-dev-shm-usage",
        "--window-size=1280,800",
        *arguments,
    ):
        options.add_argument(argument)
    return webdriver.Chrome(service=Service(str(CHROMEDRIVER)), options=options)


@pytest.fixture(scope="package")
def browser(demo: Demo) -> Iterator[WebDriver]:
    driver = _chromium()
    yield driver
    driver.quit()


@pytest.fixture(scope="package")
def browser_with_extension(demo: Demo) -> Iterator[WebDriver]:
    driver = _chromium(f"--load-extension={EXTENSION}", f"--disable-extensions-except={EXTENSION}")
    yield driver
    driver.quit()


def until(driver: WebDriver, condition: Callable[[WebDriver], object]) -> object:
    return WebDriverWait(driver, PATIENCE).until(condition)


def texts(driver: WebDriver, selector: str) -> list[str]:
    """The text of every element `selector` finds, read at once (htmx swaps elements out)."""
    found = driver.execute_script(
        "return [...document.querySelectorAll(arguments[0])].map(e => e.innerText.trim());",
        selector,
    )
    assert isinstance(found, list)
    return [str(text) for text in found]


def screenshot(driver: WebDriver, name: str) -> None:
    """Keep the view as the docs' picture of it when `PARALLAX_SCREENSHOTS` names a folder
    (`make screenshots`)."""
    folder = os.environ.get("PARALLAX_SCREENSHOTS")
    if folder:
        Path(folder).mkdir(parents=True, exist_ok=True)
        driver.save_screenshot(str(Path(folder) / f"{name}.png"))
