"""The Message object of the wire contract: the one serializer for REST, WebSocket and sync.

Built by hand rather than through DRF: every message sent is serialized on the hot path,
and DRF's field copying took as long as the message's queries. The DRF classes in
`messaging.serializers` describe the same object for the OpenAPI schema and delegate here.
"""

from conversations.actors import sender
from livechat.wire import iso_datetime
from messaging.storage import FILE, THUMBNAIL, signed_url


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
        "attachments": []
        if deleted
        else [serialize_attachment(a) for a in message.attachments_data],
        "created_at": iso_datetime(message.created_at),
        "edited_at": iso_datetime(message.edited_at),
        "deleted": deleted,
        "internal": message.internal,
    }


def serialize_attachment(data: dict) -> dict:
    """The Attachment object (PROTOCOL section 6) from what a message keeps of it
    (`Attachment.to_data`), with freshly signed URLs."""
    attachment_id = data["id"]
    name = data["name"]
    content_type = data["content_type"]
    thumbnail_key = data["thumbnail_key"]
    return {
        "id": attachment_id,
        "name": name,
        "content_type": content_type,
        "size": data["size"],
        "width": data["width"],
        "height": data["height"],
        "url": signed_url(
            attachment_id=attachment_id,
            variant=FILE,
            key=data["file_key"],
            name=name,
            content_type=content_type,
        ),
        "thumbnail_url": None
        if thumbnail_key is None
        else signed_url(
            attachment_id=attachment_id,
            variant=THUMBNAIL,
            key=thumbnail_key,
            name=name,
            content_type=content_type,
        ),
        "created_at": data["created_at"],
    }
