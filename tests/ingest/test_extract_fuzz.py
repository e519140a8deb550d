"""Property tests: extraction never crashes on hostile markup, and what it returns segments
with exact offsets under any passage cap."""

from __future__ import annotations

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from core.errors import NotAnArticle
from ingest.extract import extract_article
from ingest.segment import segment

_TAGS = ["p", "div", "article", "h1", "blockquote", "q", "span", "script", "style", "table"]
_HOSTILE = ["\u0301", "\u200b", "\u200f", "\u202e", "\x00", "\ufeff", "&amp;", "&#0;", "&#x110000;"]
_TEXT = st.lists(
    st.sampled_from([*"abc ABC.,;:!?\"'“”‘’<>&#\n\t0123456789", *_HOSTILE]), max_size=200
).map("".join)


@st.composite
def pages(draw: st.DrawFn) -> str:
    parts = []
    for _ in range(draw(st.integers(0, 30))):
        tag = draw(st.sampled_from(_TAGS))
        depth = draw(st.integers(1, 40))
        parts.append(f"<{tag}>" * depth + draw(_TEXT) + f"</{tag}>" * draw(st.integers(0, depth)))
    return "<html><head><title>t</title></head><body>" + "".join(parts) + "</body></html>"


@settings(
    max_examples=150, deadline=None, database=None, suppress_health_check=[HealthCheck.too_slow]
)
@given(pages())
def test_extraction_survives_hostile_markup(html: str) -> None:
    try:
        article = extract_article(html, "https://news.example/a")
    except NotAnArticle:
        return
    for passage in segment(article.text):
        assert article.text[passage.start : passage.end] == passage.text


@settings(max_examples=200, deadline=None, database=None)
@given(st.text(max_size=3000), st.integers(100, 1000))
def test_passages_respect_any_cap_with_exact_offsets(text: str, cap: int) -> None:
    passages = segment(text, max_chars=cap)
    for index, passage in enumerate(passages):
        assert passage.index == index
        assert text[passage.start : passage.end] == passage.text
        assert len(passage.text) <= cap
