"""REST and WebSocket speak the same objects: one serializer per object, whichever way a
client reads it (an ack, a broadcast, `sync`, or the REST history)."""

import pytest
from channels.db import database_sync_to_async

from tests.support.asgi_sockets import agent_socket, close_all, visitor_socket
from tests.support.auth import token_client

pytestmark = pytest.mark.django_db(transaction=True)


@database_sync_to_async
def rest_get(user, path: str) -> dict:
    response = token_client(user).get(path)
    assert response.status_code == 200, response.content
    return response.json()


async def test_messages_are_identical_over_rest_and_websocket(alice, visitor):
    agent = await agent_socket(alice)
    sock = await visitor_socket(visitor)
    try:
        asked = (await sock.ok("send_message", body="Halo", client_id="v-1"))["message"]
        cid = asked["conversation_id"]
        broadcast = (await agent.next("new_message"))["message"]
        reply = (await agent.ok("send_message", conversation_id=cid, body="Hi!"))["message"]
        edited = (await agent.ok("edit_message", message_id=reply["id"], body="Hi Budi!"))[
            "message"
        ]
        gone = (await sock.ok("delete_message", message_id=asked["id"]))["message"]
        synced = (await agent.ok("sync", conversation_id=cid, since_version=0))["messages"]

        page = await rest_get(alice, f"/api/v1/conversations/{cid}/messages/")
        assert page["results"] == synced == [gone, edited]
        assert broadcast == asked
        assert gone["deleted"] is True and gone["body"] == ""
    finally:
        await close_all(agent, sock)


async def test_conversations_are_identical_over_rest_and_websocket(alice, visitor):
    agent = await agent_socket(alice)
    sock = await visitor_socket(visitor)
    try:
        cid = (await sock.ok("send_message", body="Halo"))["message"]["conversation_id"]
        created = (await agent.next("new_conversation"))["conversation"]
        assert created == await rest_get(alice, f"/api/v1/conversations/{cid}/")

        acked = await agent.ok("conversation:update_status", conversation_id=cid, status="pending")
        updated = (await sock.next("conversation:updated"))["conversation"]
        assert acked["conversation"] == updated
        assert updated == await rest_get(alice, f"/api/v1/conversations/{cid}/")
    finally:
        await close_all(agent, sock)
