"""A minimal HTTP/1.1 keep-alive client for generating load.

The load runs on the same two cores as the server, so the client's own cost lowers every figure.
httpx spent more CPU per request at 32 connections than the server did answering; this client
writes the request line and reads the status, headers and body, a small fraction of that.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
from dataclasses import dataclass
from urllib.parse import urlencode, urlsplit

__all__ = ["Answer", "Connection"]


@dataclass(frozen=True, slots=True)
class Answer:
    status: int
    body: bytes


class Connection:
    """One keep-alive connection; reopened after the server closes it or an error."""

    def __init__(self, base_url: str) -> None:
        parts = urlsplit(base_url)
        self._host = parts.hostname or "127.0.0.1"
        self._port = parts.port or 80
        self._reader: asyncio.StreamReader | None = None
        self._writer: asyncio.StreamWriter | None = None

    async def get(self, path: str, **params: str) -> Answer:
        target = f"{path}?{urlencode(params)}" if params else path
        return await self.request("GET", target)

    async def post_json(self, path: str, payload: object) -> Answer:
        return await self.request("POST", path, json.dumps(payload).encode("utf-8"))

    async def request(self, method: str, target: str, body: bytes | None = None) -> Answer:
        try:
            return await self._exchange(method, target, body)
        except BaseException:
            await self.close()
            raise

    async def close(self) -> None:
        writer, self._reader, self._writer = self._writer, None, None
        if writer is not None:
            writer.close()
            with contextlib.suppress(OSError):
                await writer.wait_closed()

    async def _exchange(self, method: str, target: str, body: bytes | None) -> Answer:
        if self._reader is None or self._writer is None:
            self._reader, self._writer = await asyncio.open_connection(self._host, self._port)
        reader, writer = self._reader, self._writer
        head = f"{method} {target} HTTP/1.1\r\nHost: {self._host}:{self._port}\r\n"
        if body is not None:
            head += f"Content-Type: application/json\r\nContent-Length: {len(body)}\r\n"
        writer.write(head.encode("ascii") + b"\r\n" + (body or b""))
        status_line = await reader.readline()
        if not status_line:
            raise ConnectionResetError("the server closed the connection")
        status = int(status_line.split()[1])
        length, chunked, closing = 0, False, False
        while (line := await reader.readline()) not in (b"\r\n", b""):
            name, _, value = line.partition(b":")
            name = name.strip().lower()
            if name == b"content-length":
                length = int(value)
            elif name == b"transfer-encoding":
                chunked = b"chunked" in value.lower()
            elif name == b"connection":
                closing = value.strip().lower() == b"close"
        content = await (_chunks(reader) if chunked else reader.readexactly(length))
        if closing:
            await self.close()
        return Answer(status, content)


async def _chunks(reader: asyncio.StreamReader) -> bytes:
    parts = []
    while size := int((await reader.readline()).split(b";")[0], 16):
        parts.append(await reader.readexactly(size))
        await reader.readline()
    await reader.readline()
    return b"".join(parts)
