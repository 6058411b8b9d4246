"""send_message, edit_message, delete_message: acks, broadcasts, and who receives them."""

import pytest
from channels.db import database_sync_to_async

from conversations.actors import Actor
from messaging.models import Message
from messaging.services import message_send
from tests.support.asgi_sockets import agent_socket, close_all, visitor_socket

pytestmark = pytest.mark.django_db(transaction=True)


@database_sync_to_async
def agent_says(agent, conversation, body: str) -> Message:
    return message_send(actor=Actor.for_agent(agent), body=body, conversation_id=conversation.pk)[0]


@database_sync_to_async
def message_count() -> int:
    return Message.objects.count()


async def test_visitor_first_message_creates_the_conversation(alice, visitor, other_visitor):
    agent = await agent_socket(alice)
    tab1 = await visitor_socket(visitor)
    tab2 = await visitor_socket(visitor)
    stranger = await visitor_socket(other_visitor)
    try:
        ack = await tab1.ok("send_message", body="  Hi there  ", client_id="c-1")
        message = ack["message"]
        assert message["body"] == "Hi there"
        assert message["seq"] == 1 and message["client_id"] == "c-1"
        assert message["sender"] == {"type": "visitor", "id": str(visitor.pk), "name": "Budi"}

        created = await agent.next()
        assert created["type"] == "new_conversation"
        assert created["conversation"]["id"] == message["conversation_id"]
        assert created["conversation"]["visitor"]["id"] == str(visitor.pk)
        assert await agent.next() == {"type": "new_message", "message": message}
        # The sender's other tab gets it too; the sending tab gets ack and broadcast.
        assert await tab2.next() == {"type": "new_message", "message": message}
        assert await tab1.next() == {"type": "new_message", "message": message}
        await stranger.silent()
        await tab1.silent()
        await tab2.silent()
        assert "request_id" not in created
    finally:
        await close_all(agent, tab1, tab2, stranger)


async def test_repeated_client_id_acks_the_same_message_and_broadcasts_nothing(alice, visitor):
    agent = await agent_socket(alice)
    sock = await visitor_socket(visitor)
    try:
        first = await sock.ok("send_message", body="Once", client_id="c-dup")
        await agent.next("new_message")
        await sock.next("new_message")
        await agent.settle()
        again = await sock.ok("send_message", body="Once", client_id="c-dup")
        assert again["message"] == first["message"]
        await agent.silent()
        await sock.silent()
        assert await message_count() == 1
    finally:
        await close_all(agent, sock)


async def test_visitor_message_always_goes_to_its_own_conversation(
    alice, conversation, other_conversation, visitor
):
    sock = await visitor_socket(visitor)
    try:
        ack = await sock.ok("send_message", body="Mine", conversation_id=str(other_conversation.pk))
        assert ack["message"]["conversation_id"] == str(conversation.pk)
    finally:
        await close_all(sock)


async def test_agent_message_reaches_the_visitor_and_every_agent_tab(
    alice, bob, conversation, visitor, other_visitor
):
    alice1 = await agent_socket(alice)
    alice2 = await agent_socket(alice)
    bob_sock = await agent_socket(bob)
    budi = await visitor_socket(visitor)
    sari = await visitor_socket(other_visitor)
    for sock in (alice1, alice2, bob_sock):
        await sock.settle()
    try:
        ack = await alice1.ok(
            "send_message", conversation_id=str(conversation.pk), body="Hello Budi", client_id="a"
        )
        message = ack["message"]
        assert message["sender"]["type"] == "agent" and message["seq"] == 2
        for sock in (budi, alice1, alice2, bob_sock):
            assert await sock.next("new_message") == {"type": "new_message", "message": message}
        await sari.silent()
        await budi.silent()
    finally:
        await close_all(alice1, alice2, bob_sock, budi, sari)


async def test_agent_send_message_errors(alice, conversation):
    sock = await agent_socket(alice)
    try:
        missing = await sock.error("send_message", body="Hi")
        assert missing["code"] == "validation_error"
        assert "conversation_id" in missing["message"]
        unknown = await sock.error(
            "send_message", conversation_id="00000000-0000-0000-0000-000000000000", body="Hi"
        )
        assert unknown["code"] == "not_found"
        garbage = await sock.error("send_message", conversation_id="nope", body="Hi")
        assert garbage["code"] == "not_found"
        for body in (None, "", "   ", 42, "x" * 5001):
            err = await sock.error("send_message", conversation_id=str(conversation.pk), body=body)
            assert err["code"] == "validation_error", body
        bad_client_id = await sock.error(
            "send_message", conversation_id=str(conversation.pk), body="Hi", client_id=7
        )
        assert bad_client_id["code"] == "validation_error"
        assert (await sock.request("ping"))["type"] == "pong"
    finally:
        await close_all(sock)


async def test_edit_message_by_its_author(alice, bob, conversation, visitor, other_visitor):
    message = await agent_says(alice, conversation, "Helo")
    alice_sock = await agent_socket(alice)
    bob_sock = await agent_socket(bob)
    budi = await visitor_socket(visitor)
    sari = await visitor_socket(other_visitor)
    await alice_sock.settle()
    try:
        ack = await alice_sock.ok("edit_message", message_id=str(message.pk), body="Hello")
        edited = ack["message"]
        assert edited["body"] == "Hello" and edited["edited_at"] is not None
        assert edited["version"] > message.version
        for sock in (budi, bob_sock, alice_sock):
            assert await sock.next("message:updated") == {
                "type": "message:updated",
                "message": edited,
            }
        await sari.silent()

        not_author = await bob_sock.error("edit_message", message_id=str(message.pk), body="X")
        assert not_author["code"] == "forbidden"
        visitor_try = await budi.error("edit_message", message_id=str(message.pk), body="X")
        assert visitor_try["code"] == "forbidden"
        foreign = await sari.error("edit_message", message_id=str(message.pk), body="X")
        assert foreign["code"] == "not_found"
        missing = await alice_sock.error(
            "edit_message", message_id="00000000-0000-0000-0000-000000000000", body="X"
        )
        assert missing["code"] == "not_found"
        no_id = await alice_sock.error("edit_message", body="X")
        assert no_id["code"] == "validation_error"
        blank = await alice_sock.error("edit_message", message_id=str(message.pk), body=" ")
        assert blank["code"] == "validation_error"
    finally:
        await close_all(alice_sock, bob_sock, budi, sari)


async def test_visitor_edits_its_own_message(alice, conversation, visitor):
    first = await database_sync_to_async(Message.objects.get)(conversation=conversation, seq=1)
    agent = await agent_socket(alice)
    budi = await visitor_socket(visitor)
    await agent.settle()
    try:
        ack = await budi.ok("edit_message", message_id=str(first.pk), body="Hello?")
        assert ack["message"]["body"] == "Hello?"
        assert (await agent.next("message:updated"))["message"]["body"] == "Hello?"
    finally:
        await close_all(agent, budi)


async def test_delete_message_sends_a_tombstone(alice, bob, conversation, visitor):
    message = await agent_says(alice, conversation, "Secret text")
    alice_sock = await agent_socket(alice)
    bob_sock = await agent_socket(bob)
    budi = await visitor_socket(visitor)
    await alice_sock.settle()
    try:
        refused = await bob_sock.error("delete_message", message_id=str(message.pk))
        assert refused["code"] == "forbidden"
        ack = await alice_sock.ok("delete_message", message_id=str(message.pk))
        tombstone = ack["message"]
        assert tombstone["deleted"] is True and tombstone["body"] == ""
        assert tombstone["id"] == str(message.pk) and tombstone["seq"] == message.seq
        for sock in (budi, bob_sock, alice_sock):
            frame = await sock.next("message:deleted")
            assert frame == {"type": "message:deleted", "message": tombstone}
            assert "Secret text" not in str(frame)
        conflict = await alice_sock.error("edit_message", message_id=str(message.pk), body="Y")
        assert conflict["code"] == "conflict"
        again = await alice_sock.ok("delete_message", message_id=str(message.pk))
        assert again["message"] == tombstone
    finally:
        await close_all(alice_sock, bob_sock, budi)


async def test_supervisor_deletes_anyones_message(alice, supervisor, conversation):
    message = await agent_says(alice, conversation, "Oops")
    sock = await agent_socket(supervisor)
    try:
        ack = await sock.ok("delete_message", message_id=str(message.pk))
        assert ack["message"]["deleted"] is True
    finally:
        await close_all(sock)


async def test_frames_without_request_id_get_no_ack(alice, conversation, visitor):
    agent = await agent_socket(alice)
    budi = await visitor_socket(visitor)
    await agent.settle()
    try:
        await budi.send({"type": "send_message", "body": "No receipt please"})
        assert (await budi.next())["type"] == "new_message"
        await budi.silent()
        await agent.send({"type": "send_message", "body": "Oops"})
        error = await agent.next("error")
        assert error == {
            "type": "error",
            "request_id": None,
            "code": "validation_error",
            "message": error["message"],
        }
    finally:
        await close_all(budi, agent)
