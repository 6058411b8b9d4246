"""The Visitor and Conversation objects of the wire contract, built by hand (see
`messaging.wire` for why); `conversations.serializers` describes them for OpenAPI."""

from conversations.actors import user_display_name
from conversations.models import Conversation, Visitor
from livechat.wire import iso_datetime


def serialize_visitor(visitor: Visitor) -> dict:
    return {"id": str(visitor.pk), "name": visitor.display_name, "email": visitor.email}


def serialize_conversation(conversation: Conversation, *, for_visitor: bool = False) -> dict:
    """Agents see the full counters; the visitor its own (private notes advance only the
    agents'). `last_message` is never a note."""
    assignee = conversation.assignee
    last_message = conversation.last_message
    return {
        "id": str(conversation.pk),
        "status": conversation.status,
        "ai_enabled": conversation.ai_enabled,
        "visitor": serialize_visitor(conversation.visitor),
        "assignee": None
        if assignee is None
        else {"id": str(assignee.pk), "name": user_display_name(assignee)},
        "created_at": iso_datetime(conversation.created_at),
        "updated_at": iso_datetime(conversation.updated_at),
        "last_message": None
        if last_message is None
        else last_message.to_wire(for_visitor=for_visitor),
        "last_seq": conversation.visitor_last_seq if for_visitor else conversation.last_seq,
        "version": conversation.visitor_version if for_visitor else conversation.version,
        # When the team first replied (null before): the AI answers only until then.
        "first_response_at": iso_datetime(conversation.first_response_at),
    }
