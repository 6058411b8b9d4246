"""Channel-layer group names, and who receives a conversation's events.

One place, so services, events and consumers cannot drift apart.
"""

AGENTS = "agents"  # every connected agent socket
VISITORS = "visitors"  # every connected, authenticated visitor socket


def visitor_group(visitor_id) -> str:
    """Every socket of one visitor (the widget in several tabs)."""
    return f"visitor.{visitor_id}"


def agent_group(user_id) -> str:
    """Every socket of one agent: closed together when the agent's access ends, told of
    mentions in private notes."""
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


def counters_differ(conversation) -> bool:
    """Whether agents and the visitor number this conversation differently (it has had a
    private note), so a frame carrying numbers must be built once for each."""
    return (
        conversation.visitor_version != conversation.version
        or conversation.visitor_last_seq != conversation.last_seq
    )


def per_audience(conversation, build) -> list:
    """`[(recipients, frame)]` of a change both sides see: `build(for_visitor)` once for
    both while their numbers agree, else once for the agents and once for the visitor."""
    if not counters_differ(conversation):
        return [(recipients(conversation), build(False))]
    return [
        (recipients(conversation, visitor=False), build(False)),
        (recipients(conversation, agents=False), build(True)),
    ]
