"""Every frame about conversations, each built by one function returning `(recipients, frame)`.

Services hand the result to `realtime.broadcast.send_on_commit`.
"""

from datetime import datetime

from conversations.models import Conversation
from conversations.wire import serialize_conversation
from livechat.wire import iso_datetime
from realtime import groups
from realtime.broadcast import Event


def new_conversation(conversation: Conversation) -> Event:
    frame = {"type": "new_conversation", "conversation": serialize_conversation(conversation)}
    return groups.recipients(conversation, visitor=False), frame


def conversation_updated(conversation: Conversation) -> list[Event]:
    """To every agent and the visitor, each with its own counters (one frame for both while
    the conversation has no private note)."""

    def frame(for_visitor: bool) -> dict:
        wire = serialize_conversation(conversation, for_visitor=for_visitor)
        return {"type": "conversation:updated", "conversation": wire}

    return groups.per_audience(conversation, frame)


def ai_status_changed(conversation: Conversation, *, changed_by: dict) -> Event:
    frame = {
        "type": "ai_status_changed",
        "conversation_id": str(conversation.pk),
        "ai_enabled": conversation.ai_enabled,
        "changed_by": changed_by,
    }
    return groups.recipients(conversation), frame


def conversation_read(
    conversation: Conversation, *, reader: dict, seq: int, read_at: datetime
) -> Event:
    """To the other side of the conversation from the reader; `seq` in that side's
    numbering (the service converts it)."""
    by_visitor = reader["type"] == "visitor"
    frame = {
        "type": "conversation:read",
        "conversation_id": str(conversation.pk),
        "reader": reader,
        "seq": seq,
        "read_at": iso_datetime(read_at),
    }
    return groups.recipients(conversation, agents=by_visitor, visitor=not by_visitor), frame


def visitor_updated(visitor, *, detail: dict) -> Event:
    """A visitor's name, email, page or time zone changed: every agent's inbox and side panel
    follow. The visitor's own widget is not told (it gets nothing it would show)."""
    frame = {"type": "visitor:updated", "visitor": detail}
    return [groups.AGENTS], frame
