"""Conversation frames: status, join/leave, AI toggle and suggestions, read receipts, sync."""

import pytest
from channels.db import database_sync_to_async
from django.db import transaction

from conversations.actors import Actor
from conversations.models import Conversation
from messaging.services import message_delete, message_edit, message_send
from tests.support.asgi_sockets import agent_socket, close_all, visitor_socket

pytestmark = pytest.mark.django_db(transaction=True)

SHIPPING = "We ship every order within 2 days with JNE; delivery to Bali takes 3 days."


@database_sync_to_async
def reload(conversation) -> Conversation:
    return Conversation.objects.get(pk=conversation.pk)


async def test_update_status(alice, bob, conversation, visitor, other_visitor):
    alice_sock = await agent_socket(alice)
    bob_sock = await agent_socket(bob)
    budi = await visitor_socket(visitor)
    sari = await visitor_socket(other_visitor)
    await alice_sock.settle()
    try:
        ack = await alice_sock.ok(
            "conversation:update_status", conversation_id=str(conversation.pk), status="pending"
        )
        assert ack["conversation"]["id"] == str(conversation.pk)
        assert ack["conversation"]["status"] == "pending"
        assert ack["conversation"]["last_message"]["seq"] == 1
        for sock in (budi, bob_sock, alice_sock):
            frame = await sock.next("conversation:updated")
            assert frame == {"type": "conversation:updated", "conversation": ack["conversation"]}
        await sari.silent()
        assert (await reload(conversation)).status == "pending"

        same = await alice_sock.ok(
            "conversation:update_status", conversation_id=str(conversation.pk), status="pending"
        )
        assert same["conversation"]["status"] == "pending"
        await budi.silent()

        for status in ("done", None, 3):
            err = await alice_sock.error(
                "conversation:update_status", conversation_id=str(conversation.pk), status=status
            )
            assert err["code"] == "validation_error"
        missing = await alice_sock.error(
            "conversation:update_status",
            conversation_id="00000000-0000-0000-0000-000000000000",
            status="closed",
        )
        assert missing["code"] == "not_found"
    finally:
        await close_all(alice_sock, bob_sock, budi, sari)


@pytest.mark.parametrize(
    "frame",
    [
        {"type": "conversation:update_status", "status": "closed"},
        {"type": "conversation:join"},
        {"type": "conversation:leave"},
        {"type": "ai:toggle", "enabled": False},
        {"type": "presence:set", "status": "away"},
    ],
)
async def test_visitors_may_not_send_agent_frames(conversation, visitor, frame):
    budi = await visitor_socket(visitor)
    try:
        frame = {**frame, "conversation_id": str(conversation.pk)}
        err = await budi.error(frame.pop("type"), **frame)
        assert err["code"] == "forbidden"
        assert (await reload(conversation)).status == "open"
        assert (await budi.request("ping"))["type"] == "pong"
    finally:
        await close_all(budi)


async def test_ai_toggle(alice, bob, conversation, visitor, other_visitor):
    alice_sock = await agent_socket(alice)
    bob_sock = await agent_socket(bob)
    budi = await visitor_socket(visitor)
    sari = await visitor_socket(other_visitor)
    await alice_sock.settle()
    try:
        enabled = not conversation.ai_enabled
        ack = await alice_sock.ok(
            "ai:toggle", conversation_id=str(conversation.pk), enabled=enabled
        )
        assert ack["conversation"]["ai_enabled"] is enabled
        expected = {
            "type": "ai_status_changed",
            "conversation_id": str(conversation.pk),
            "ai_enabled": enabled,
            "changed_by": {"type": "agent", "id": str(alice.pk), "name": "Alice Anders"},
        }
        for sock in (budi, bob_sock, alice_sock):
            assert await sock.next("ai_status_changed") == expected
        await sari.silent()
        for enabled in (None, "yes", 1):
            err = await alice_sock.error(
                "ai:toggle", conversation_id=str(conversation.pk), enabled=enabled
            )
            assert err["code"] == "validation_error"
    finally:
        await close_all(alice_sock, bob_sock, budi, sari)


async def test_join_and_leave(alice, conversation):
    sock = await agent_socket(alice)
    try:
        ack = await sock.ok("conversation:join", conversation_id=str(conversation.pk))
        assert ack == {
            "type": "ack",
            "request_id": ack["request_id"],
            "conversation_id": str(conversation.pk),
        }
        assert (await sock.ok("conversation:leave", conversation_id=str(conversation.pk)))[
            "conversation_id"
        ] == str(conversation.pk)
        for kind in ("conversation:join", "conversation:leave"):
            err = await sock.error(kind, conversation_id="00000000-0000-0000-0000-000000000000")
            assert err["code"] == "not_found"
            assert (await sock.error(kind))["code"] == "validation_error"
            assert (await sock.error(kind, conversation_id=5))["code"] == "validation_error"
    finally:
        await close_all(sock)


@database_sync_to_async
def add_knowledge():
    from assist.services import knowledge_article_create

    knowledge_article_create(
        actor=Actor.system(),
        title="Shipping",
        body="We ship every order within 2 days with JNE; delivery to Bali takes 3 days.",
    )


@database_sync_to_async
def visitor_asks(visitor, body, *, commit=True):
    with transaction.atomic():
        message_send(actor=Actor.for_visitor(visitor), body=body)
        transaction.set_rollback(not commit)


async def test_ai_suggestions_go_only_to_agents_who_joined(
    alice, bob, conversation, other_conversation, visitor
):
    await add_knowledge()
    alice_sock = await agent_socket(alice)
    bob_sock = await agent_socket(bob)
    budi = await visitor_socket(visitor)
    await alice_sock.settle()
    try:
        await alice_sock.ok("conversation:join", conversation_id=str(conversation.pk))
        await bob_sock.ok("conversation:join", conversation_id=str(other_conversation.pk))
        await visitor_asks(visitor, "How long does delivery to Bali take?")
        frame = await alice_sock.next("ai_suggestion")
        assert frame["conversation_id"] == str(conversation.pk)
        assert frame["suggestions"] == [
            {
                "text": SHIPPING,
                "source": "Shipping",
                "score": 1.0,
            }
        ]
        await bob_sock.none_of("ai_suggestion")
        await budi.none_of("ai_suggestion")

        await alice_sock.ok("conversation:leave", conversation_id=str(conversation.pk))
        await visitor_asks(visitor, "Do you ship with JNE?")
        await alice_sock.none_of("ai_suggestion", timeout=1.0)
    finally:
        await close_all(alice_sock, bob_sock, budi)


async def test_ai_suggestion_is_sent_only_after_commit(alice, conversation, visitor):
    await add_knowledge()
    sock = await agent_socket(alice)
    try:
        await sock.ok("conversation:join", conversation_id=str(conversation.pk))
        await visitor_asks(visitor, "How long does delivery to Bali take?", commit=False)
        await sock.none_of("ai_suggestion", timeout=1.0)
    finally:
        await close_all(sock)


async def test_read_receipts_go_to_the_other_side(alice, bob, conversation, visitor, other_visitor):
    alice_sock = await agent_socket(alice)
    bob_sock = await agent_socket(bob)
    budi = await visitor_socket(visitor)
    sari = await visitor_socket(other_visitor)
    await alice_sock.settle()
    await bob_sock.settle()
    try:
        ack = await budi.ok("message:read", seq=1)
        assert ack["conversation_id"] == str(conversation.pk) and ack["seq"] == 1
        for sock in (alice_sock, bob_sock):
            frame = await sock.next("conversation:read")
            assert frame["conversation_id"] == str(conversation.pk)
            assert frame["reader"] == {"type": "visitor", "id": str(visitor.pk), "name": "Budi"}
            assert frame["seq"] == 1 and frame["read_at"]
        await budi.silent()
        await sari.silent()

        ack = await alice_sock.ok("message:read", conversation_id=str(conversation.pk), seq=99)
        assert ack["seq"] == 1  # never past the last message
        frame = await budi.next("conversation:read")
        assert frame["reader"]["type"] == "agent" and frame["seq"] == 1
        await sari.silent()
        await bob_sock.silent()
        assert (await reload(conversation)).agent_last_read_seq == 1

        for seq in (None, -1, "1", True):
            assert (await budi.error("message:read", seq=seq))["code"] == "validation_error"
        err = await alice_sock.error("message:read", seq=1)
        assert err["code"] == "validation_error"
    finally:
        await close_all(alice_sock, bob_sock, budi, sari)


async def test_visitor_read_before_any_conversation_is_not_found(visitor):
    budi = await visitor_socket(visitor)
    try:
        assert (await budi.error("message:read", seq=0))["code"] == "not_found"
    finally:
        await close_all(budi)


@database_sync_to_async
def history(conversation, agent):
    actor = Actor.for_agent(agent)
    m2 = message_send(actor=actor, body="two", conversation_id=conversation.pk)[0]
    m3 = message_send(actor=actor, body="three", conversation_id=conversation.pk)[0]
    return m2, m3


async def test_sync_returns_what_changed_since_a_version(alice, conversation, visitor):
    m2, m3 = await history(conversation, alice)
    budi = await visitor_socket(visitor)
    agent = await agent_socket(alice)
    try:
        everything = await budi.ok("sync", since_version=0)
        assert [m["seq"] for m in everything["messages"]] == [1, 2, 3]
        assert everything["version"] == 3 and everything["has_more"] is False

        await database_sync_to_async(message_edit)(
            actor=Actor.for_agent(alice), message_id=m2.pk, body="two!"
        )
        await database_sync_to_async(message_delete)(actor=Actor.for_agent(alice), message_id=m3.pk)
        changed = await agent.ok("sync", conversation_id=str(conversation.pk), since_version=3)
        assert [(m["seq"], m["body"], m["deleted"]) for m in changed["messages"]] == [
            (2, "two!", False),
            (3, "", True),
        ]
        assert changed["version"] == 5
        nothing = await budi.ok("sync", since_version=5)
        assert nothing["messages"] == [] and nothing["version"] == 5

        # The visitor's sync ignores any conversation_id; the agent's needs one.
        other = await budi.ok("sync", since_version=4, conversation_id="whatever")
        assert [m["seq"] for m in other["messages"]] == [3]
        assert (await agent.error("sync", since_version=0))["code"] == "validation_error"
        for bad in (-1, "3", 1.5):
            err = await budi.error("sync", since_version=bad)
            assert err["code"] == "validation_error"
    finally:
        await close_all(budi, agent)


async def test_sync_is_capped_and_says_so(settings, alice, conversation):
    settings.LIVECHAT = {**settings.LIVECHAT, "SYNC_MAX_MESSAGES": 2}
    await history(conversation, alice)
    agent = await agent_socket(alice)
    try:
        first = await agent.ok("sync", conversation_id=str(conversation.pk), since_version=0)
        assert [m["seq"] for m in first["messages"]] == [1, 2]
        assert first["has_more"] is True and first["version"] == 2
        rest = await agent.ok(
            "sync", conversation_id=str(conversation.pk), since_version=first["version"]
        )
        assert [m["seq"] for m in rest["messages"]] == [3] and rest["has_more"] is False
    finally:
        await close_all(agent)


async def test_sync_before_the_first_message_is_empty(visitor):
    budi = await visitor_socket(visitor)
    try:
        ack = await budi.ok("sync", since_version=0)
        assert ack["messages"] == [] and ack["version"] == 0 and ack["has_more"] is False
    finally:
        await close_all(budi)


async def test_visitor_learns_its_conversation_after_the_first_message(alice, visitor):
    tab1 = await visitor_socket(visitor)
    tab2 = await visitor_socket(visitor)
    agent = await agent_socket(alice)
    try:
        await tab1.ok("send_message", body="First!")
        await agent.next("new_message")
        conversation_id = (await tab2.next("new_message"))["message"]["conversation_id"]
        await agent.ok("conversation:join", conversation_id=conversation_id)
        # The other tab never sent a message, yet reads, syncs and types in it.
        assert (await tab2.ok("message:read", seq=1))["conversation_id"] == conversation_id
        assert [m["seq"] for m in (await tab2.ok("sync", since_version=0))["messages"]] == [1]
        await tab2.ok("typing:start")
        assert (await agent.next("typing:start"))["conversation_id"] == conversation_id
    finally:
        await close_all(tab1, tab2, agent)
