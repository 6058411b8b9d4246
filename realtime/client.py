"""The one client of the wire protocol over real sockets: `livechat_smoke`, the live, fault
and security tests, and the load generator (bench/load.py).

HTTP goes through urllib (an agent's login with CSRF, a widget session, `http()` for JSON),
WebSockets through the `websockets` library. Proxies from the environment are ignored: this
talks to the server directly, as a deployer checking it would.

A `LiveSocket` reads in the background and timestamps every frame on arrival, so callers
can measure delivery and wait for broadcasts while they send. It keeps what it receives
twice: `frames`, the whole history with receive times (`wait_for`, `messages()`), and
`inbox`, the frames nobody has taken yet (`expect`, `call`). The load generator keeps its
own books: it passes `on_frame` and `record=False`, and the socket then keeps nothing.
"""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import json
import re
import time
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Callable
from http.cookiejar import CookieJar

from websockets.asyncio.client import ClientConnection, connect

TIMEOUT = 10.0
_request_ids = itertools.count(1)


class ProtocolError(Exception):
    """The server answered something else than the contract says."""


class Closed(ProtocolError):
    """The socket closed while a frame was awaited (the message has the close code)."""


# --- HTTP -------------------------------------------------------------------------------------


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None


def _opener(jar: CookieJar | None = None, *, follow_redirects: bool = False):
    handlers: list = [urllib.request.ProxyHandler({})]
    if jar is not None:
        handlers.append(urllib.request.HTTPCookieProcessor(jar))
    if not follow_redirects:
        handlers.append(_NoRedirect())
    return urllib.request.build_opener(*handlers)


def ws_base(base_url: str) -> str:
    parts = urllib.parse.urlsplit(base_url)
    scheme = {"http": "ws", "https": "wss"}[parts.scheme]
    return f"{scheme}://{parts.netloc}"


def origin_of(base_url: str) -> str:
    parts = urllib.parse.urlsplit(base_url)
    return f"{parts.scheme}://{parts.netloc}"


def http(
    method: str,
    url: str,
    *,
    body: dict | None = None,
    headers: dict | None = None,
    timeout: float = TIMEOUT,
    follow_redirects: bool = True,
) -> tuple[int, dict | str, float]:
    """`(status, JSON or text, seconds taken)`; never raises for an HTTP error status."""
    data = None if body is None else json.dumps(body).encode()
    request = urllib.request.Request(url, data=data, method=method)  # noqa: S310
    request.add_header("Accept", "application/json")
    if data is not None:
        request.add_header("Content-Type", "application/json")
    for key, value in (headers or {}).items():
        request.add_header(key, value)
    started = time.monotonic()
    try:
        with _opener(follow_redirects=follow_redirects).open(request, timeout=timeout) as response:
            status, raw = response.status, response.read()
    except urllib.error.HTTPError as exc:
        status, raw = exc.code, exc.read()
    elapsed = time.monotonic() - started
    try:
        return status, json.loads(raw or b"null"), elapsed
    except ValueError:
        return status, raw.decode(errors="replace"), elapsed


def http_login(base_url: str, username: str, password: str, *, timeout: float = TIMEOUT) -> str:
    """Log in through the login page (CSRF like a browser); returns the Cookie header."""
    jar = CookieJar()
    opener = _opener(jar)
    login_url = f"{base_url.rstrip('/')}/accounts/login/"
    with opener.open(login_url, timeout=timeout) as response:
        page = response.read().decode("utf-8", "replace")
    match = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page)
    if match is None:
        raise ProtocolError("the login page has no CSRF token")
    form = urllib.parse.urlencode(
        {"username": username, "password": password, "csrfmiddlewaretoken": match.group(1)}
    ).encode()
    request = urllib.request.Request(  # noqa: S310 - the deployer's own server
        login_url, data=form, headers={"Referer": login_url, "Origin": origin_of(base_url)}
    )
    try:
        with opener.open(request, timeout=timeout) as response:
            status = response.status
    except urllib.error.HTTPError as exc:  # the redirect we refused to follow
        status = exc.code
    cookies = {c.name: c.value for c in jar}
    if status not in (301, 302, 303) or "sessionid" not in cookies:
        raise ProtocolError(f"login as {username!r} failed (HTTP {status})")
    return "; ".join(f"{name}={value}" for name, value in cookies.items())


def widget_session(
    base_url: str, *, name: str = "", origin: str | None = None, timeout: float = TIMEOUT
) -> dict:
    """`POST /api/v1/widget/session/`: `{"visitor": {...}, "token": "..."}`."""
    status, body, _elapsed = http(
        "POST",
        f"{base_url.rstrip('/')}/api/v1/widget/session/",
        body={"name": name},
        headers={"Origin": origin or origin_of(base_url)},
        timeout=timeout,
    )
    if status != 201 or not isinstance(body, dict):
        raise ProtocolError(f"widget session: HTTP {status}")
    return body


# --- WebSocket --------------------------------------------------------------------------------


def new_message(message_id: str) -> Callable[[dict], bool]:
    """A predicate for `wait_for`: the `new_message` broadcast of this message."""
    return lambda f: f.get("type") == "new_message" and f["message"]["id"] == message_id


class LiveSocket:
    """One WebSocket and its background reader (see the module docstring)."""

    def __init__(
        self,
        ws: ClientConnection,
        *,
        name: str = "",
        on_frame: Callable[[float, dict], None] | None = None,
    ):
        self.ws = ws
        self.name = name or "socket"
        self.on_frame = on_frame  # called with (monotonic receive time, frame) for each frame
        self.record = True  # keep frames in `frames` and `inbox`
        self.frames: list[tuple[float, dict]] = []
        self.inbox: list[dict] = []
        self.hello: dict | None = None
        self.close_code: int | None = None  # set once the reader has seen the end
        self._arrived = asyncio.Event()
        self._reader = asyncio.create_task(self._read())

    @classmethod
    async def connect(
        cls,
        url: str,
        *,
        origin: str | None,
        cookie: str | None = None,
        name: str = "",
        on_frame: Callable[[float, dict], None] | None = None,
        open_timeout: float = TIMEOUT,
        **options,
    ) -> LiveSocket:
        """Open `url` (a refused handshake raises `websockets.InvalidStatus`); `options`
        go to `websockets.connect` (e.g. `max_queue`, `ping_interval`)."""
        ws = await connect(
            url,
            origin=origin,
            additional_headers={"Cookie": cookie} if cookie else None,
            proxy=None,
            open_timeout=open_timeout,
            compression=None,  # daphne does not negotiate permessage-deflate
            **options,
        )
        return cls(ws, name=name, on_frame=on_frame)

    @classmethod
    async def agent(
        cls,
        base_url: str,
        cookie: str,
        *,
        name: str = "agent",
        timeout: float = TIMEOUT,
        record: bool = True,
        **options,
    ) -> LiveSocket:
        """`/ws/agent/` with a session cookie, once the `hello` has come (within `timeout`)."""
        sock = await cls.connect(
            f"{ws_base(base_url)}/ws/agent/",
            origin=origin_of(base_url),
            cookie=cookie,
            name=name,
            **options,
        )
        return await sock._greeted(timeout, record)

    @classmethod
    async def visitor(
        cls,
        base_url: str,
        token: str,
        *,
        origin: str | None = None,
        name: str = "visitor",
        timeout: float = TIMEOUT,
        record: bool = True,
        **options,
    ) -> LiveSocket:
        """`/ws/visitor/`, authenticated by the first frame as the widget does, once the
        `hello` has come."""
        sock = await cls.connect(
            f"{ws_base(base_url)}/ws/visitor/",
            origin=origin or origin_of(base_url),
            name=name,
            **options,
        )
        await sock.send({"type": "auth", "token": token})
        return await sock._greeted(timeout, record)

    async def _greeted(self, timeout: float, record: bool) -> LiveSocket:
        try:
            self.hello = await self.expect("hello", timeout=timeout)
        except BaseException:
            await self.close()
            raise
        if not record:  # from here on only `on_frame` sees frames
            self.record = False
            self.frames.clear()
            self.inbox.clear()
        return self

    @property
    def open(self) -> bool:
        """Until the reader has seen the end (every frame before it has been read)."""
        return self.close_code is None

    async def _read(self) -> None:
        try:
            async for raw in self.ws:
                t = time.monotonic()
                frame = json.loads(raw)
                if self.on_frame is not None:
                    self.on_frame(t, frame)
                if self.record:
                    self.frames.append((t, frame))
                    self.inbox.append(frame)
                    self._arrived.set()
        except Exception:  # noqa: S110 - a lost connection ends the read like a close
            pass
        finally:
            code = self.ws.close_code
            self.close_code = 1006 if code is None else code
            self._arrived.set()

    async def send(self, frame: dict | str | bytes) -> None:
        """A frame as JSON, or raw text / bytes as given (even invalid JSON)."""
        await self.ws.send(json.dumps(frame) if isinstance(frame, dict) else frame)

    async def call(self, type_: str, *, timeout: float = TIMEOUT, **fields) -> dict:
        """Send with a fresh request_id; return the ack, error or pong that answers it."""
        rid = f"r{next(_request_ids)}"
        try:
            await self.send({"type": type_, "request_id": rid, **fields})
        except Exception as exc:  # the connection is gone
            raise Closed(f"{self.name} closed ({exc}) before sending {type_}") from None
        return await self.expect(where=lambda f: f.get("request_id") == rid, timeout=timeout)

    async def request(self, type_: str, *, timeout: float = TIMEOUT, **fields) -> dict:
        """`call`, and the reply must be an ack (or a pong): an error raises ProtocolError."""
        reply = await self.call(type_, timeout=timeout, **fields)
        if reply.get("type") == "error":
            code, message = reply.get("code"), reply.get("message")
            raise ProtocolError(f"{self.name}: {type_}: {code}: {message}")
        return reply

    async def expect(
        self,
        type_: str | None = None,
        *,
        where: Callable[[dict], bool] | None = None,
        timeout: float = TIMEOUT,
    ) -> dict:
        """Take the oldest frame not taken yet (of `type_`, matching `where`), waiting up to
        `timeout`: each frame is taken once, so two `expect`s see two frames."""

        def take() -> dict | None:
            for i, frame in enumerate(self.inbox):
                if (type_ is None or frame.get("type") == type_) and (
                    where is None or where(frame)
                ):
                    return self.inbox.pop(i)
            return None

        return await self._wait(take, type_ or "matching", timeout)

    async def wait_for(self, predicate: Callable[[dict], bool], timeout: float = TIMEOUT) -> dict:
        """The first frame ever received that matches, taken or not, waiting up to `timeout`."""
        checked = 0

        def find() -> dict | None:
            nonlocal checked
            for _t, frame in self.frames[checked:]:
                if predicate(frame):
                    return frame
            checked = len(self.frames)
            return None

        return await self._wait(find, "matching", timeout)

    async def _wait(self, find: Callable[[], dict | None], what: str, timeout: float) -> dict:
        deadline = time.monotonic() + timeout
        while True:
            frame = find()
            if frame is not None:
                return frame
            if not self.open:
                raise Closed(f"{self.name} closed ({self.close_code}) waiting for {what} frame")
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                seen = ", ".join(str(f.get("type")) for f in self.inbox[-20:]) or "nothing"
                raise TimeoutError(
                    f"{self.name}: no {what} frame within {timeout}s (not taken: {seen})"
                )
            self._arrived.clear()
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._arrived.wait(), remaining)

    async def none_of(self, *types: str, wait: float = 0.3) -> None:
        """After `wait` seconds, no frame of these types is waiting to be taken."""
        await asyncio.sleep(wait)
        seen = [f for f in self.inbox if f.get("type") in types]
        if seen:
            raise ProtocolError(f"{self.name}: unexpected frames: {seen}")

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

    async def wait_closed(self, timeout: float = TIMEOUT) -> int | None:
        await asyncio.wait_for(asyncio.shield(self._reader), timeout)
        return self.close_code

    async def close(self) -> None:
        with contextlib.suppress(Exception):
            await self.ws.close()
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(asyncio.shield(self._reader), 5)
        if not self._reader.done():
            self._reader.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._reader
