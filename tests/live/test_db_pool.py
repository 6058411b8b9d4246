"""Sockets give their database connection back after every call: a small pool suffices."""

import asyncio

import pytest

from realtime.client import LiveSocket
from tests.support.auth import session_cookie

pytestmark = [pytest.mark.live, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def cookies(alice):
    return [session_cookie(alice) for _ in range(6)]


async def test_six_idle_sockets_do_not_hold_a_pool_of_two(make_livestack, cookies, conversation):
    stack = await asyncio.to_thread(
        make_livestack, 1, DB_POOL_MIN="1", DB_POOL_MAX="2", DB_POOL_TIMEOUT="3"
    )
    url = stack.servers[0].url
    socks = []
    try:
        for cookie in cookies:
            sock = await LiveSocket.agent(url, cookie)  # the handshake reads the database
            socks.append(sock)
            await sock.request("sync", conversation_id=str(conversation.pk), since_version=0)
            await sock.request("send_message", conversation_id=str(conversation.pk), body="hi")
        # Every socket now sits idle after its calls; a leaked connection would time out here.
        ack = await socks[0].request(
            "send_message", conversation_id=str(conversation.pk), body="still fine", timeout=5
        )
        assert ack["message"]["seq"] == 2 + len(cookies)
    finally:
        for sock in socks:
            await sock.close()
