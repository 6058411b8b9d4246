"""Two real daphne processes on one PostgreSQL and one Redis behave as one server.

The visitor talks to one process, the agents to the other: every frame type must cross.
"""

import asyncio
import time

import pytest
from channels.db import database_sync_to_async

from assist.services import knowledge_article_create
from conversations.actors import Actor
from realtime.client import LiveSocket
from tests.support.auth import session_cookie

pytestmark = [pytest.mark.live, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def alice_cookie(alice):
    return session_cookie(alice)


@pytest.fixture
def bob_cookie(bob):
    return session_cookie(bob)


async def alone_with(sock: LiveSocket, *agents, timeout: float = 10.0) -> None:
    """Wait until no agent but `agents` is online on the stack.

    Every test shares the stack's presence: an agent socket an earlier test left open (or
    one whose disconnect is still in flight) counts as someone answering, and the visitor
    would rightly never hear that nobody is there. Such a leftover goes offline within
    PRESENCE_TTL once its socket is gone; one that stays is a leak, named here.
    """
    mine = {str(a.pk) for a in agents}
    others = {
        p["agent"]["id"]: p["agent"]["name"]
        for p in sock.hello["presence"]
        if p["status"] != "offline" and p["agent"]["id"] not in mine
    }
    deadline = time.monotonic() + timeout
    while others:
        try:
            update = await sock.expect(
                "presence:update",
                where=lambda f: f["agent"]["id"] in others and f["status"] == "offline",
                timeout=max(0.1, deadline - time.monotonic()),
            )
        except TimeoutError:
            raise AssertionError(f"agents of an earlier test are still connected: {others}")
        others.pop(update["agent"]["id"])


async def close_all(*socks):
    for sock in socks:
        if sock is not None:
            await sock.close()


@database_sync_to_async
def add_knowledge():
    knowledge_article_create(
        actor=Actor.system(), title="Shipping", body="We ship to Bali in 3 days with JNE."
    )


def update(user, status):
    return {"agent": {"id": str(user.pk), "name": user.get_full_name()}, "status": status}


async def test_every_frame_crosses_processes(
    livestack, alice, bob, alice_cookie, bob_cookie, visitor
):
    a, b = livestack.servers
    alice1 = await LiveSocket.agent(b.url, alice_cookie)
    alice2 = await LiveSocket.agent(a.url, alice_cookie)  # another tab, on the other process
    bob_sock = await LiveSocket.agent(b.url, bob_cookie)
    budi = await LiveSocket.visitor(a.url, visitor.token)
    try:
        assert (await budi.expect("agents:availability"))["online"] is True

        # visitor -> agents: new_conversation, then new_message, on every agent socket
        ack = await budi.request("send_message", body="Halo from process A", client_id="v1")
        message = ack["message"]
        conversation_id = message["conversation_id"]
        for sock in (alice1, alice2, bob_sock):
            created = await sock.expect("new_conversation")
            assert created["conversation"]["id"] == conversation_id
            assert (await sock.expect("new_message"))["message"] == message

        await alice1.request("conversation:join", conversation_id=conversation_id)

        # agent -> visitor
        ack = await alice1.request(
            "send_message", conversation_id=conversation_id, body="Hi Budi", client_id="a1"
        )
        reply = ack["message"]
        for sock in (budi, alice2):
            frame = await sock.expect("new_message", where=lambda f: f["message"] == reply)
            assert frame["message"]["sender"]["id"] == str(alice.pk)

        # edit and delete
        await alice1.request("edit_message", message_id=reply["id"], body="Hi Budi!")
        assert (await budi.expect("message:updated"))["message"]["body"] == "Hi Budi!"
        await alice1.request("delete_message", message_id=reply["id"])
        tombstone = (await budi.expect("message:deleted"))["message"]
        assert tombstone["deleted"] is True and tombstone["body"] == ""

        # typing both ways; Bob did not join, so he sees no visitor typing
        await budi.request("typing:start")
        typing = await alice1.expect("typing:start")
        assert typing["sender"] == {"type": "visitor", "id": str(visitor.pk), "name": "Budi"}
        await budi.request("typing:stop")
        await alice1.expect("typing:stop")
        await alice1.request("typing:start", conversation_id=conversation_id)
        assert (await budi.expect("typing:start"))["sender"]["id"] == str(alice.pk)
        await alice1.request("typing:stop", conversation_id=conversation_id)
        await budi.expect("typing:stop")
        await bob_sock.none_of("typing:start", "typing:stop")
        await alice2.none_of("typing:start", "typing:stop")

        # status, AI
        await alice1.request(
            "conversation:update_status", conversation_id=conversation_id, status="pending"
        )
        assert (await budi.expect("conversation:updated"))["conversation"]["status"] == "pending"
        assert (await bob_sock.expect("conversation:updated"))["conversation"]["status"] == (
            "pending"
        )
        enabled = not created["conversation"]["ai_enabled"]
        await alice1.request("ai:toggle", conversation_id=conversation_id, enabled=enabled)
        changed = await budi.expect("ai_status_changed")
        assert changed["ai_enabled"] is enabled and changed["changed_by"]["id"] == str(alice.pk)

        # read receipts both ways
        await budi.request("message:read", seq=2)
        assert (await bob_sock.expect("conversation:read"))["reader"]["type"] == "visitor"
        await alice1.request("message:read", conversation_id=conversation_id, seq=2)
        assert (await budi.expect("conversation:read"))["reader"]["id"] == str(alice.pk)

        # ai_suggestion: the AI on A answers the visitor's question (suggestions only: Alice
        # replied already) to the agents joined on B, and to no one else
        await add_knowledge()
        await budi.request("send_message", body="Can you ship to Bali?", client_id="v2")
        suggestion = await alice1.expect("ai_suggestion")
        assert suggestion["conversation_id"] == conversation_id
        assert suggestion["suggestions"][0]["source"] == "Shipping"
        await bob_sock.none_of("ai_suggestion")
        await budi.none_of("ai_suggestion", "typing:start")

        # presence:set crosses too, and sync answers the same on both processes
        await bob_sock.request("presence:set", status="away")
        away = await alice2.expect("presence:update", where=lambda f: f["status"] == "away")
        assert away == {"type": "presence:update", **update(bob, "away")}
        synced_a = await budi.request("sync", since_version=0)
        synced_b = await bob_sock.request("sync", conversation_id=conversation_id, since_version=0)
        assert synced_a["messages"] == synced_b["messages"]
        assert [m["seq"] for m in synced_a["messages"]] == [1, 2, 3]
    finally:
        await close_all(alice1, alice2, bob_sock, budi)


async def test_presence_counts_sockets_across_processes(
    livestack, alice, bob, alice_cookie, bob_cookie, visitor
):
    a, b = livestack.servers
    alice_sock = await LiveSocket.agent(a.url, alice_cookie)
    await alone_with(alice_sock, alice)
    budi = await LiveSocket.visitor(b.url, visitor.token)
    bob1 = bob2 = None
    try:
        assert (await budi.expect("agents:availability"))["online"] is True
        bob1 = await LiveSocket.agent(b.url, bob_cookie)
        assert await alice_sock.expect("presence:update") == {
            "type": "presence:update",
            **update(bob, "online"),
        }
        bob2 = await LiveSocket.agent(a.url, bob_cookie)
        await bob1.close()
        bob1 = None
        await alice_sock.none_of("presence:update", wait=1.5)  # Bob still has a tab on A
        await bob2.close()
        bob2 = None
        assert await alice_sock.expect("presence:update") == {
            "type": "presence:update",
            **update(bob, "offline"),
        }
        await alice_sock.close()
        alice_sock = None
        assert await budi.expect("agents:availability") == {
            "type": "agents:availability",
            "online": False,
        }
    finally:
        await close_all(alice_sock, bob1, bob2, budi)


async def test_a_killed_process_takes_its_agents_offline_and_restarts_cleanly(
    livestack, alice, bob, alice_cookie, bob_cookie, visitor
):
    a, b = livestack.servers
    alice_sock = await LiveSocket.agent(a.url, alice_cookie)
    await alone_with(alice_sock, alice)
    budi = await LiveSocket.visitor(a.url, visitor.token)
    bob_sock = await LiveSocket.agent(b.url, bob_cookie)
    try:
        await alice_sock.request("presence:set", status="away")  # Bob alone is available
        await alice_sock.expect("presence:update", where=lambda f: f["status"] == "away")
        await budi.request("send_message", body="Anyone?")
        started = time.monotonic()
        livestack.kill(1)  # no disconnect handler runs on B
        offline = await alice_sock.expect(
            "presence:update", where=lambda f: f["status"] == "offline", timeout=10
        )
        assert offline["agent"]["id"] == str(bob.pk)
        assert (await budi.expect("agents:availability"))["online"] is True  # on hello
        assert (await budi.expect("agents:availability"))["online"] is False
        # PRESENCE_TTL is 2 s and sweeps run every 0.5 s; a loaded CI box gets slack.
        assert time.monotonic() - started < 10
    finally:
        await asyncio.to_thread(livestack.restart, 1)
        await close_all(alice_sock, bob_sock, budi)

    # Bob reconnects to the restarted process; everyone sees him again.
    alice_sock = await LiveSocket.agent(a.url, alice_cookie)
    bob_sock = await LiveSocket.agent(b.url, bob_cookie)
    try:
        assert (await alice_sock.expect("presence:update"))["agent"]["id"] == str(bob.pk)
        synced = await bob_sock.request(
            "sync", conversation_id=await conversation_id_of(visitor), since_version=0
        )
        assert [m["body"] for m in synced["messages"]] == ["Anyone?"]
    finally:
        await close_all(alice_sock, bob_sock)


@database_sync_to_async
def conversation_id_of(visitor) -> str:
    return str(visitor.conversation.pk)


async def test_reconnect_to_the_other_process_and_sync(
    livestack, alice, alice_cookie, conversation, visitor
):
    a, b = livestack.servers
    budi = await LiveSocket.visitor(a.url, visitor.token)
    agent = await LiveSocket.agent(b.url, alice_cookie)
    try:
        version = (await budi.request("sync", since_version=0))["version"]
        await budi.close()
        budi = None
        conversation_id = str(conversation.pk)
        first = await agent.request(
            "send_message", conversation_id=conversation_id, body="While you were away"
        )
        second = await agent.request(
            "send_message", conversation_id=conversation_id, body="Still there?"
        )
        await agent.request(
            "edit_message", message_id=first["message"]["id"], body="While you were away!"
        )
        budi = await LiveSocket.visitor(b.url, visitor.token)  # the other process now
        assert budi.hello["conversation"]["id"] == conversation_id
        assert budi.hello["conversation"]["last_seq"] == 3
        synced = await budi.request("sync", since_version=version)
        assert [(m["seq"], m["body"]) for m in synced["messages"]] == [
            (2, "While you were away!"),
            (3, "Still there?"),
        ]
        assert synced["version"] == second["message"]["version"] + 1
        assert synced["has_more"] is False
    finally:
        await close_all(agent, budi)


async def test_idle_sockets_stay_open_and_in_their_groups(
    livestack, alice, alice_cookie, conversation, visitor
):
    """Several heartbeat and sweep rounds pass with no traffic; nothing drops."""
    a, b = livestack.servers
    budi = await LiveSocket.visitor(a.url, visitor.token)
    agent = await LiveSocket.agent(b.url, alice_cookie)
    try:
        await agent.request("conversation:join", conversation_id=str(conversation.pk))
        await asyncio.sleep(3)  # 6 heartbeats, longer than PRESENCE_TTL
        await budi.request("typing:start")
        await agent.expect("typing:start")
        await agent.request(
            "send_message", conversation_id=str(conversation.pk), body="Still connected"
        )
        await budi.expect("new_message", where=lambda f: f["message"]["body"] == "Still connected")
        assert agent.open and budi.open
    finally:
        await close_all(agent, budi)
