"""Channel-layer group names. One place, so services and consumers cannot drift apart."""

AGENTS = "agents"  # every connected agent socket
VISITORS = "visitors"  # every connected, authenticated visitor socket


def visitor_group(visitor_id) -> str:
    return f"visitor.{visitor_id}"


def conversation_group(conversation_id) -> str:
    """Agents that joined the conversation: they get its typing and AI suggestions."""
    return f"conversation.{conversation_id}"
