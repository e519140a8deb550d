"""Articles rendered as the pages of an invented outlet, for benchmarks that fetch over HTTP."""

from __future__ import annotations

import html


def article_page(title: str, date: str | None, text: str) -> bytes:
    paragraphs = "".join(f"<p>{html.escape(p)}</p>\n" for p in text.split("\n\n") if p.strip())
    when = f'<time datetime="{date}">{date}</time>' if date else ""
    return (
        "<!doctype html><html><head><meta charset='utf-8'>"
        f"<title>{html.escape(title)}</title></head><body>"
        "<nav><a href='/'>Home</a> <a href='/world'>World</a></nav>"
        f"<article><h1>{html.escape(title)}</h1>{when}{paragraphs}</article>"
        "<footer>© Bench outlet</footer></body></html>"
    ).encode()
