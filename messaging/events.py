"""Every frame about messages, each built by one function returning events, each
`(recipients, frame)`. A message both sides see is built per audience
(`realtime.groups.per_audience`); a private note goes to agents only."""

from conversations.actors import Actor
from messaging.models import Message
from realtime import groups
from realtime.broadcast import Event


def _audiences(message: Message, build) -> list[Event]:
    """`build(for_visitor)` for every agent and the visitor; a note for agents only."""
    if message.internal:
        return [(groups.recipients(message.conversation, visitor=False), build(False))]
    return groups.per_audience(message.conversation, build)


def new_message(message: Message) -> list[Event]:
    return _audiences(
        message,
        lambda for_visitor: {
            "type": "new_message",
            "message": message.to_wire(for_visitor=for_visitor),
        },
    )


def message_updated(message: Message) -> list[Event]:
    return _audiences(
        message,
        lambda for_visitor: {
            "type": "message:updated",
            "message": message.to_wire(for_visitor=for_visitor),
        },
    )


def message_deleted(message: Message) -> list[Event]:
    """The tombstone: no body, no attachments."""
    return _audiences(
        message,
        lambda for_visitor: {
            "type": "message:deleted",
            "message": message.to_wire(for_visitor=for_visitor),
        },
    )


def mention(message: Message, *, user, by: Actor) -> Event:
    """An agent named `@user` in a private note: that agent's sockets (sound, notification)."""
    frame = {
        "type": "mention",
        "conversation_id": str(message.conversation_id),
        "message": message.to_wire(),
        "by": by.as_sender(),
    }
    return [groups.agent_group(user.pk)], frame
