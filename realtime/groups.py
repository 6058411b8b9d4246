"""Channel-layer group names, and who receives a conversation's events.

One place, so services, events and consumers cannot drift apart.
"""

AGENTS = "agents"  # every connected agent socket
VISITORS = "visitors"  # every connected, authenticated visitor socket


def visitor_group(visitor_id) -> str:
    """Every socket of one visitor (the widget in several tabs)."""
    return f"visitor.{visitor_id}"


def agent_group(user_id) -> str:
    """Every socket of one agent: closed together when the agent's access ends."""
    return f"agent.{user_id}"


def conversation_group(conversation_id) -> str:
    """Agents that joined the conversation: they get its typing and AI suggestions."""
    return f"conversation.{conversation_id}"


def recipients(conversation, *, agents: bool = True, visitor: bool = True) -> list[str]:
    """The groups that see a change to `conversation`: every agent, its visitor, or both."""
    found = [AGENTS] if agents else []
    if visitor:
        found.append(visitor_group(conversation.visitor_id))
    return found
