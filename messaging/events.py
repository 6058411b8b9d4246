"""Every frame about messages, each built by one function returning `(recipients, frame)`."""

from messaging.models import Message
from realtime import groups
from realtime.broadcast import Event


def _message_event(kind: str, message: Message) -> Event:
    return groups.recipients(message.conversation), {"type": kind, "message": message.to_wire()}


def new_message(message: Message) -> Event:
    return _message_event("new_message", message)


def message_updated(message: Message) -> Event:
    return _message_event("message:updated", message)


def message_deleted(message: Message) -> Event:
    """The tombstone: no body, no attachments."""
    return _message_event("message:deleted", message)
