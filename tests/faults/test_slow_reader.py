"""An agent socket that stops reading does not slow delivery to the others.

The stalled agent is a raw TCP client with a tiny receive buffer that completes the
WebSocket handshake and then never reads again, so the server's writes to it back up.
Meanwhile a visitor sends a stream of large messages: the two agents who do read get
every one, in order, promptly.
"""

import asyncio
import base64
import json
import os
import socket
import statistics
import struct
import time

from channels.db import database_sync_to_async

from realtime.client import LiveSocket, http, new_message
from tests.support.auth import session_cookie
from tests.support.factories import AgentFactory, VisitorFactory

MESSAGES = 200
BODY = "x" * 4800  # ~5 KB per frame
SYNCS = 10  # each answered with ~500 KB (answers are bounded to 512 KiB), never read
KERNEL_BUFFERS = 4 * 1024 * 1024 + 64 * 1024  # tcp_wmem max + the stalled receive buffer


def client_frame(payload: dict) -> bytes:
    """One masked text frame, as a browser sends it."""
    data = json.dumps(payload).encode()
    mask = os.urandom(4)
    if len(data) < 126:
        header = struct.pack("!BB", 0x81, 0x80 | len(data))
    else:
        header = struct.pack("!BBH", 0x81, 0x80 | 126, len(data))
    return header + mask + bytes(b ^ mask[i % 4] for i, b in enumerate(data))


def stalled_agent_socket(server, cookie: str) -> socket.socket:
    """Handshake on /ws/agent/, then never read: the receive window closes at once."""
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
    sock.settimeout(10)
    sock.connect(("127.0.0.1", server.port))
    key = base64.b64encode(os.urandom(16)).decode()
    sock.sendall(
        (
            "GET /ws/agent/ HTTP/1.1\r\n"
            f"Host: 127.0.0.1:{server.port}\r\n"
            "Upgrade: websocket\r\nConnection: Upgrade\r\n"
            f"Sec-WebSocket-Key: {key}\r\nSec-WebSocket-Version: 13\r\n"
            f"Origin: {server.origin}\r\nCookie: {cookie}\r\n\r\n"
        ).encode()
    )
    head = b""
    while b"\r\n\r\n" not in head:
        head += sock.recv(1)  # byte by byte: not one byte of the first frame is consumed
    assert head.startswith(b"HTTP/1.1 101"), head
    return sock


async def test_a_stalled_agent_does_not_slow_the_others(make_livestack):
    agents = [
        await database_sync_to_async(AgentFactory)(username=name, first_name=name.title())
        for name in ("alice", "bob", "carol")
    ]
    cookies = [await database_sync_to_async(session_cookie)(a) for a in agents]
    budi = await database_sync_to_async(VisitorFactory)(name="Budi")
    stack = await asyncio.to_thread(
        make_livestack, 1, LIVECHAT_RATE_PER_SECOND="500", LIVECHAT_RATE_BURST="500"
    )
    server = stack.servers[0]

    stalled = await asyncio.to_thread(stalled_agent_socket, server, cookies[2])
    readers = [
        await LiveSocket.agent(server.url, c, name=a.username)
        for a, c in zip(agents[:2], cookies[:2], strict=True)
    ]
    visitor = await LiveSocket.visitor(server.url, budi.token, name="budi")

    async def stream(count: int, first: int) -> None:
        """The visitor sends `count` messages; both readers get each one, in order, fast."""
        sent_at: dict[str, float] = {}
        for i in range(first, first + count):
            started = time.monotonic()
            reply = await visitor.request("send_message", body=f"{i} {BODY}", client_id=f"m{i}")
            sent_at[reply["message"]["id"]] = started
        last = first + count
        for reader in readers:
            await reader.wait_for(
                lambda f: f.get("type") == "new_message" and f["message"]["seq"] == last, timeout=15
            )
            got = [
                (t, f["message"])
                for t, f in reader.frames
                if f.get("type") == "new_message" and f["message"]["id"] in sent_at
            ]
            assert [m["seq"] for _t, m in got] == list(range(first + 1, last + 1)), reader.name
            latencies = [t - sent_at[m["id"]] for t, m in got]
            p50 = statistics.median(latencies)
            assert p50 < 0.3 and max(latencies) < 2.0, (reader.name, p50, max(latencies))

    # The stalled agent gets every broadcast and reads none of it …
    await stream(MESSAGES, 0)
    conversation_id = visitor.of_type("ack")[0]["message"]["conversation_id"]
    # … and asks for far more than the kernel buffers can hold, never reading the answer,
    # so the server must keep the rest itself without holding anyone else up.
    one_sync = await readers[0].request("sync", conversation_id=conversation_id, since_version=0)
    pushed = SYNCS * len(json.dumps(one_sync)) + MESSAGES * len(BODY)
    assert pushed > KERNEL_BUFFERS, pushed
    sync = {"type": "sync", "conversation_id": conversation_id, "since_version": 0}
    await asyncio.to_thread(stalled.sendall, b"".join(client_frame(sync) for _ in range(SYNCS)))
    await stream(60, MESSAGES)

    # Still healthy, still delivering.
    extra = (await visitor.request("send_message", body="after", client_id="after"))["message"]
    for reader in readers:
        await reader.wait_for(new_message(extra["id"]))
    status, body, _elapsed = await asyncio.to_thread(http, "GET", f"{server.url}/healthz")
    assert status == 200, body
    stalled.close()
    for sock in (*readers, visitor):
        await sock.close()
    assert server.running
