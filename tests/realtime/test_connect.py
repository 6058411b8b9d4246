"""Handshakes: who may connect, what `hello` says, and every refusal."""

import json

import pytest
from channels.db import database_sync_to_async

from tests.support.asgi_sockets import (
    TIMEOUT,
    Socket,
    agent_socket,
    close_all,
    communicator,
    session_cookie,
    visitor_socket,
)

pytestmark = pytest.mark.django_db(transaction=True)


async def refused(comm) -> bool:
    connected, _code = await comm.connect(timeout=TIMEOUT)
    await comm.disconnect()
    return not connected


async def test_agent_gets_hello_with_its_user_and_presence(alice):
    sock = await agent_socket(alice)
    try:
        assert sock.hello["type"] == "hello"
        assert sock.hello["role"] == "agent"
        assert sock.hello["user"] == {"id": str(alice.pk), "name": "Alice Anders"}
        assert {"agent": {"id": str(alice.pk), "name": "Alice Anders"}, "status": "online"} in (
            sock.hello["presence"]
        )
        assert "request_id" not in sock.hello
    finally:
        await close_all(sock)


async def test_supervisor_is_an_agent(supervisor):
    sock = await agent_socket(supervisor)
    await close_all(sock)


async def test_anonymous_agent_socket_is_refused(db):
    assert await refused(communicator("/ws/agent/"))


async def test_non_agent_user_is_refused(stranger):
    assert await refused(communicator("/ws/agent/", cookie=await session_cookie(stranger)))


@pytest.mark.parametrize("origin", ["https://evil.example", "null", None])
async def test_agent_socket_from_foreign_or_missing_origin_is_refused(alice, origin):
    cookie = await session_cookie(alice)
    assert await refused(communicator("/ws/agent/", origin=origin, cookie=cookie))


async def test_agent_handshake_refusal_is_http_403(db):
    comm = communicator("/ws/agent/")
    await comm.send_input({"type": "websocket.connect"})
    assert await comm.receive_output(TIMEOUT) == {"type": "websocket.close"}
    await comm.wait()


async def test_unknown_websocket_path_is_refused(db):
    assert await refused(communicator("/ws/nope/"))


@pytest.mark.parametrize("origin", ["https://evil.example", "null", None])
async def test_visitor_socket_from_foreign_or_missing_origin_is_refused(db, origin):
    assert await refused(communicator("/ws/visitor/", origin=origin))


async def test_visitor_socket_from_a_widget_origin_is_allowed(settings, visitor):
    settings.WIDGET_ALLOWED_ORIGINS = ["https://shop.example"]
    sock = await visitor_socket(visitor, origin="https://shop.example")
    await close_all(sock)
    assert await refused(communicator("/ws/visitor/", origin="https://other.example"))


async def test_star_allows_any_origin_but_not_a_missing_one(settings, visitor):
    settings.WIDGET_ALLOWED_ORIGINS = ["*"]
    sock = await visitor_socket(visitor, origin="https://anything.example")
    await close_all(sock)
    assert await refused(communicator("/ws/visitor/", origin=None))


async def test_visitor_hello_before_the_first_message(visitor):
    sock = await visitor_socket(visitor)
    try:
        assert sock.hello == {
            "type": "hello",
            "role": "visitor",
            "visitor": {"id": str(visitor.pk), "name": "Budi", "email": "budi@example.com"},
            "conversation": None,
        }
        assert sock.availability == {"type": "agents:availability", "online": False}
    finally:
        await close_all(sock)


async def test_visitor_hello_carries_its_conversation(conversation, visitor):
    sock = await visitor_socket(visitor)
    try:
        conv = sock.hello["conversation"]
        assert conv["id"] == str(conversation.pk)
        assert conv["status"] == "open"
        assert conv["last_message"]["body"] == "Hello, is anyone there?"
        assert conv["last_seq"] == 1
    finally:
        await close_all(sock)


async def test_visitor_availability_reflects_online_agents(alice, visitor):
    agent = await agent_socket(alice)
    sock = await visitor_socket(visitor)
    try:
        assert sock.availability == {"type": "agents:availability", "online": True}
    finally:
        await close_all(sock, agent)


async def test_auth_with_request_id_is_acked_after_hello(visitor):
    comm = communicator("/ws/visitor/")
    assert (await comm.connect(TIMEOUT))[0]
    sock = Socket(comm)
    try:
        await sock.send({"type": "auth", "token": visitor.token, "request_id": "a1"})
        assert (await sock.next())["type"] == "hello"
        assert await sock.next() == {"type": "ack", "request_id": "a1"}
        assert (await sock.next())["type"] == "agents:availability"
    finally:
        await close_all(sock)


async def expect_close(comm, code: int) -> dict | None:
    """The frames before the close (at most an error), then the close with `code`."""
    error = None
    while True:
        out = await comm.receive_output(TIMEOUT)
        if out["type"] == "websocket.close":
            assert out.get("code") == code, out
            return error
        error = out


@pytest.mark.parametrize(
    "first",
    [
        '{"type": "auth", "token": "not-a-token"}',
        '{"type": "auth"}',
        '{"type": "auth", "token": 42}',
        '{"type": "ping"}',
        "not json",
        "[1, 2]",
    ],
)
async def test_bad_token_or_first_frame_closes_4401(visitor, first):
    comm = communicator("/ws/visitor/")
    assert (await comm.connect(TIMEOUT))[0]
    await comm.send_to(text_data=first)
    await expect_close(comm, 4401)
    await comm.disconnect()


async def test_revoked_token_closes_4401(visitor):
    from conversations.services import visitor_revoke_token

    token = visitor.token
    await database_sync_to_async(visitor_revoke_token)(visitor=visitor)
    comm = communicator("/ws/visitor/")
    assert (await comm.connect(TIMEOUT))[0]
    await comm.send_json_to({"type": "auth", "token": token, "request_id": "x"})
    error = await expect_close(comm, 4401)
    assert json.loads(error["text"])["request_id"] == "x"
    await comm.disconnect()


async def test_silence_closes_4408(settings, db):
    settings.LIVECHAT = {**settings.LIVECHAT, "AUTH_TIMEOUT": 0.2}
    comm = communicator("/ws/visitor/")
    assert (await comm.connect(TIMEOUT))[0]
    await expect_close(comm, 4408)
    await comm.disconnect()


async def test_visitor_joins_no_group_before_auth(alice, conversation, visitor):
    comm = communicator("/ws/visitor/")
    assert (await comm.connect(TIMEOUT))[0]
    sock = Socket(comm)
    agent = await agent_socket(alice)
    try:
        await agent.ok("send_message", conversation_id=str(conversation.pk), body="Are you there?")
        await sock.silent()
        await sock.send({"type": "auth", "token": visitor.token})
        assert (await sock.next())["type"] == "hello"
        assert (await sock.next())["type"] == "agents:availability"
        await sock.silent()
    finally:
        await close_all(sock, agent)
