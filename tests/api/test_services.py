"""Service guarantees: seq under concurrency, broadcast only after commit, the log of edits."""

import asyncio
import threading

import pytest
from channels.layers import get_channel_layer
from django.db import connection, transaction

from conversations.actors import Actor
from conversations.services import conversation_update
from messaging.models import Message, MessageEdit
from messaging.services import message_delete, message_edit, message_send

# Real commits: on_commit callbacks only run when a transaction really commits.
pytestmark = pytest.mark.django_db(transaction=True)


def test_first_visitor_message_creates_the_conversation_then_the_message(visitor, sent_frames):
    message, created = message_send(actor=Actor.for_visitor(visitor), body="Halo")
    assert created
    types = [f["type"] for _, f in sent_frames]
    assert types == ["new_conversation", "new_message"]
    assert sent_frames[0][0] == ["agents"]
    assert sent_frames[1][0] == ["agents", f"visitor.{visitor.pk}"]
    assert sent_frames[1][1]["message"]["id"] == str(message.pk)
    assert sent_frames[0][1]["conversation"]["status"] == "open"


def test_visitor_message_reopens_a_closed_conversation(alice, conversation, sent_frames):
    conversation_update(
        actor=Actor.for_agent(alice), conversation_id=conversation.pk, status="closed"
    )
    sent_frames.clear()
    message_send(actor=Actor.for_visitor(conversation.visitor), body="One more thing")
    assert [f["type"] for _, f in sent_frames] == ["new_message", "conversation:updated"]
    assert sent_frames[1][1]["conversation"]["status"] == "open"
    conversation.refresh_from_db()
    assert conversation.status == "open" and conversation.closed_at is None


def test_nothing_is_broadcast_before_commit_or_after_rollback(alice, conversation, sent_frames):
    agent = Actor.for_agent(alice)

    class Boom(Exception):
        pass

    with pytest.raises(Boom), transaction.atomic():
        message_send(actor=agent, conversation_id=conversation.pk, body="never")
        assert sent_frames == []  # still inside the transaction
        raise Boom
    assert sent_frames == []
    assert not Message.objects.filter(body="never").exists()

    with transaction.atomic():
        message_send(actor=agent, conversation_id=conversation.pk, body="later")
        assert sent_frames == []
    assert [f["type"] for _, f in sent_frames] == ["new_message"]


def test_idempotent_resend_broadcasts_nothing(alice, conversation, sent_frames):
    agent = Actor.for_agent(alice)
    first, created = message_send(
        actor=agent, conversation_id=conversation.pk, body="x", client_id="c-9"
    )
    sent_frames.clear()
    again, created_again = message_send(
        actor=agent, conversation_id=conversation.pk, body="x", client_id="c-9"
    )
    assert created and not created_again and again.pk == first.pk
    assert sent_frames == []


def test_edit_and_delete_keep_history_for_supervisors(alice, supervisor, conversation, sent_frames):
    agent = Actor.for_agent(alice)
    m, _ = message_send(actor=agent, conversation_id=conversation.pk, body="v1")
    message_edit(actor=agent, message_id=m.pk, body="v2")
    message_delete(actor=Actor.for_agent(supervisor), message_id=m.pk)
    edits = list(MessageEdit.objects.filter(message=m).order_by("changed_at", "id"))
    assert [(e.kind, e.previous_body) for e in edits] == [("edit", "v1"), ("delete", "v2")]
    assert edits[1].changed_by_agent == supervisor
    assert [f["type"] for _, f in sent_frames][-2:] == ["message:updated", "message:deleted"]
    assert (
        sent_frames[-1][1]["message"]["body"] == ""
        and sent_frames[-1][1]["message"]["deleted"] is True
    )


def test_status_and_ai_broadcasts(alice, conversation, sent_frames):
    conversation_update(
        actor=Actor.for_agent(alice),
        conversation_id=conversation.pk,
        status="pending",
        ai_enabled=not conversation.ai_enabled,
    )
    assert [f["type"] for _, f in sent_frames] == ["conversation:updated", "ai_status_changed"]
    ai = sent_frames[1][1]
    assert ai["ai_enabled"] is not conversation.ai_enabled
    assert ai["conversation_id"] == str(conversation.pk)
    assert ai["changed_by"]["id"] == str(alice.pk)
    sent_frames.clear()
    conversation_update(
        actor=Actor.for_agent(alice), conversation_id=conversation.pk, status="pending"
    )
    assert sent_frames == []  # no change, no frame


def test_the_real_channel_layer_receives_frames_after_commit(alice, conversation):
    """Not patched: a process's member of the bus group gets the encoded frame, for the
    `agents` group and the visitor's."""
    from asgiref.sync import async_to_sync

    from realtime.bus import BUS_GROUP

    layer = get_channel_layer()
    channel = async_to_sync(layer.new_channel)()
    async_to_sync(layer.group_add)(BUS_GROUP, channel)
    try:
        message_send(actor=Actor.for_agent(alice), conversation_id=conversation.pk, body="live")
        event = async_to_sync(asyncio.wait_for)(layer.receive(channel), 5)
        assert event["type"] == "lc.frame"
        assert event["groups"] == ["agents", f"visitor.{conversation.visitor_id}"]
        assert '"type":"new_message"' in event["text"] and '"body":"live"' in event["text"]
    finally:
        async_to_sync(layer.group_discard)(BUS_GROUP, channel)


def run_at_once(count: int, work) -> list[Exception]:
    """Run `work(i)` for i in range(count) on threads released together; return the errors."""
    barrier = threading.Barrier(count)
    errors = []

    def run(i):
        try:
            barrier.wait()
            work(i)
        except Exception as exc:  # collected and asserted by the caller
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(i,)) for i in range(count)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(30)
    return errors


def test_twenty_concurrent_senders_get_seq_1_to_20(alice, visitor):
    if connection.vendor != "postgresql":
        pytest.skip("row locks need PostgreSQL (SQLite serializes writers anyway)")
    message_send(actor=Actor.for_visitor(visitor), body="start")  # seq 1 creates the conversation
    conversation_id = Message.objects.get().conversation_id

    def send(i):
        actor = Actor.for_visitor(visitor) if i % 2 else Actor.for_agent(alice)
        message_send(actor=actor, conversation_id=conversation_id, body=f"m{i}", client_id=f"c-{i}")

    assert run_at_once(20, send) == []
    rows = Message.objects.filter(conversation_id=conversation_id)
    assert sorted(rows.values_list("seq", flat=True)) == list(range(1, 22))
    assert sorted(rows.values_list("version", flat=True)) == list(range(1, 22))


def test_concurrent_first_messages_create_one_conversation(visitor):
    if connection.vendor != "postgresql":
        pytest.skip("needs PostgreSQL row locks")

    def send(i):
        message_send(actor=Actor.for_visitor(visitor), body=f"hi {i}", client_id=f"c-{i % 4}")

    assert run_at_once(8, send) == []
    # 4 distinct client_ids: 4 messages, one conversation.
    assert Message.objects.count() == 4
    assert sorted(Message.objects.values_list("seq", flat=True)) == [1, 2, 3, 4]


def test_the_ai_and_the_system_speak_and_change_conversations_like_agents(
    conversation, sent_frames
):
    ai_message, created = message_send(
        actor=Actor.ai(), conversation_id=conversation.pk, body="Our beans ship in 2 days."
    )
    assert created and ai_message.sender_type == "ai"
    assert ai_message.to_wire()["sender"] == {"type": "ai", "id": None, "name": "AI assistant"}
    note, _ = message_send(
        actor=Actor.system(), conversation_id=conversation.pk, body="An agent will reply soon."
    )
    assert note.to_wire()["sender"]["type"] == "system"
    conversation_update(
        actor=Actor.ai(), conversation_id=conversation.pk, ai_enabled=not conversation.ai_enabled
    )
    changed = [f for _, f in sent_frames if f["type"] == "ai_status_changed"]
    assert changed[-1]["changed_by"] == {"type": "ai", "id": None, "name": "AI assistant"}
    conversation.refresh_from_db()
    # Neither counts as the team's first response.
    assert conversation.first_response_at is None and conversation.last_seq == 3


def test_a_broadcast_that_fails_does_not_hold_back_the_rest_of_its_send(sent_frames, caplog):
    """A send's events leave in one hand-over (`send_now` with a list); one that cannot go
    out is logged and counted, and the ones after it still leave, in order."""
    from realtime.broadcast import send_now

    unencodable = (["agents"], {"type": "new_message", "bad": object()})
    first = (["agents"], {"type": "new_message", "n": 1})
    last = (["agents"], {"type": "new_message", "n": 2})
    send_now([first, unencodable, last])
    assert sent_frames == [(["agents"], first[1]), (["agents"], last[1])]
    assert "broadcast to ['agents'] failed" in caplog.text
