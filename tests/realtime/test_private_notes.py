"""Private notes over the WebSocket: agents get them, a mentioned agent is told, and the
visitor gets nothing, in no frame, no sync, and no gap in `seq` or `version`."""

import pytest

from tests.support.asgi_sockets import agent_socket, close_all, visitor_socket

pytestmark = pytest.mark.django_db(transaction=True)


async def test_a_note_reaches_agents_only_and_leaves_no_gap_for_the_visitor(
    alice, bob, visitor, conversation
):
    cid = str(conversation.pk)
    agent_a = await agent_socket(alice)
    agent_b = await agent_socket(bob)
    sock = await visitor_socket(visitor)
    try:
        ack = await agent_a.ok(
            "send_message",
            conversation_id=cid,
            body="@bob can you check the refund?",
            client_id="n-1",
            internal=True,
        )
        note = ack["message"]
        assert note["internal"] is True and (note["seq"], note["version"]) == (2, 2)
        for agent in (agent_a, agent_b):
            assert await agent.next("new_message") == {"type": "new_message", "message": note}
        mention = await agent_b.next("mention")
        assert mention["conversation_id"] == cid and mention["message"]["id"] == note["id"]
        assert mention["by"]["id"] == str(alice.pk)
        await agent_a.none_of("mention")  # only the agent named

        reply = (await agent_a.ok("send_message", conversation_id=cid, body="Refund done."))[
            "message"
        ]
        assert (reply["seq"], reply["version"]) == (3, 3)
        # The visitor: its next message number and version, no gap, no note.
        seen = await sock.next("new_message")
        assert seen["message"]["id"] == reply["id"]
        assert (seen["message"]["seq"], seen["message"]["version"]) == (2, 2)
        await sock.settle()
        sync = await sock.ok("sync", since_version=0)
        assert [(m["seq"], m["version"]) for m in sync["messages"]] == [(1, 1), (2, 2)]
        assert sync["version"] == 2 and "refund?" not in str(sync)
        assert (await sock.ok("sync", since_version=1))["messages"][0]["id"] == reply["id"]
        # Agents sync exactly: the note and the reply after their version 1.
        agent_sync = await agent_b.ok("sync", conversation_id=cid, since_version=1)
        assert [m["id"] for m in agent_sync["messages"]] == [note["id"], reply["id"]]
        assert agent_sync["version"] == 3

        # Editing and deleting the note: agents hear of it, the visitor does not.
        await agent_a.ok("edit_message", message_id=note["id"], body="@bob refund checked")
        await agent_a.ok("delete_message", message_id=note["id"])
        assert (await agent_b.next("message:updated"))["message"]["version"] == 4
        assert (await agent_b.next("message:deleted"))["message"]["version"] == 5
        await sock.none_of("new_message", "message:updated", "message:deleted", "mention")
        assert (await sock.ok("sync", since_version=2))["messages"] == []
    finally:
        await close_all(agent_a, agent_b, sock)


async def test_the_visitor_cannot_write_or_reach_a_note(alice, visitor, conversation):
    cid = str(conversation.pk)
    agent = await agent_socket(alice)
    sock = await visitor_socket(visitor)
    try:
        note = (await agent.ok("send_message", conversation_id=cid, body="secret", internal=True))[
            "message"
        ]
        refused = await sock.error("send_message", body="let me in", internal=True)
        assert refused["code"] == "forbidden"
        for kind, fields in [
            ("edit_message", {"body": "x"}),
            ("delete_message", {}),
        ]:
            reply = await sock.error(kind, message_id=note["id"], **fields)
            assert reply["code"] == "not_found"
        await sock.settle()
        mine = (await sock.ok("send_message", body="Any news?"))["message"]
        assert (mine["seq"], mine["version"]) == (2, 2)
    finally:
        await close_all(agent, sock)


async def test_read_receipts_cross_the_two_numberings(alice, visitor, conversation):
    cid = str(conversation.pk)
    agent = await agent_socket(alice)
    sock = await visitor_socket(visitor)
    try:
        await agent.ok("send_message", conversation_id=cid, body="note", internal=True)
        reply = (await agent.ok("send_message", conversation_id=cid, body="Hi!"))["message"]
        await sock.next("new_message")
        ack = await sock.ok("message:read", seq=2)
        assert ack["seq"] == 2
        read = await agent.next("conversation:read")
        assert read["seq"] == reply["seq"] == 3  # the agents' number of what the visitor read
        await agent.ok("message:read", conversation_id=cid, seq=3)
        seen = await sock.next("conversation:read")
        assert seen["seq"] == 2  # the visitor's number of the same message
    finally:
        await close_all(agent, sock)
