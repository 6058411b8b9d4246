"""In-process sockets: channels' `WebsocketCommunicator` against the full ASGI application
(routing, origin checks, sessions) with no server and no real socket. Real sockets against
real daphne processes go through `realtime.client.LiveSocket`."""

import itertools
import json

from channels.db import database_sync_to_async
from channels.testing import WebsocketCommunicator

from livechat.asgi import application
from tests.support.auth import session_cookie as live_session_cookie

ORIGIN = "http://127.0.0.1"
HOST = "127.0.0.1"  # the Host header of the server the pages (ORIGIN) came from
TIMEOUT = 5
_request_ids = itertools.count(1)


session_cookie = database_sync_to_async(live_session_cookie)


def communicator(
    path: str,
    *,
    origin: str | None = ORIGIN,
    cookie: str | None = None,
    host: str | None = HOST,
    headers: list[tuple[bytes, bytes]] | None = None,
):
    headers = list(headers or [])
    if host is not None:
        headers.append((b"host", host.encode()))
    if origin is not None:
        headers.append((b"origin", origin.encode()))
    if cookie is not None:
        headers.append((b"cookie", cookie.encode()))
    return WebsocketCommunicator(application, path, headers=headers)


class Socket:
    """A connected test socket that keeps broadcasts aside while waiting for replies."""

    def __init__(self, comm: WebsocketCommunicator):
        self.comm = comm
        self.inbox: list[dict] = []
        self.hello: dict | None = None

    async def send(self, frame) -> None:
        if isinstance(frame, dict):
            await self.comm.send_json_to(frame)
        else:  # raw text, even an empty frame
            await self.comm.send_input({"type": "websocket.receive", "text": frame})

    async def _read(self, timeout: float) -> dict:
        return json.loads(await self.comm.receive_from(timeout=timeout))

    async def request(self, type_: str, **fields) -> dict:
        """Send a frame with a fresh request_id; return its ack / error / pong."""
        rid = f"r{next(_request_ids)}"
        await self.send({"type": type_, "request_id": rid, **fields})
        return await self.reply(rid)

    async def reply(self, rid: str, timeout: float = TIMEOUT) -> dict:
        for i, frame in enumerate(self.inbox):
            if frame.get("request_id") == rid:
                return self.inbox.pop(i)
        while True:
            frame = await self._read(timeout)
            if frame.get("request_id") == rid:
                return frame
            self.inbox.append(frame)

    async def ok(self, type_: str, **fields) -> dict:
        reply = await self.request(type_, **fields)
        assert reply["type"] == "ack", reply
        return reply

    async def error(self, type_: str, **fields) -> dict:
        reply = await self.request(type_, **fields)
        assert reply["type"] == "error", reply
        return reply

    async def next(self, type_: str | None = None, timeout: float = TIMEOUT) -> dict:
        """The next frame (of `type_`); frames of other types stay in the inbox."""
        for i, frame in enumerate(self.inbox):
            if type_ is None or frame.get("type") == type_:
                return self.inbox.pop(i)
        while True:
            frame = await self._read(timeout)
            if type_ is None or frame.get("type") == type_:
                return frame
            self.inbox.append(frame)

    async def silent(self, timeout: float = 0.3) -> None:
        """Nothing arrived and nothing arrives within `timeout`."""
        assert not self.inbox, self.inbox
        assert await self.comm.receive_nothing(timeout=timeout), await self._read(1)

    async def none_of(self, *types: str, timeout: float = 0.3) -> None:
        """No frame of these types arrived (others are kept)."""
        while not await self.comm.receive_nothing(timeout=timeout):
            self.inbox.append(await self._read(1))
        assert not [f for f in self.inbox if f.get("type") in types], self.inbox

    def drain(self) -> list[dict]:
        frames, self.inbox = self.inbox, []
        return frames

    async def settle(self, quiet: float = 0.15) -> list[dict]:
        """Wait until nothing has arrived for `quiet` seconds; return and forget it all."""
        while not await self.comm.receive_nothing(timeout=quiet):
            self.inbox.append(await self._read(1))
        return self.drain()

    async def close(self) -> None:
        await self.comm.disconnect()


async def agent_socket(user, *, origin: str = ORIGIN) -> Socket:
    comm = communicator("/ws/agent/", origin=origin, cookie=await session_cookie(user))
    connected, _ = await comm.connect(timeout=TIMEOUT)
    assert connected, "agent handshake refused"
    sock = Socket(comm)
    sock.hello = await sock.next("hello")
    return sock


async def visitor_socket(visitor, *, origin: str = ORIGIN) -> Socket:
    comm = communicator("/ws/visitor/", origin=origin)
    connected, _ = await comm.connect(timeout=TIMEOUT)
    assert connected, "visitor handshake refused"
    sock = Socket(comm)
    await sock.send({"type": "auth", "token": visitor.token})
    sock.hello = await sock.next("hello")
    sock.availability = await sock.next("agents:availability")
    return sock


async def close_all(*sockets) -> None:
    for sock in sockets:
        if sock is not None:
            await sock.close()
