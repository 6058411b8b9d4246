"""Every frame about messages, each built by one function returning `(recipients, frame)`."""

from messaging.models import Message
from realtime import groups
from realtime.broadcast import Event


def new_message(message: Message) -> Event:
    frame = {"type": "new_message", "message": message.to_wire()}
    return groups.recipients(message.conversation), frame


def message_updated(message: Message) -> Event:
    frame = {"type": "message:updated", "message": message.to_wire()}
    return groups.recipients(message.conversation), frame


def message_deleted(message: Message) -> Event:
    """The tombstone: no body, no attachments."""
    frame = {"type": "message:deleted", "message": message.to_wire()}
    return groups.recipients(message.conversation), frame
