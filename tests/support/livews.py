"""Clients for live servers (tests/support/livestack.py): real sockets (`websockets`).

A `LiveSocket` reads in the background and timestamps every frame, so tests can measure
delivery and wait for broadcasts while they send. Each client frame with a `request_id`
gets its answer through `request()`. Agents log in with a session cookie made in the test
database (`session_cookie`), visitors with their token in the first frame, as the widget does.
"""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import json
import time
import urllib.error
import urllib.request
from collections.abc import Callable

import websockets
from websockets.asyncio.client import ClientConnection, connect

TIMEOUT = 10.0
_rids = itertools.count(1)


def session_cookie(user) -> str:
    """`sessionid=…` of a fresh session of `user`, committed in the (test) database."""
    from django.conf import settings
    from django.test import Client

    client = Client()
    client.force_login(user)
    return f"{settings.SESSION_COOKIE_NAME}={client.cookies[settings.SESSION_COOKIE_NAME].value}"


def new_message(message_id: str):
    """A predicate for `wait_for`: the `new_message` broadcast of this message."""
    return lambda f: f.get("type") == "new_message" and f["message"]["id"] == message_id


class Closed(Exception):
    """The socket closed while a reply was awaited."""


class LiveSocket:
    def __init__(self, ws: ClientConnection, *, name: str = ""):
        self.ws = ws
        self.name = name
        self.frames: list[tuple[float, dict]] = []  # (monotonic receive time, frame)
        self.hello: dict | None = None
        self.close_code: int | None = None
        self._changed = asyncio.Event()
        self._reader = asyncio.create_task(self._read())

    async def _read(self) -> None:
        try:
            async for raw in self.ws:
                self.frames.append((time.monotonic(), json.loads(raw)))
                self._changed.set()
        except websockets.ConnectionClosed:
            pass
        finally:
            self.close_code = self.ws.close_code if self.ws.close_code is not None else 1006
            self._changed.set()

    @property
    def open(self) -> bool:
        return self.close_code is None

    async def wait_for(self, predicate: Callable[[dict], bool], timeout: float = TIMEOUT) -> dict:
        """The first frame (already received or arriving) that matches."""
        deadline = time.monotonic() + timeout
        seen = 0
        while True:
            for _t, frame in self.frames[seen:]:
                if predicate(frame):
                    return frame
            seen = len(self.frames)
            if not self.open:
                raise Closed(f"{self.name} closed ({self.close_code}) while waiting")
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                raise TimeoutError(f"{self.name}: no matching frame within {timeout}s")
            self._changed.clear()
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._changed.wait(), remaining)

    async def send(self, frame: dict | str | bytes) -> None:
        await self.ws.send(json.dumps(frame) if isinstance(frame, dict) else frame)

    async def request(self, type_: str, *, timeout: float = TIMEOUT, **fields) -> dict:
        rid = f"r{next(_rids)}"
        try:
            await self.send({"type": type_, "request_id": rid, **fields})
        except websockets.ConnectionClosed as exc:
            raise Closed(f"{self.name} closed ({exc}) before sending") from None
        return await self.wait_for(lambda f: f.get("request_id") == rid, timeout)

    async def ok(self, type_: str, **fields) -> dict:
        reply = await self.request(type_, **fields)
        assert reply["type"] == "ack", (self.name, reply)
        return reply

    def of_type(self, type_: str) -> list[dict]:
        return [f for _t, f in self.frames if f.get("type") == type_]

    def messages(self) -> dict[str, dict]:
        """Every Message this socket has seen, by id (the latest version of each wins)."""
        seen: dict[str, dict] = {}
        for _t, frame in self.frames:
            candidates = []
            if frame.get("type") in ("new_message", "message:updated", "message:deleted"):
                candidates.append(frame["message"])
            elif frame.get("type") == "ack":
                if isinstance(frame.get("message"), dict):
                    candidates.append(frame["message"])
                candidates += frame.get("messages") or []
            for message in candidates:
                old = seen.get(message["id"])
                if old is None or old["version"] <= message["version"]:
                    seen[message["id"]] = message
        return seen

    async def close(self) -> None:
        await self.ws.close()
        await asyncio.wait_for(asyncio.shield(self._reader), 5)


async def open_socket(
    url: str,
    *,
    origin: str,
    cookie: str | None = None,
    name: str = "",
    open_timeout: float = TIMEOUT,
    **kwargs,
) -> LiveSocket:
    headers = {"Cookie": cookie} if cookie else None
    ws = await connect(
        url,
        origin=origin,
        additional_headers=headers,
        proxy=None,
        open_timeout=open_timeout,
        compression=None,
        **kwargs,
    )
    return LiveSocket(ws, name=name)


async def agent_socket(server, cookie: str, *, name: str = "agent", **kwargs) -> LiveSocket:
    sock = await open_socket(
        f"{server.ws_url}/ws/agent/", origin=server.origin, cookie=cookie, name=name, **kwargs
    )
    sock.hello = await sock.wait_for(lambda f: f.get("type") == "hello")
    return sock


async def visitor_socket(server, token: str, *, name: str = "visitor", **kwargs) -> LiveSocket:
    sock = await open_socket(
        f"{server.ws_url}/ws/visitor/", origin=server.origin, name=name, **kwargs
    )
    await sock.send({"type": "auth", "token": token})
    sock.hello = await sock.wait_for(lambda f: f.get("type") == "hello")
    return sock


def http(
    method: str,
    url: str,
    *,
    body: dict | None = None,
    headers: dict | None = None,
    timeout: float = TIMEOUT,
) -> tuple[int, dict | str, float]:
    """`(status, JSON or text, seconds taken)`; never raises for an HTTP error status."""
    data = None if body is None else json.dumps(body).encode()
    request = urllib.request.Request(url, data=data, method=method)
    request.add_header("Accept", "application/json")
    if data is not None:
        request.add_header("Content-Type", "application/json")
    for key, value in (headers or {}).items():
        request.add_header(key, value)
    opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))
    started = time.monotonic()
    try:
        with opener.open(request, timeout=timeout) as response:
            status, raw = response.status, response.read()
    except urllib.error.HTTPError as exc:
        status, raw = exc.code, exc.read()
    elapsed = time.monotonic() - started
    try:
        return status, json.loads(raw or b"null"), elapsed
    except ValueError:
        return status, raw.decode(errors="replace"), elapsed
