"""A small client of the wire protocol over real sockets: `livechat_smoke` and the live tests.

HTTP goes through urllib (an agent's login with CSRF, a widget session), WebSockets through
the `websockets` library. Proxies from the environment are ignored: this talks to the
server directly, as a deployer checking it would.
"""

import asyncio
import contextlib
import http.cookiejar
import itertools
import json
import re
import time
import urllib.error
import urllib.parse
import urllib.request

from websockets.asyncio.client import connect

TIMEOUT = 10.0
_ids = itertools.count(1)


class ProtocolError(Exception):
    """The server answered something else than the contract says."""


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None


def _opener(jar: http.cookiejar.CookieJar):
    return urllib.request.build_opener(
        urllib.request.ProxyHandler({}),
        urllib.request.HTTPCookieProcessor(jar),
        _NoRedirect(),
    )


def ws_base(base_url: str) -> str:
    parts = urllib.parse.urlsplit(base_url)
    scheme = {"http": "ws", "https": "wss"}[parts.scheme]
    return f"{scheme}://{parts.netloc}"


def origin_of(base_url: str) -> str:
    parts = urllib.parse.urlsplit(base_url)
    return f"{parts.scheme}://{parts.netloc}"


def http_login(base_url: str, username: str, password: str) -> str:
    """Log in through the login page (CSRF like a browser); returns the Cookie header."""
    jar = http.cookiejar.CookieJar()
    opener = _opener(jar)
    login_url = f"{base_url.rstrip('/')}/accounts/login/"
    with opener.open(login_url, timeout=TIMEOUT) as response:
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
        with opener.open(request, timeout=TIMEOUT) as response:
            status = response.status
    except urllib.error.HTTPError as exc:  # the redirect we refused to follow
        status = exc.code
    cookies = {c.name: c.value for c in jar}
    if status not in (301, 302, 303) or "sessionid" not in cookies:
        raise ProtocolError(f"login as {username!r} failed (HTTP {status})")
    return "; ".join(f"{name}={value}" for name, value in cookies.items())


def widget_session(base_url: str, *, name: str = "", origin: str | None = None) -> dict:
    """`POST /api/v1/widget/session/`: `{"visitor": {...}, "token": "..."}`."""
    request = urllib.request.Request(  # noqa: S310
        f"{base_url.rstrip('/')}/api/v1/widget/session/",
        data=json.dumps({"name": name}).encode(),
        headers={"Content-Type": "application/json", "Origin": origin or origin_of(base_url)},
    )
    with _opener(http.cookiejar.CookieJar()).open(request, timeout=TIMEOUT) as response:
        if response.status != 201:
            raise ProtocolError(f"widget session: HTTP {response.status}")
        return json.loads(response.read())


class LiveSocket:
    """One WebSocket; broadcasts wait in `inbox` until a test or check asks for them."""

    def __init__(self, ws):
        self.ws = ws
        self.inbox: list[dict] = []
        self.done = False  # the connection is over (closed by either side, or lost)
        self._arrived = asyncio.Event()
        self._reader = asyncio.create_task(self._read())
        self.hello: dict | None = None

    @classmethod
    async def open(cls, url: str, *, origin: str, cookie: str | None = None) -> "LiveSocket":
        headers = {"Cookie": cookie} if cookie else None
        ws = await connect(
            url, origin=origin, additional_headers=headers, proxy=None, open_timeout=TIMEOUT
        )
        return cls(ws)

    @classmethod
    async def agent(cls, base_url: str, cookie: str) -> "LiveSocket":
        sock = await cls.open(
            f"{ws_base(base_url)}/ws/agent/", origin=origin_of(base_url), cookie=cookie
        )
        sock.hello = await sock.expect("hello")
        return sock

    @classmethod
    async def visitor(cls, base_url: str, token: str, *, origin: str | None = None) -> "LiveSocket":
        sock = await cls.open(
            f"{ws_base(base_url)}/ws/visitor/", origin=origin or origin_of(base_url)
        )
        await sock.send({"type": "auth", "token": token})
        sock.hello = await sock.expect("hello")
        return sock

    @property
    def close_code(self) -> int | None:
        return self.ws.close_code

    async def _read(self) -> None:
        try:
            async for raw in self.ws:
                self.inbox.append(json.loads(raw))
                self._arrived.set()
        except Exception:  # noqa: S110 - a lost connection ends the read like a close
            pass
        finally:
            self.done = True
            self._arrived.set()

    async def send(self, frame: dict) -> None:
        await self.ws.send(json.dumps(frame))

    async def call(self, type_: str, *, timeout: float = TIMEOUT, **fields) -> dict:
        """Send with a fresh request_id; return the ack, error or pong that answers it."""
        rid = f"q{next(_ids)}"
        await self.send({"type": type_, "request_id": rid, **fields})
        return await self.expect(where=lambda f: f.get("request_id") == rid, timeout=timeout)

    async def request(self, type_: str, *, timeout: float = TIMEOUT, **fields) -> dict:
        reply = await self.call(type_, timeout=timeout, **fields)
        if reply.get("type") == "error":
            raise ProtocolError(f"{type_}: {reply.get('code')}: {reply.get('message')}")
        return reply

    async def expect(
        self, type_: str | None = None, *, where=None, timeout: float = TIMEOUT
    ) -> dict:
        """The first frame (of `type_`, matching `where`), waiting up to `timeout`."""
        deadline = time.monotonic() + timeout
        while True:
            for i, frame in enumerate(self.inbox):
                if (type_ is None or frame.get("type") == type_) and (
                    where is None or where(frame)
                ):
                    return self.inbox.pop(i)
            if self.done:
                raise ProtocolError(f"socket closed ({self.close_code}) waiting for {type_}")
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                seen = ", ".join(str(f.get("type")) for f in self.inbox) or "nothing"
                raise ProtocolError(f"no {type_ or 'matching'} frame within {timeout}s ({seen})")
            self._arrived.clear()
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._arrived.wait(), remaining)

    async def none_of(self, *types: str, wait: float = 0.3) -> None:
        await asyncio.sleep(wait)
        seen = [f for f in self.inbox if f.get("type") in types]
        if seen:
            raise ProtocolError(f"unexpected frames: {seen}")

    async def wait_closed(self, timeout: float = TIMEOUT) -> int | None:
        await asyncio.wait_for(asyncio.shield(self._reader), timeout)
        return self.close_code

    async def close(self) -> None:
        with contextlib.suppress(Exception):
            await self.ws.close()
        self._reader.cancel()
        with contextlib.suppress(BaseException):
            await self._reader
