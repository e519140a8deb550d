"""The README's examples work when pasted after `make run`."""

from __future__ import annotations

import re
from pathlib import Path

from demo import ARTICLES
from demo.site import article_url

README = Path(__file__).parents[2] / "README.md"
DEMO_OUTLETS = "http://127.0.0.1:8765"


def _code() -> str:
    return "\n".join(re.findall(r"```sh\n(.*?)```", README.read_text(), re.S))


def test_every_demo_url_in_the_readme_is_a_demo_article() -> None:
    known = {article_url(DEMO_OUTLETS, article) for article in ARTICLES}
    urls = re.findall(rf"{re.escape(DEMO_OUTLETS)}/[^\s'&]+", _code())
    assert urls
    assert set(urls) <= known


def test_the_readme_examples_are_complete_and_call_the_installed_command() -> None:
    code = _code()
    assert "..." not in code
    for line in code.splitlines():
        command = re.sub(r"^(\w+=\S+ )+", "", line.strip())
        assert not command.startswith("parallax "), line
