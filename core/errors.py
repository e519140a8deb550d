"""Parallax's error hierarchy. No HTTP here: the API maps these to problem+json at the edge.

ParallaxError
├── InvalidInput                 the caller's input cannot be used
│   ├── InvalidURL               not an absolute http(s) URL
│   │   └── UnsupportedScheme    a scheme other than http and https (ftp:, file:, javascript:)
│   └── PayloadTooLarge          over a size limit
│       └── ArticleTooLarge      an article's text or passages over their cap
├── FetchError                   a fetch did not yield a usable response
│   ├── RefusedAddress           SSRF guard: a non-public address, or a redirect to another scheme
│   ├── HostNotFound             the URL's host name does not resolve
│   ├── FetchTimeout             connect, read or total deadline exceeded
│   ├── BodyTooLarge             raw or decompressed body over its cap
│   ├── TooManyRedirects         redirect loop or chain longer than allowed
│   ├── RobotsDisallowed         robots.txt forbids the URL
│   ├── HTTPStatusError          a non-success status after retries
│   └── UnsupportedContent       not HTML/XML text
├── NotAnArticle                 the page holds no article text
│   └── ArticleTooShort          the text is shorter than an article can be
├── FeedError                    a feed or sitemap could not be parsed
├── NotFound                     no such stored object
├── NoCoverage                   no same-event coverage found
├── RateLimited                  a caller exceeded its rate limit
├── IndexMismatch                an index on disk does not match the store or the model
├── JobAbandoned                 a job interrupted too often to try again
└── StartupStopped               the server stopped while starting

Every class has a stable `code`: it is the failure reason stored per item and the
suffix of the API's problem type.
"""

from __future__ import annotations


class ParallaxError(Exception):
    code = "error"

    def __init__(self, message: str, **context: object) -> None:
        super().__init__(message)
        self.message = message
        self.context = context

    def __str__(self) -> str:
        return self.message


class InvalidInput(ParallaxError):
    code = "invalid-input"


class InvalidURL(InvalidInput):
    code = "invalid-url"


class UnsupportedScheme(InvalidURL):
    """Same public code as `InvalidURL`; a redirect to such a URL is refused instead."""


class PayloadTooLarge(InvalidInput):
    code = "payload-too-large"


class ArticleTooLarge(PayloadTooLarge):
    code = "too-large"


class FetchError(ParallaxError):
    code = "fetch-failed"

    def __init__(self, message: str, *, url: str, **context: object) -> None:
        super().__init__(message, url=url, **context)
        self.url = url


class RefusedAddress(FetchError):
    code = "refused-address"


class HostNotFound(FetchError):
    code = "host-not-found"


class FetchTimeout(FetchError):
    code = "fetch-timeout"


class BodyTooLarge(FetchError):
    code = "body-too-large"


class TooManyRedirects(FetchError):
    code = "too-many-redirects"


class RobotsDisallowed(FetchError):
    code = "robots-disallowed"


class HTTPStatusError(FetchError):
    code = "http-status"

    def __init__(self, message: str, *, url: str, status: int, **context: object) -> None:
        super().__init__(message, url=url, status=status, **context)
        self.status = status


class UnsupportedContent(FetchError):
    code = "unsupported-content"


class NotAnArticle(ParallaxError):
    code = "not-an-article"


class ArticleTooShort(NotAnArticle):
    code = "too-short"


class FeedError(ParallaxError):
    code = "malformed-feed"


class NotFound(ParallaxError):
    code = "not-found"


class AlreadyExists(ParallaxError):
    code = "already-exists"


class NoCoverage(ParallaxError):
    code = "no-coverage"


class RateLimited(ParallaxError):
    code = "rate-limited"

    def __init__(self, message: str, *, retry_after: float, **context: object) -> None:
        super().__init__(message, retry_after=retry_after, **context)
        self.retry_after = retry_after


class IndexMismatch(ParallaxError):
    code = "index-mismatch"


class JobAbandoned(ParallaxError):
    code = "too-many-attempts"


class StartupStopped(ParallaxError):
    code = "startup-stopped"
