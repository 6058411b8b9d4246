"""Quiet sockets stay connected and keep receiving broadcasts.

channels-redis waits for group messages in a blocking Redis read of up to 5 s; a Redis
client read timeout at or below that kills every consumer that has been idle for one such
wait (close 1011). Two full waits of silence must change nothing.
"""

import asyncio

from channels.db import database_sync_to_async

from realtime.client import LiveSocket, http, new_message
from tests.support.auth import session_cookie
from tests.support.factories import AgentFactory, VisitorFactory

QUIET_SECONDS = 11  # more than two of channels-redis's 5 s blocking receives


async def test_idle_sockets_survive_and_still_receive(make_livestack):
    alice = await database_sync_to_async(AgentFactory)(username="alice", first_name="Alice")
    budi = await database_sync_to_async(VisitorFactory)(name="Budi")
    cookie = await database_sync_to_async(session_cookie)(alice)
    stack = await asyncio.to_thread(make_livestack, 1)
    server = stack.servers[0]

    agent = await LiveSocket.agent(server.url, cookie, name="alice")
    visitor = await LiveSocket.visitor(server.url, budi.token, name="budi")
    await asyncio.sleep(QUIET_SECONDS)
    assert agent.open and visitor.open, (agent.close_code, visitor.close_code)
    # A process whose sockets are quiet is healthy (its consumers hold the layer's receive).
    status, body, _elapsed = await asyncio.to_thread(http, "GET", f"{server.url}/healthz")
    assert (status, body) == (200, {"database": "ok", "channel_layer": "ok"})

    sent = (await visitor.request("send_message", body="Masih di sana?", client_id="idle-1"))[
        "message"
    ]
    await agent.wait_for(new_message(sent["id"]))
    reply = await agent.request("send_message", conversation_id=sent["conversation_id"], body="Ya!")
    await visitor.wait_for(
        lambda f: f.get("type") == "new_message" and f["message"]["id"] == reply["message"]["id"]
    )
    await agent.close()
    await visitor.close()
    assert "Exception inside application" not in server.log_tail(400)
