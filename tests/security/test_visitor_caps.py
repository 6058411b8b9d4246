"""Caps on what one visitor, or nobody in particular, may hold open (issue 9, finding 4;
PROTOCOL section 5).

The review held 150 sockets with one visitor token and 150 sockets that never
authenticated. Now a token has at most 5 sockets open at once, over every process (the
oldest is closed with 4409), and a process holds at most 200 sockets waiting for `auth`
(more are accepted and closed at once with 4503, "try again"). Widget sessions per address
are in test_brute_force.py.
"""

import asyncio
import contextlib
import json

import pytest
from channels.db import database_sync_to_async
from django.conf import settings as django_settings

from realtime.client import LiveSocket
from tests.support.asgi_sockets import TIMEOUT, Socket, close_all, communicator, visitor_socket
from tests.support.factories import VisitorFactory
from tests.support.live_fixtures import make_livestack  # noqa: F401

pytestmark = pytest.mark.django_db(transaction=True)


async def close_code(sock: Socket, timeout: float = TIMEOUT) -> int:
    while True:
        output = await sock.comm.receive_output(timeout)
        if output["type"] == "websocket.close":
            with contextlib.suppress(TimeoutError):
                await sock.comm.wait(0.1)
            return output["code"]


async def still_open(sock: Socket) -> bool:
    return (await sock.request("ping"))["type"] == "pong"


async def test_a_sixth_socket_of_one_token_closes_the_oldest_with_4409(visitor, other_visitor):
    tabs = [await visitor_socket(visitor) for _ in range(5)]
    other = await visitor_socket(other_visitor)
    for tab in tabs:
        assert await still_open(tab)

    sixth = await visitor_socket(visitor)
    assert await close_code(tabs[0]) == 4409
    seventh = await visitor_socket(visitor)
    assert await close_code(tabs[1]) == 4409
    for sock in (*tabs[2:], sixth, seventh, other):
        assert await still_open(sock)
    await close_all(*tabs[2:], sixth, seventh, other)


async def test_a_closed_socket_frees_its_place(visitor):
    tabs = [await visitor_socket(visitor) for _ in range(5)]
    await tabs[4].close()
    replacement = await visitor_socket(visitor)
    for sock in (*tabs[:4], replacement):
        assert await still_open(sock)
    await close_all(*tabs[:4], replacement)


@pytest.fixture
def three_unauthenticated(settings):
    settings.LIVECHAT = {**django_settings.LIVECHAT, "MAX_UNAUTHENTICATED_SOCKETS": 3}


async def unauthenticated() -> Socket:
    comm = communicator("/ws/visitor/")
    connected, _ = await comm.connect(timeout=TIMEOUT)
    assert connected
    return Socket(comm)


async def test_past_the_unauthenticated_limit_a_socket_is_told_to_try_again(
    three_unauthenticated, visitor
):
    waiting = [await unauthenticated() for _ in range(3)]
    refused = await unauthenticated()
    assert await close_code(refused, timeout=1) == 4503
    # One authenticates: its place is free for the next.
    await waiting[0].send({"type": "auth", "token": visitor.token})
    await waiting[0].next("hello")
    newcomer = await unauthenticated()
    await newcomer.send({"type": "auth", "token": visitor.token})
    assert (await newcomer.next("hello"))["role"] == "visitor"
    # And one that leaves frees its place too.
    await waiting[1].close()
    last = await unauthenticated()
    await last.send(json.dumps({"type": "ping", "request_id": "p"}))
    assert (await last.next())["code"] == "forbidden"  # answered: it was let in
    await close_all(waiting[0], waiting[2], newcomer)


# --- through real processes ---------------------------------------------------------------------


@pytest.mark.live
async def test_a_token_is_capped_over_several_processes(make_livestack):  # noqa: F811
    visitor = await database_sync_to_async(VisitorFactory)()
    stack = await asyncio.to_thread(make_livestack, 2)
    a, b = (server.url for server in stack.servers)
    sockets = []
    for i in range(5):
        sockets.append(await LiveSocket.visitor(a if i % 2 == 0 else b, visitor.token))
    # Longer than PRESENCE_TTL (2 s): only the processes' heartbeats keep the five counted
    # (a socket not seen for that long is taken for one of a dead process, and forgotten).
    await asyncio.sleep(3)
    newest = await LiveSocket.visitor(b, visitor.token)
    assert await sockets[0].wait_closed(5) == 4409
    for sock in (*sockets[1:], newest):
        assert (await sock.request("ping"))["type"] == "pong"
        await sock.close()


@pytest.mark.live
async def test_the_default_limit_of_unauthenticated_sockets_on_a_live_server(secure_server):
    url = f"{secure_server.ws_url}/ws/visitor/"
    waiting = await asyncio.gather(
        *(LiveSocket.connect(url, origin=secure_server.origin) for _ in range(200))
    )
    try:
        extra = await LiveSocket.connect(url, origin=secure_server.origin)
        assert await extra.wait_closed(5) == 4503
    finally:
        await asyncio.gather(*(sock.close() for sock in waiting))
    # Their places are free again.
    visitor = await database_sync_to_async(VisitorFactory)()
    sock = await LiveSocket.visitor(secure_server.url, visitor.token)
    assert (await sock.request("ping"))["type"] == "pong"
    await sock.close()
