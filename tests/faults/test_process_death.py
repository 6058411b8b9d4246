"""A daphne process is killed (SIGKILL) with agents and visitors on it.

Its clients reconnect to the surviving process and catch up with `sync`: nothing is lost,
nothing doubled (a send that was in flight when the process died is retried with its
`client_id` and exists once). The agent who does not come back is reported offline by
the surviving process within the presence expiry, although no disconnect handler ran.
"""

import asyncio
import time

from channels.db import database_sync_to_async

from messaging.models import Message
from realtime.client import LiveSocket, new_message
from tests.support.auth import session_cookie
from tests.support.factories import AgentFactory, VisitorFactory

PRESENCE_TTL = 2.0  # LIVE_TEST_ENV in tests/support/livestack.py
HEARTBEAT = 0.5


@database_sync_to_async
def db_messages(conversation_id) -> dict[str, tuple[int, int, str]]:
    rows = Message.objects.filter(conversation_id=conversation_id)
    return {str(m.pk): (m.seq, m.version, m.body) for m in rows}


@database_sync_to_async
def count_client_id(client_id: str) -> int:
    return Message.objects.filter(client_id=client_id).count()


def is_presence(frame: dict, user, status: str | None = None) -> bool:
    return (
        frame.get("type") == "presence:update"
        and frame["agent"]["id"] == str(user.pk)
        and (status is None or frame["status"] == status)
    )


def view_of(sock, conversation_id: str) -> dict[str, tuple[int, int, str]]:
    return {
        mid: (m["seq"], m["version"], m["body"])
        for mid, m in sock.messages().items()
        if m["conversation_id"] == conversation_id
    }


def last_version(sock, conversation_id: str) -> int:
    versions = [
        m["version"] for m in sock.messages().values() if m["conversation_id"] == conversation_id
    ]
    return max(versions, default=0)


async def test_clients_of_a_killed_process_reconnect_elsewhere_and_lose_nothing(make_livestack):
    alice = await database_sync_to_async(AgentFactory)(username="alice", first_name="Alice")
    bob = await database_sync_to_async(AgentFactory)(username="bob", first_name="Bob")
    carol = await database_sync_to_async(AgentFactory)(username="carol", first_name="Carol")
    budi = await database_sync_to_async(VisitorFactory)(name="Budi")
    sari = await database_sync_to_async(VisitorFactory)(name="Sari")
    cookies = {
        u.username: await database_sync_to_async(session_cookie)(u) for u in (alice, bob, carol)
    }

    stack = await asyncio.to_thread(make_livestack, 2)
    doomed, survivor = stack.servers

    a = await LiveSocket.agent(doomed.url, cookies["alice"], name="alice@doomed")
    c = await LiveSocket.agent(doomed.url, cookies["carol"], name="carol@doomed")
    b = await LiveSocket.agent(survivor.url, cookies["bob"], name="bob@survivor")
    v1 = await LiveSocket.visitor(doomed.url, budi.token, name="budi@doomed")
    v2 = await LiveSocket.visitor(survivor.url, sari.token, name="sari@survivor")

    m1 = (await v1.request("send_message", body="Halo, pesanan saya?", client_id="b-1"))["message"]
    n1 = (await v2.request("send_message", body="Ada warna merah?", client_id="s-1"))["message"]
    conv1, conv2 = m1["conversation_id"], n1["conversation_id"]
    await a.wait_for(new_message(n1["id"]))
    await b.request("conversation:join", conversation_id=conv1)
    r1 = await b.request(
        "send_message", conversation_id=conv1, body="Sebentar ya", client_id="bob-1"
    )
    await v1.wait_for(new_message(r1["message"]["id"]))

    # A send in flight when the process dies: it may or may not have been committed.
    await v1.send(
        {
            "type": "send_message",
            "request_id": "inflight",
            "body": "Masih di sana?",
            "client_id": "b-2",
        }
    )
    await asyncio.sleep(0.02)
    await asyncio.to_thread(stack.kill, 0)
    killed_at = time.monotonic()
    for sock in (a, c, v1):
        await asyncio.wait_for(sock._reader, 10)
        assert not sock.open, sock.name
    assert survivor.running

    # What happens while they are away: they must catch up on it.
    missed_by_budi = [
        (
            await b.request(
                "send_message", conversation_id=conv1, body=f"Balasan {i}", client_id=f"bob-r{i}"
            )
        )["message"]
        for i in range(3)
    ]
    missed_by_alice = (await v2.request("send_message", body="Halo? Ada orang?", client_id="s-2"))[
        "message"
    ]

    # Carol never comes back: the survivor reports her offline within the presence expiry.
    offline = await b.wait_for(
        lambda f: is_presence(f, carol, "offline"),
        timeout=PRESENCE_TTL + 4 * HEARTBEAT + 3,
    )
    offline_after = next(t for t, f in b.frames if f is offline) - killed_at
    assert offline_after <= PRESENCE_TTL + 2 * HEARTBEAT + 1.5, offline_after
    await b.wait_for(lambda f: is_presence(f, alice, "offline"), timeout=2)

    # Alice and Budi reconnect to the surviving process and sync from what they had.
    a2 = await LiveSocket.agent(survivor.url, cookies["alice"], name="alice@survivor")
    v1b = await LiveSocket.visitor(survivor.url, budi.token, name="budi@survivor")
    a2.frames[:0] = a.frames  # one client, two sockets: its memory carries over
    v1b.frames[:0] = v1.frames
    retry = await v1b.request("send_message", body="Masih di sana?", client_id="b-2")
    for conv in (conv1, conv2):
        await a2.request("sync", conversation_id=conv, since_version=last_version(a, conv))
    await v1b.request("sync", since_version=last_version(v1, conv1))

    assert await count_client_id("b-2") == 1
    inflight_acks = [f for _t, f in v1.frames if f.get("request_id") == "inflight"]
    if inflight_acks:  # acked before the kill: the retry must be that same message
        assert inflight_acks[0]["message"]["id"] == retry["message"]["id"]

    truth1, truth2 = await db_messages(conv1), await db_messages(conv2)
    assert sorted(seq for seq, _v, _b in truth1.values()) == list(range(1, len(truth1) + 1))
    assert len(truth1) == 6 and len(truth2) == 2  # Budi 2 + Bob 4; Sari 2
    assert {m["id"] for m in missed_by_budi} <= set(truth1)
    assert missed_by_alice["id"] in truth2
    # Nothing lost, nothing doubled: each client's view is exactly the database.
    assert view_of(v1b, conv1) == truth1
    assert view_of(a2, conv1) == truth1
    assert view_of(a2, conv2) == truth2
    # Alice is back (online again on the survivor); Bob heard so.
    back = await b.wait_for(lambda f: is_presence(f, alice, "online"), timeout=5)
    assert [f for _t, f in b.frames if is_presence(f, alice)][-1] is back
    for sock in (a2, b, v1b, v2):
        await sock.close()
    assert survivor.running
