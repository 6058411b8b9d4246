"""SIGTERM stops daphne within seconds, even in the middle of traffic, and loses nothing.

A deploy restarts every process; a stop that hangs until someone kills it turns each
deploy into an outage. It used to hang now and then right after an agent opened a
conversation: a worker thread waited for ever to hand a read receipt's broadcast to the
event loop that had already stopped (realtime/broadcast.py `send_now`).
"""

import asyncio
import contextlib
import itertools
import signal
import time

from channels.db import database_sync_to_async

from messaging.models import Message
from realtime.client import LiveSocket
from tests.support.auth import session_cookie
from tests.support.factories import AgentFactory, VisitorFactory

ROUNDS = 6
STOP_WITHIN = 8.0  # seconds from SIGTERM to exit (daphne waits up to 5 s for its apps)


@database_sync_to_async
def stored_client_ids(conversation_id: str) -> set[str]:
    return set(
        Message.objects.filter(conversation_id=conversation_id).values_list("client_id", flat=True)
    )


async def traffic(agent: LiveSocket, visitor: LiveSocket, conversation_id: str, tag: str):
    """The agent reads and the visitor writes, as fast as the sockets take it."""
    for i in itertools.count():
        with contextlib.suppress(Exception):
            key = f"{tag}-{i}"
            await visitor.send(
                {"type": "send_message", "body": key, "client_id": key, "request_id": key}
            )
            await agent.send(
                {"type": "message:read", "conversation_id": conversation_id, "seq": i + 1}
            )
            await agent.send({"type": "typing:start", "conversation_id": conversation_id})
        await asyncio.sleep(0.003)


async def test_sigterm_during_traffic_stops_promptly_and_loses_nothing(make_livestack):
    alice = await database_sync_to_async(AgentFactory)(username="alice", first_name="Alice")
    budi = await database_sync_to_async(VisitorFactory)(name="Budi")
    cookie = await database_sync_to_async(session_cookie)(alice)
    stack = await asyncio.to_thread(
        make_livestack, 1, LIVECHAT_RATE_PER_SECOND="5000", LIVECHAT_RATE_BURST="5000"
    )
    server = stack.servers[0]
    took = []
    for round_ in range(ROUNDS):
        agent = await LiveSocket.agent(server.url, cookie, name="alice")
        visitor = await LiveSocket.visitor(server.url, budi.token, name="budi")
        first = await visitor.request("send_message", body="Halo", client_id=f"first-{round_}")
        conversation_id = first["message"]["conversation_id"]
        await agent.request("conversation:join", conversation_id=conversation_id)
        sender = asyncio.create_task(traffic(agent, visitor, conversation_id, f"r{round_}"))
        await asyncio.sleep(0.2 + 0.1 * round_)  # stop at a different point each round

        stopping = time.monotonic()
        server.process.send_signal(signal.SIGTERM)
        exited = await asyncio.to_thread(server.process.wait, 30)
        took.append(time.monotonic() - stopping)
        sender.cancel()
        acked = {
            f["message"]["client_id"]
            for f in visitor.of_type("ack")
            if isinstance(f.get("message"), dict)
        }
        await agent.close()
        await visitor.close()
        assert took[-1] < STOP_WITHIN, (round_, took, server.log_tail())
        assert exited is not None

        # Every acked message was committed, and a client that comes back catches up.
        assert acked <= await stored_client_ids(conversation_id), round_
        await asyncio.to_thread(server.start)
        back = await LiveSocket.agent(server.url, cookie, name="alice-again")
        synced, since = {}, 0
        while True:
            answer = await back.request(
                "sync", conversation_id=conversation_id, since_version=since
            )
            synced.update({m["client_id"]: m for m in answer["messages"]})
            since = answer["version"]
            if not answer["has_more"]:
                break
        await back.close()
        assert acked <= set(synced), round_
    assert max(took) < STOP_WITHIN, took
