"""Every error the API returns, as RFC 9457 problem+json: the one place errors meet HTTP.

Domain errors (`core.errors`) keep no HTTP; this module gives each `code` a status and a
stable type URI, `PROBLEM_BASE + code`. The edge adds errors of its own: a missing or unknown
API key, a comparison that outran its deadline, a request body over the limit, and load shed
past capacity.
"""

from __future__ import annotations

import logging
import math
from collections.abc import Mapping
from http import HTTPStatus
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from sqlalchemy.exc import OperationalError
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.routing import Route

from core.db.faults import storage_full
from core.errors import (
    AlreadyExists,
    ArticleTooLarge,
    ArticleTooShort,
    FetchError,
    FetchTimeout,
    HostNotFound,
    HTTPStatusError,
    InvalidInput,
    InvalidURL,
    NoCoverage,
    NotAnArticle,
    NotFound,
    ParallaxError,
    PayloadTooLarge,
    RateLimited,
    RefusedAddress,
)

__all__ = [
    "PROBLEM_BASE",
    "PROBLEM_MEDIA_TYPE",
    "DeadlineExceeded",
    "Forbidden",
    "NotReady",
    "Overloaded",
    "ProblemResponse",
    "RequestTooLarge",
    "Unauthorized",
    "install_problem_handlers",
    "overloaded_response",
    "problem_responses",
    "problem_type",
    "too_large_response",
]

log = logging.getLogger(__name__)

PROBLEM_BASE = "https://parallax.example/problems/"
PROBLEM_MEDIA_TYPE = "application/problem+json"
STORE_BUSY_RETRY_AFTER = 2
STORAGE_FULL_RETRY_AFTER = 30
NOT_READY_RETRY_AFTER = 2


class Unauthorized(ParallaxError):
    code = "unauthorized"


class Forbidden(ParallaxError):
    """A valid key that may not do this (adding outlets takes an admin key)."""

    code = "forbidden"


class DeadlineExceeded(ParallaxError):
    """The article is still being ingested; it keeps going and a retry will find it."""

    code = "deadline-exceeded"

    def __init__(self, message: str, *, retry_after: float, **context: object) -> None:
        super().__init__(message, retry_after=retry_after, **context)
        self.retry_after = retry_after


class NotReady(ParallaxError):
    """Startup has not finished (`step` names where it is) or the store does not answer."""

    code = "not-ready"


class Overloaded(ParallaxError):
    """More work is queued than the server takes on; shed rather than queue without end."""

    code = "overloaded"

    def __init__(self, message: str, *, retry_after: float = 1.0, **context: object) -> None:
        super().__init__(message, retry_after=retry_after, **context)
        self.retry_after = retry_after


class RequestTooLarge(StarletteHTTPException):
    """Raised as a body streams in; an HTTPException, which FastAPI's body reader passes on."""

    def __init__(self, limit: int) -> None:
        super().__init__(413, f"the request body is larger than {limit} bytes")
        self.limit = limit


class ProblemResponse(JSONResponse):
    media_type = PROBLEM_MEDIA_TYPE


# (status, title) per code; subclasses not listed fall back to their nearest listed base.
_BY_CODE: dict[str, tuple[int, str]] = {
    "invalid-input": (400, "Invalid input"),
    "invalid-url": (400, "Invalid URL"),
    "payload-too-large": (413, "Payload too large"),
    "too-large": (413, "Article too large"),
    "too-short": (422, "Article too short"),
    "refused-address": (403, "Refused address"),
    "fetch-failed": (502, "Fetch failed"),
    "fetch-timeout": (502, "Fetch timed out"),
    "host-not-found": (502, "Host not found"),
    "not-an-article": (422, "Not an article"),
    "not-found": (404, "Not found"),
    "no-coverage": (404, "No coverage found"),
    "rate-limited": (429, "Rate limited"),
    "unauthorized": (401, "Missing or invalid API key"),
    "forbidden": (403, "Forbidden"),
    "already-exists": (409, "Already exists"),
    "deadline-exceeded": (503, "Comparison deadline exceeded"),
    "not-ready": (503, "Not ready"),
    "overloaded": (503, "Overloaded"),
    "store-busy": (503, "Store busy"),
    "storage-full": (507, "Storage full"),
    "validation": (422, "Invalid request"),
    "malformed-body": (400, "Malformed request body"),
    "method-not-allowed": (405, "Method not allowed"),
    "internal-error": (500, "Internal error"),
}
_BASES: tuple[type[ParallaxError], ...] = (
    ArticleTooLarge,
    ArticleTooShort,
    InvalidURL,
    PayloadTooLarge,
    InvalidInput,
    RefusedAddress,
    FetchTimeout,
    HostNotFound,
    NotAnArticle,
    NoCoverage,
    NotFound,
    RateLimited,
    Unauthorized,
    Forbidden,
    AlreadyExists,
    DeadlineExceeded,
    NotReady,
    Overloaded,
)


def problem_type(code: str) -> str:
    return PROBLEM_BASE + code


def _problem(
    request: Request,
    code: str,
    detail: str,
    *,
    status: int | None = None,
    headers: Mapping[str, str] | None = None,
    **extensions: Any,
) -> ProblemResponse:
    known_status, title = _BY_CODE.get(code, (status or 500, HTTPStatus(status or 500).phrase))
    status = status or known_status
    body: dict[str, Any] = {
        "type": problem_type(code),
        "title": title,
        "status": status,
        "detail": detail,
        "instance": request.url.path,
        **{key: value for key, value in extensions.items() if value is not None},
    }
    return ProblemResponse(body, status_code=status, headers=dict(headers or {}))


def _public_code(error: ParallaxError) -> str:
    if isinstance(error, FetchError) and not isinstance(
        error, RefusedAddress | FetchTimeout | HostNotFound
    ):
        return "fetch-failed"
    for base in _BASES:
        if isinstance(error, base):
            return base.code
    return "internal-error"


def _retry_after(seconds: float) -> str:
    return str(max(1, math.ceil(seconds)))


async def _parallax_error(request: Request, error: Exception) -> ProblemResponse:
    assert isinstance(error, ParallaxError)
    code = _public_code(error)
    headers: dict[str, str] = {}
    extensions: dict[str, Any] = {}
    if isinstance(error, RateLimited | DeadlineExceeded | Overloaded):
        headers["Retry-After"] = _retry_after(error.retry_after)
        extensions["retry_after"] = int(headers["Retry-After"])
    if isinstance(error, Unauthorized):
        headers["WWW-Authenticate"] = 'ApiKey header="X-API-Key"'
    if isinstance(error, FetchError):
        extensions["url"] = error.url
        extensions["reason"] = error.code
    if isinstance(error, ArticleTooLarge | ArticleTooShort):
        extensions["reason"] = error.code
    if isinstance(error, HTTPStatusError):
        extensions["upstream_status"] = error.status
    if isinstance(error, NotReady):
        headers["Retry-After"] = _retry_after(NOT_READY_RETRY_AFTER)
    for key in ("article_id", "article_url", "job_id", "limit", "step", "done", "total"):
        if key in error.context:
            extensions[key] = error.context[key]
    if code == "internal-error":
        log.error("unmapped error %s: %s", error.code, error)
        return _problem(request, code, "the server could not complete the request")
    return _problem(request, code, error.message, headers=headers, **extensions)


def _jsonable_errors(errors: Any) -> list[dict[str, Any]]:
    return [
        {
            "loc": [str(part) for part in item.get("loc", ())],
            "msg": str(item.get("msg", "")),
            "type": str(item.get("type", "")),
        }
        for item in errors
    ]


async def _validation_error(request: Request, error: Exception) -> ProblemResponse:
    assert isinstance(error, RequestValidationError)
    errors = _jsonable_errors(error.errors())
    if any(item["type"] == "json_invalid" for item in errors):
        return _problem(request, "malformed-body", "the body is not valid JSON", errors=errors)
    first = errors[0] if errors else {"loc": [], "msg": "invalid request"}
    where = ".".join(first["loc"])
    return _problem(request, "validation", f"{where}: {first['msg']}", errors=errors)


async def _http_error(request: Request, error: Exception) -> ProblemResponse:
    assert isinstance(error, StarletteHTTPException)
    headers = dict(error.headers or {})
    detail = str(error.detail)
    if error.status_code == 413:
        limit = error.limit if isinstance(error, RequestTooLarge) else None
        return _problem(request, "payload-too-large", detail, headers=headers, limit=limit)
    if error.status_code == 404:
        return _problem(request, "not-found", detail, headers=headers)
    if error.status_code == 405:
        headers["Allow"] = ", ".join(_allowed_methods(request))
        return _problem(request, "method-not-allowed", detail, headers=headers)
    if error.status_code == 400:
        return _problem(request, "malformed-body", detail, headers=headers)
    return _problem(
        request, f"http-{error.status_code}", detail, status=error.status_code, headers=headers
    )


def _allowed_methods(request: Request) -> list[str]:
    # Starlette's own Allow names only the first route on the path; /compare has two.
    methods: set[str] = set()
    for route in request.app.routes:
        if isinstance(route, Route) and route.methods and route.path_regex.match(request.url.path):
            methods |= route.methods
    return sorted(methods)


async def _store_error(request: Request, error: Exception) -> ProblemResponse:
    if storage_full(error):
        return _storage_full(request)
    # SQLite lets one writer in at a time; a write that waited out the busy timeout behind a
    # long one is worth retrying, not a server fault.
    if _is_lock_timeout(error):
        return _retry_later(
            request,
            "store-busy",
            "the store is busy with another write; try again",
            STORE_BUSY_RETRY_AFTER,
        )
    return await _unexpected_error(request, error)


def _retry_later(request: Request, code: str, detail: str, seconds: int) -> ProblemResponse:
    return _problem(
        request,
        code,
        detail,
        headers={"Retry-After": _retry_after(seconds)},
        retry_after=seconds,
    )


def _is_lock_timeout(error: Exception) -> bool:
    message = str(getattr(error, "orig", error)).lower()
    return "database is locked" in message or "database table is locked" in message


async def _os_error(request: Request, error: Exception) -> ProblemResponse:
    if storage_full(error):
        return _storage_full(request)
    return await _unexpected_error(request, error)


def _storage_full(request: Request) -> ProblemResponse:
    # The write's transaction was rolled back: nothing of the request is stored, and the same
    # request succeeds once space is freed.
    log.error("the data directory is full: refused a write on %s", request.url.path)
    return _retry_later(
        request,
        "storage-full",
        "the server's storage is full; nothing was stored, try again later",
        STORAGE_FULL_RETRY_AFTER,
    )


async def _unexpected_error(request: Request, error: Exception) -> ProblemResponse:
    log.exception("unhandled error on %s", request.url.path, exc_info=error)
    return _problem(request, "internal-error", "the server could not complete the request")


def install_problem_handlers(app: FastAPI) -> None:
    app.add_exception_handler(ParallaxError, _parallax_error)
    app.add_exception_handler(RequestValidationError, _validation_error)
    app.add_exception_handler(StarletteHTTPException, _http_error)
    app.add_exception_handler(OperationalError, _store_error)
    app.add_exception_handler(OSError, _os_error)
    app.add_exception_handler(Exception, _unexpected_error)


def overloaded_response(path: str, detail: str, retry_after: int) -> ProblemResponse:
    """The 503 the in-flight limit sends before any route runs."""
    return ProblemResponse(
        {
            "type": problem_type("overloaded"),
            "title": _BY_CODE["overloaded"][1],
            "status": 503,
            "detail": detail,
            "instance": path,
            "retry_after": retry_after,
        },
        status_code=503,
        headers={"Retry-After": str(retry_after)},
    )


def too_large_response(path: str, limit: int) -> ProblemResponse:
    """The 413 the body-limit middleware sends before any route runs."""
    return ProblemResponse(
        {
            "type": problem_type("payload-too-large"),
            "title": _BY_CODE["payload-too-large"][1],
            "status": 413,
            "detail": f"the request body is larger than {limit} bytes",
            "instance": path,
            "limit": limit,
        },
        status_code=413,
    )


_DESCRIPTIONS: dict[int, str] = {
    400: "Invalid URL or malformed body (`invalid-url`, `invalid-input`, `malformed-body`).",
    401: "Missing or unknown API key (`unauthorized`).",
    403: (
        "The URL leads to a refused address (`refused-address`, SSRF guard), or the key may "
        "not do this (`forbidden`)."
    ),
    404: "No such object (`not-found`), or no coverage and none pending (`no-coverage`).",
    409: "It exists already (`already-exists`).",
    413: (
        "The request body is over the limit (`payload-too-large`), or the article is over a "
        "cap of its length or passages (`too-large`)."
    ),
    422: (
        "Invalid parameters (`validation`), or the page holds no article (`not-an-article`, "
        "`too-short`)."
    ),
    429: "Rate limited (`rate-limited`); see Retry-After.",
    502: (
        "The article could not be fetched (`fetch-failed` with a `reason`, `fetch-timeout`, "
        "`host-not-found`)."
    ),
    503: (
        "Still ingesting the article (`deadline-exceeded`), over capacity (`overloaded`), "
        "the store busy with another write (`store-busy`), or not ready; see Retry-After."
    ),
    507: "The server's storage is full (`storage-full`): nothing was stored; see Retry-After.",
}


def problem_responses(*statuses: int) -> dict[int | str, dict[str, Any]]:
    """OpenAPI `responses` entries for the problem statuses a route can answer."""
    return {
        status: {
            "description": _DESCRIPTIONS[status],
            "content": {PROBLEM_MEDIA_TYPE: {"schema": {"$ref": "#/components/schemas/Problem"}}},
        }
        for status in statuses
    }
