"""AI suggestions for agents. No AI backend yet: whatever produces suggestions calls this."""

from conversations import events
from conversations.access import parse_id
from livechat.errors import ValidationFailed
from realtime.broadcast import send_on_commit


def _clean_suggestion(item) -> dict:
    if not isinstance(item, dict) or not isinstance(item.get("text"), str):
        raise ValidationFailed.field("suggestions", "Each needs a text.")
    score = item.get("score")
    if score is not None and (isinstance(score, bool) or not isinstance(score, int | float)):
        raise ValidationFailed.field("suggestions", "score must be a number.")
    return {"text": item["text"], "source": str(item.get("source") or "ai"), "score": score}


def ai_suggestion_publish(*, conversation_id, message_id, suggestions) -> dict:
    """Send `ai_suggestion` to the agents who joined the conversation, after commit.

    Not persisted: a suggestion is only useful while the agent is looking.
    """
    event = events.ai_suggestion(
        str(parse_id(conversation_id, what="Conversation")),
        message_id=None if message_id is None else str(parse_id(message_id, what="Message")),
        suggestions=[_clean_suggestion(s) for s in suggestions],
    )
    send_on_commit(event)
    return event[1]
