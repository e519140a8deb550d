"""Routes whose common requests skip FastAPI's parameter and dependency solving.

Solving a route's parameters and dependencies costs a cached /compare more than the rest of its
work (docs/deploy.md). A plain handler reads a well-formed request itself and calls the same
dependency functions and the same endpoint; a request it does not recognise it declines (None),
and FastAPI answers it from the route's declared signature, validation errors and all.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Coroutine
from typing import Any

from fastapi import Request, Response
from fastapi.routing import APIRoute

__all__ = ["PlainHandler", "plain_route"]

PlainHandler = Callable[[Request], Awaitable[Response | None]]


def plain_route(plain: PlainHandler) -> type[APIRoute]:
    """A route class that offers each request to `plain` before FastAPI's own handler."""

    class PlainFirstRoute(APIRoute):
        def get_route_handler(self) -> Callable[[Request], Coroutine[Any, Any, Response]]:
            declared = super().get_route_handler()

            async def handler(request: Request) -> Response:
                answer = await plain(request)
                return answer if answer is not None else await declared(request)

            return handler

    return PlainFirstRoute
