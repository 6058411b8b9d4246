"""The AI's frame, built by one function returning `(recipients, frame)` (`ai_status_changed`
is a conversation change: `conversations.events`)."""

from assist.wire import serialize_suggestions
from realtime import groups
from realtime.broadcast import Event


def ai_suggestion(*, conversation_id, message_id, suggestions: list[dict]) -> Event:
    """To the agents who joined the conversation (PROTOCOL section 8)."""
    frame = {
        "type": "ai_suggestion",
        **serialize_suggestions(
            conversation_id=conversation_id, message_id=message_id, suggestions=suggestions
        ),
    }
    return [groups.conversation_group(conversation_id)], frame
