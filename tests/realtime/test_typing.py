"""Typing: relayed to the other side only, throttled, stopped by the server when quiet."""

import asyncio
import time

import pytest

from tests.support.asgi_sockets import agent_socket, close_all, visitor_socket

pytestmark = pytest.mark.django_db(transaction=True)


async def joined_agent(user, conversation):
    sock = await agent_socket(user)
    await sock.ok("conversation:join", conversation_id=str(conversation.pk))
    return sock


async def test_visitor_typing_reaches_joined_agents_only(
    alice, bob, conversation, other_conversation, visitor, other_visitor
):
    alice_sock = await joined_agent(alice, conversation)
    bob_sock = await joined_agent(bob, other_conversation)
    tab1 = await visitor_socket(visitor)
    tab2 = await visitor_socket(visitor)
    sari = await visitor_socket(other_visitor)
    await alice_sock.settle()
    try:
        await tab1.ok("typing:start")
        frame = await alice_sock.next("typing:start")
        assert frame == {
            "type": "typing:start",
            "conversation_id": str(conversation.pk),
            "sender": {"type": "visitor", "id": str(visitor.pk), "name": "Budi"},
        }
        await tab1.ok("typing:stop")
        assert (await alice_sock.next("typing:stop"))["sender"]["id"] == str(visitor.pk)
        await bob_sock.none_of("typing:start", "typing:stop")
        for sock in (tab1, tab2, sari):
            await sock.silent()
    finally:
        await close_all(alice_sock, bob_sock, tab1, tab2, sari)


async def test_agent_typing_reaches_the_visitor_only(
    alice, bob, conversation, visitor, other_visitor
):
    alice1 = await joined_agent(alice, conversation)
    alice2 = await joined_agent(alice, conversation)
    bob_sock = await joined_agent(bob, conversation)
    budi = await visitor_socket(visitor)
    sari = await visitor_socket(other_visitor)
    try:
        await alice1.ok("typing:start", conversation_id=str(conversation.pk))
        assert await budi.next() == {
            "type": "typing:start",
            "conversation_id": str(conversation.pk),
            "sender": {"type": "agent", "id": str(alice.pk), "name": "Alice Anders"},
        }
        await alice1.ok("typing:stop", conversation_id=str(conversation.pk))
        assert (await budi.next())["type"] == "typing:stop"
        for sock in (alice1, alice2, bob_sock):
            await sock.none_of("typing:start", "typing:stop")
        await sari.silent()
        await budi.silent()
    finally:
        await close_all(alice1, alice2, bob_sock, budi, sari)


async def test_agent_typing_needs_a_conversation(alice):
    sock = await agent_socket(alice)
    try:
        assert (await sock.error("typing:start"))["code"] == "validation_error"
        err = await sock.error(
            "typing:start", conversation_id="00000000-0000-0000-0000-000000000000"
        )
        assert err["code"] == "not_found"
    finally:
        await close_all(sock)


async def test_typing_stops_by_itself(alice, conversation, visitor, settings):
    timeout = settings.LIVECHAT["TYPING_TIMEOUT"]
    agent = await joined_agent(alice, conversation)
    budi = await visitor_socket(visitor)
    await agent.settle()
    try:
        await budi.ok("typing:start")
        await agent.next("typing:start")
        started = time.monotonic()
        stop = await agent.next("typing:stop", timeout=timeout + 2)
        assert stop["sender"]["id"] == str(visitor.pk)
        assert timeout - 0.1 <= time.monotonic() - started <= timeout + 1
        await agent.silent(timeout=timeout)  # once
    finally:
        await close_all(agent, budi)


async def test_typing_start_again_postpones_the_auto_stop(alice, conversation, visitor, settings):
    timeout = settings.LIVECHAT["TYPING_TIMEOUT"]
    agent = await joined_agent(alice, conversation)
    budi = await visitor_socket(visitor)
    await agent.settle()
    try:
        await budi.ok("typing:start")
        await agent.next("typing:start")
        await asyncio.sleep(timeout * 0.6)
        await budi.ok("typing:start")
        started = time.monotonic()
        await agent.next("typing:stop", timeout=timeout + 2)
        assert time.monotonic() - started >= timeout * 0.8
    finally:
        await close_all(agent, budi)


async def test_typing_stops_when_the_typist_disconnects(alice, conversation, visitor, settings):
    # A long auto-stop, so a stop arriving within a second can only be the disconnect's.
    settings.LIVECHAT = {**settings.LIVECHAT, "TYPING_TIMEOUT": 3.0}
    agent = await joined_agent(alice, conversation)
    budi = await visitor_socket(visitor)
    await agent.settle()
    try:
        await budi.ok("typing:start")
        await agent.next("typing:start")
        started = time.monotonic()
        # The test transport waits for the app to wind down; the handler runs at once.
        closing = asyncio.create_task(budi.close())
        budi = None
        await agent.next("typing:stop", timeout=2)
        assert time.monotonic() - started < 1.5
        await closing
    finally:
        await close_all(agent, budi)


async def test_hammering_typing_start_is_throttled(alice, conversation, visitor):
    agent = await joined_agent(alice, conversation)
    budi = await visitor_socket(visitor)
    await agent.settle()
    try:
        for _ in range(10):
            await budi.ok("typing:start")
        await agent.next("typing:start")
        await agent.none_of("typing:start", timeout=0.2)
    finally:
        await close_all(agent, budi)


async def test_typing_stop_without_start_broadcasts_nothing(alice, conversation, visitor):
    agent = await joined_agent(alice, conversation)
    budi = await visitor_socket(visitor)
    await agent.settle()
    try:
        await budi.ok("typing:stop")
        await agent.silent()
    finally:
        await close_all(agent, budi)


async def test_visitor_typing_before_a_conversation_is_acked_and_goes_nowhere(alice, visitor):
    agent = await agent_socket(alice)
    budi = await visitor_socket(visitor)
    try:
        await budi.ok("typing:start")
        await agent.none_of("typing:start")
    finally:
        await close_all(agent, budi)
