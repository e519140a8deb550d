from __future__ import annotations

import pytest

from core.errors import InvalidURL
from ingest.urls import canonicalize, is_tracking_param, registrable_domain, same_site


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        (
            "HTTPS://WWW.Example-News.COM:443/World/2019/11/story.html#comments",
            "https://www.example-news.com/World/2019/11/story.html",
        ),
        ("http://example.com:80", "http://example.com/"),
        ("http://example.com:8080/a", "http://example.com:8080/a"),
        (
            "https://example.com/a?utm_source=tw&utm_medium=social&id=7&fbclid=abc&gclid=x",
            "https://example.com/a?id=7",
        ),
        (
            "https://example.com/a?b=2&a=1&CMP=share_btn_tw&ref=homepage&ocid=msn&cmpid=rss",
            "https://example.com/a?a=1&b=2",
        ),
        ("https://example.com/a?mc_cid=1&mc_eid=2", "https://example.com/a"),
        ("https://example.com/caf%c3%a9/%7euser", "https://example.com/caf%C3%A9/~user"),
        ("https://example.com/café", "https://example.com/caf%C3%A9"),
        ("https://example.com/a%2Fb", "https://example.com/a%2Fb"),
        ("https://bücher.example/x", "https://xn--bcher-kva.example/x"),
        ("https://example.com./x", "https://example.com/x"),
        ("https://example.com/index.html", "https://example.com/index.html"),
        ("https://example.com/a/", "https://example.com/a/"),
        ("https://example.com/s?q=a%20b&q=c", "https://example.com/s?q=a%20b&q=c"),
    ],
)
def test_canonicalize(raw: str, expected: str) -> None:
    assert canonicalize(raw) == expected


def test_canonicalize_is_idempotent() -> None:
    once = canonicalize("HTTP://Example.com:80/a b/%7E?z=1&utm_campaign=x&a=%e2%82%ac#top")
    assert canonicalize(once) == once


def test_repeated_keys_keep_their_order() -> None:
    assert canonicalize("https://e.com/?tag=b&tag=a") == "https://e.com/?tag=b&tag=a"


@pytest.mark.parametrize(
    "bad",
    [
        "ftp://example.com/x",
        "/relative/path",
        "javascript:alert(1)",
        "https://",
        "http://e.com:99999/",
    ],
)
def test_rejects_non_http_urls(bad: str) -> None:
    with pytest.raises(InvalidURL):
        canonicalize(bad)


def test_tracking_params() -> None:
    assert is_tracking_param("utm_content")
    assert is_tracking_param("UTM_Source")
    assert is_tracking_param("CMP")
    assert not is_tracking_param("id")
    assert not is_tracking_param("page")


@pytest.mark.parametrize(
    ("host", "site"),
    [
        ("www.nytimes.com", "nytimes.com"),
        ("edition.cnn.com", "cnn.com"),
        ("www.bbc.co.uk", "bbc.co.uk"),
        ("news.com.au", "news.com.au"),
        ("www.smh.com.au", "smh.com.au"),
        ("localhost", "localhost"),
        ("127.0.0.1", "127.0.0.1"),
    ],
)
def test_registrable_domain(host: str, site: str) -> None:
    assert registrable_domain(host) == site


def test_same_site() -> None:
    assert same_site("https://www.theguardian.com/a", "https://amp.theguardian.com/b")
    assert not same_site("https://www.theguardian.com/a", "https://evil.example/theguardian.com")
    assert not same_site("https://a.co.uk/", "https://b.co.uk/")


def test_overlong_urls_are_refused() -> None:
    from core.errors import InvalidURL
    from ingest.urls import MAX_URL_LENGTH

    with pytest.raises(InvalidURL):
        canonicalize("https://example.com/" + "a" * MAX_URL_LENGTH)
