"""The frames the real-time layer itself sends: presence, availability, typing, session
revocation, and the replies `hello` and `pong`. Broadcasts return `(recipients, payload)`."""

from realtime import groups
from realtime.broadcast import Close, Event


def presence_update(*, agent_id: str, name: str, status: str) -> Event:
    frame = {"type": "presence:update", "agent": {"id": agent_id, "name": name}, "status": status}
    return [groups.AGENTS], frame


def agents_availability(online: bool) -> Event:
    """What visitors learn of presence: whether anyone is there to answer."""
    return [groups.VISITORS], {"type": "agents:availability", "online": online}


def typing_started(*, conversation_id: str, sender: dict, recipients: list[str]) -> Event:
    """To the other side of the conversation (the socket knows who that is)."""
    return recipients, {
        "type": "typing:start",
        "conversation_id": conversation_id,
        "sender": sender,
    }


def typing_stopped(*, conversation_id: str, sender: dict, recipients: list[str]) -> Event:
    return recipients, {"type": "typing:stop", "conversation_id": conversation_id, "sender": sender}


def session_revoked(group: str, *, code: int) -> Event:
    """Close every socket in `group`: a visitor's token was revoked (`visitor.<id>`), or an
    agent's access ended (`agent.<id>`: logout, deactivation, role or password change)."""
    return [group], Close(code)


def agent_hello(*, user: dict, presence: list[dict]) -> dict:
    return {"type": "hello", "role": "agent", "user": user, "presence": presence}


def visitor_hello(*, visitor: dict, conversation: dict | None) -> dict:
    return {"type": "hello", "role": "visitor", "visitor": visitor, "conversation": conversation}


def pong() -> dict:
    return {"type": "pong"}
