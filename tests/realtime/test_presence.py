"""Presence: online while a socket is open, away on request, offline when the last closes."""

import asyncio

import pytest
from django.conf import settings as django_settings

from realtime import presence
from tests.support.asgi_sockets import agent_socket, close_all, visitor_socket

pytestmark = pytest.mark.django_db(transaction=True)


def update(user, name, status):
    return {
        "type": "presence:update",
        "agent": {"id": str(user.pk), "name": name},
        "status": status,
    }


async def test_agents_see_each_other_come_and_go(alice, bob):
    alice_sock = await agent_socket(alice)
    bob1 = None
    try:
        bob1 = await agent_socket(bob)
        assert await alice_sock.next("presence:update") == update(bob, "Bob Baker", "online")
        statuses = {p["agent"]["id"]: p["status"] for p in bob1.hello["presence"]}
        assert statuses == {str(alice.pk): "online", str(bob.pk): "online"}
        # Its own arrival is in its hello, not in a broadcast to itself.
        about_bob = [f for f in await bob1.settle() if f.get("agent", {}).get("id") == str(bob.pk)]
        assert about_bob == []

        bob2 = await agent_socket(bob)  # a second tab changes nothing
        await bob2.close()
        await alice_sock.none_of("presence:update")

        await bob1.close()
        bob1 = None
        assert await alice_sock.next("presence:update") == update(bob, "Bob Baker", "offline")
    finally:
        await close_all(alice_sock, bob1)


async def test_away_and_back(alice, bob, visitor):
    alice1 = await agent_socket(alice)
    alice2 = await agent_socket(alice)
    bob_sock = await agent_socket(bob)
    budi = await visitor_socket(visitor)
    for sock in (alice1, alice2, bob_sock):
        await sock.settle()
    try:
        ack = await alice1.ok("presence:set", status="away")
        assert ack["status"] == "away"
        for sock in (alice1, alice2, bob_sock):
            assert await sock.next("presence:update") == update(alice, "Alice Anders", "away")
        await budi.silent()  # Bob is still online: availability did not flip

        await bob_sock.ok("presence:set", status="away")
        assert await bob_sock.next("presence:update") == update(bob, "Bob Baker", "away")
        assert await budi.next() == {"type": "agents:availability", "online": False}
        await alice2.ok("presence:set", status="online")
        assert await budi.next() == {"type": "agents:availability", "online": True}
        assert await bob_sock.next("presence:update") == update(alice, "Alice Anders", "online")

        for status in ("busy", None, 1):
            err = await alice1.error("presence:set", status=status)
            assert err["code"] == "validation_error"
    finally:
        await close_all(alice1, alice2, bob_sock, budi)


async def test_visitors_learn_when_the_last_agent_leaves(alice, visitor, other_visitor):
    budi = await visitor_socket(visitor)
    sari = await visitor_socket(other_visitor)
    assert budi.availability["online"] is False
    agent = await agent_socket(alice)
    try:
        for sock in (budi, sari):
            assert await sock.next() == {"type": "agents:availability", "online": True}
        await agent.close()
        agent = None
        for sock in (budi, sari):
            assert await sock.next() == {"type": "agents:availability", "online": False}
    finally:
        await close_all(budi, sari, agent)


async def test_away_is_forgotten_when_the_agent_goes_offline(alice):
    sock = await agent_socket(alice)
    await sock.ok("presence:set", status="away")
    await sock.close()
    sock = await agent_socket(alice)
    try:
        assert sock.hello["presence"] == [
            {"agent": {"id": str(alice.pk), "name": "Alice Anders"}, "status": "online"}
        ]
    finally:
        await close_all(sock)


@pytest.mark.skipif(not django_settings.REDIS_URL, reason="expiry needs the Redis store")
async def test_a_dead_process_sockets_expire(settings, alice, bob):
    """A socket whose process died (no disconnect, no heartbeat) goes offline by itself."""
    settings.LIVECHAT = {**settings.LIVECHAT, "PRESENCE_TTL": 1, "HEARTBEAT_INTERVAL": 0.2}
    alice_sock = await agent_socket(alice)
    try:
        # Bob's socket on a process that then vanished.
        await presence.get_store().apply("connect", str(bob.pk), "specific.dead!1", "Bob Baker")
        await asyncio.sleep(0.3)
        assert await alice_sock.next("presence:update", timeout=4) == update(
            bob, "Bob Baker", "offline"
        )
        # Alice's own socket heartbeats and stays online.
        await alice_sock.none_of("presence:update", timeout=1.2)
    finally:
        await close_all(alice_sock)


@pytest.mark.skipif(not django_settings.REDIS_URL, reason="the Redis store, shared by processes")
async def test_a_heartbeat_racing_a_disconnect_does_not_bring_the_agent_back(alice, bob):
    """A heartbeat already on its way when the socket closed (another connection to Redis,
    another process's sweep in between) arrives after the goodbye: the agent stays offline,
    and visitors are not told someone is there when nobody is."""
    store = presence.get_store()
    channel = "specific.tab!1"
    await store.apply("connect", str(bob.pk), channel, "Bob Baker")
    gone = await store.apply("disconnect", str(bob.pk), channel, "Bob Baker")
    assert [c.status for c in gone.changes] == ["offline"]
    late = await store.apply("heartbeat", str(bob.pk), channel, "Bob Baker")
    assert late.changes == [] and late.available is None
    assert all(c.agent_id != str(bob.pk) for c in await store.snapshot())
    # A new socket of the same agent is online as usual.
    back = await store.apply("connect", str(bob.pk), "specific.tab!2", "Bob Baker")
    assert [c.status for c in back.changes] == ["online"]
