"""send_message with attachments over the WebSocket: the ack and every broadcast carry the
Attachment objects; an upload that is not the sender's is a validation_error."""

import pytest
from channels.db import database_sync_to_async
from django.core.files.uploadedfile import SimpleUploadedFile

from conversations.actors import Actor
from messaging.attachments import attachment_upload
from tests.support import files
from tests.support.asgi_sockets import agent_socket, close_all, visitor_socket

pytestmark = pytest.mark.django_db(transaction=True)


@database_sync_to_async
def uploaded(actor: Actor, data: bytes, name: str, conversation_id=None) -> str:
    upload = SimpleUploadedFile(name, data, "application/octet-stream")
    attachment = attachment_upload(actor=actor, upload=upload, conversation_id=conversation_id)
    return str(attachment.pk)


async def test_a_visitor_sends_a_screenshot_and_the_agent_gets_it(media, alice, visitor):
    agent = await agent_socket(alice)
    sock = await visitor_socket(visitor)
    try:
        shot = await uploaded(Actor.for_visitor(visitor), files.png(900, 600), "shot.png")
        ack = await sock.ok("send_message", body="", attachments=[shot], client_id="c-a")
        message = ack["message"]
        assert message["body"] == "" and len(message["attachments"]) == 1
        assert message["attachments"][0]["id"] == shot
        assert message["attachments"][0]["width"] == 900
        await agent.next("new_conversation")
        assert await agent.next("new_message") == {"type": "new_message", "message": message}
        assert await sock.next("new_message") == {"type": "new_message", "message": message}

        # The agent answers with a file of its own.
        conversation_id = message["conversation_id"]
        doc = await uploaded(Actor.for_agent(alice), files.pdf(), "guide.pdf", conversation_id)
        reply = await agent.ok(
            "send_message", conversation_id=conversation_id, body="See this", attachments=[doc]
        )
        got = await sock.next("new_message")
        assert got["message"] == reply["message"]
        assert got["message"]["attachments"][0]["content_type"] == "application/pdf"
    finally:
        await close_all(agent, sock)


async def test_attachments_that_are_not_yours_are_refused(media, alice, visitor, other_visitor):
    sock = await visitor_socket(visitor)
    try:
        theirs = await uploaded(Actor.for_visitor(other_visitor), files.pdf(), "x.pdf")
        for attachments in ([theirs], "nope", [theirs] * 11, [1]):
            error = await sock.error("send_message", body="hi", attachments=attachments)
            assert error["code"] == "validation_error", attachments
        error = await sock.error("send_message", body="")
        assert error["code"] == "validation_error"
    finally:
        await close_all(sock)
