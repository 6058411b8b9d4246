"""The Message object of the wire contract: the one serializer for REST, WebSocket and sync.

Built by hand rather than through DRF: every message sent is serialized on the hot path,
and DRF's field copying took as long as the message's queries. The DRF classes in
`messaging.serializers` describe the same object for the OpenAPI schema and delegate here.
"""

from conversations.actors import sender
from livechat.wire import iso_datetime


def message_sender(message) -> dict:
    kind = message.sender_type
    return sender(
        kind,
        user=message.sender_agent if kind == "agent" else None,
        visitor=message.sender_visitor if kind == "visitor" else None,
    )


def serialize_message(message, *, for_visitor: bool = False) -> dict:
    """Agents see every message numbered with the conversation's full counters; the visitor
    (never given a note) sees the visitor-side numbers, which notes do not advance."""
    deleted = message.deleted_at is not None
    return {
        "id": str(message.id),
        "conversation_id": str(message.conversation_id),
        "seq": message.visitor_seq if for_visitor else message.seq,
        "version": message.visitor_version if for_visitor else message.version,
        "client_id": message.client_id,
        "sender": message_sender(message),
        # A tombstone never carries text, whatever the row holds.
        "body": "" if deleted else message.body,
        "attachments": [],
        "created_at": iso_datetime(message.created_at),
        "edited_at": iso_datetime(message.edited_at),
        "deleted": deleted,
        "internal": message.internal,
    }
